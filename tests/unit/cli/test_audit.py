"""``kubemedic audit security`` on manifests: outputs, exit codes, bad input, escalation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.unit.cli.conftest import REPO, Invoke

PLANTED_DIR = REPO / "tests" / "data" / "security" / "planted"
PUBLIC_DIR = REPO / "tests" / "data" / "security" / "public"
SHOP = PLANTED_DIR / "shop.yaml"
PLANTED_VALUES = (
    "PLANTED",
    "UExBTlRFRC12YWx1ZS1aOXFYNy1kYXRh",  # the base64 of a planted data value
    "hunter2",
)


def _findings(stdout: str) -> list[dict[str, Any]]:
    return list(json.loads(stdout)["findings"])


@pytest.mark.parametrize("output", ["text", "json", "markdown", "sarif"])
def test_no_planted_secret_value_reaches_any_output(kubemedic: Invoke, output: str) -> None:
    result = kubemedic("audit", "security", "-f", PLANTED_DIR, "-o", output)
    assert result.code == 0, result.stderr
    for value in PLANTED_VALUES:
        assert value not in result.stdout
        assert value not in result.stderr
    assert "KM-SEC-CREDENTIAL-IN-CONFIGMAP" in result.stdout  # the values were there to leak


def test_json_output_and_the_fail_on_threshold(kubemedic: Invoke) -> None:
    result = kubemedic("audit", "security", "-f", SHOP, "-o", "json", "--fail-on", "critical")
    assert result.code == 1
    document = json.loads(result.stdout)
    assert document["schema"] == "kubemedic.security-audit/v1"
    assert document["summary"]["counts"]["critical"] >= 4
    ids = {f["id"] for f in document["findings"]}
    assert {
        "KM-SEC-PSS-PRIVILEGED",
        "KM-SEC-RBAC-ADMIN",
        "KM-SEC-TLS-EXPIRY",
        "KM-SEC-VULNERABLE-IMAGE",
        "KM-SEC-CREDENTIAL-IN-ENV",
        "KM-SEC-SECRET-UNUSED",
    } <= ids
    privileged = next(f for f in document["findings"] if f["id"] == "KM-SEC-PSS-PRIVILEGED")
    assert privileged["location"]["file"] == str(SHOP)
    line = SHOP.read_text().splitlines()[privileged["location"]["line"] - 1]
    assert line == "apiVersion: apps/v1"
    assert "PSS baseline: Privileged Containers" in privileged["references"]
    clean = kubemedic("audit", "security", "-f", PUBLIC_DIR / "online-boutique.yaml",
                      "--fail-on", "high")  # fmt: skip
    assert clean.code == 0, clean.stdout


def test_level_restricted_and_the_registry_allow_list_add_findings(kubemedic: Invoke) -> None:
    boutique = PUBLIC_DIR / "online-boutique.yaml"
    baseline = {
        f["id"]
        for f in _findings(kubemedic("audit", "security", "-f", boutique, "-o", "json").stdout)
    }
    strict = kubemedic(
        "audit", "security", "-f", boutique, "-o", "json", "--level", "restricted",
        "--allowed-registry", "us-central1-docker.pkg.dev/google-samples",
    )  # fmt: skip
    added = {f["id"] for f in _findings(strict.stdout)} - baseline
    assert added == {"KM-SEC-PSS-SECCOMP", "KM-SEC-IMAGE-REGISTRY"}
    [registry] = [f for f in _findings(strict.stdout) if f["id"] == "KM-SEC-IMAGE-REGISTRY"]
    assert registry["object"]["name"] == "redis-cart"  # redis:alpine, from Docker Hub


def test_the_level_and_allow_list_default_to_the_settings(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    boutique = PUBLIC_DIR / "online-boutique.yaml"
    config = tmp_path / "config.yaml"
    config.write_text(
        "audit:\n  level: restricted\n"
        "  allowed_registries: [us-central1-docker.pkg.dev/google-samples]\n"
    )
    from_settings = kubemedic("--config", config, "audit", "security", "-f", boutique, "-o", "json")
    ids = {f["id"] for f in _findings(from_settings.stdout)}
    assert {"KM-SEC-PSS-SECCOMP", "KM-SEC-IMAGE-REGISTRY"} <= ids
    flag_wins = kubemedic(
        "--config", config, "audit", "security", "-f", boutique, "-o", "json",
        "--level", "baseline", "--allowed-registry", "docker.io",
    )  # fmt: skip
    assert "KM-SEC-PSS-SECCOMP" not in {f["id"] for f in _findings(flag_wins.stdout)}


def test_a_malformed_manifest_is_named_with_its_file_and_line(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    broken = tmp_path / "deploy.yaml"
    broken.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n   bad: [\n")
    result = kubemedic("audit", "security", "-f", broken)
    assert result.code == 2
    assert f"error: {broken}:5: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_kinds_are_skipped_with_a_note(kubemedic: Invoke, tmp_path: Path) -> None:
    manifest = tmp_path / "cert.yaml"
    manifest.write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec: {secretName: web-tls, dnsNames: [shop.example.com]}\n---\n"
        + (PUBLIC_DIR / "online-boutique.yaml").read_text()
    )
    result = kubemedic("audit", "security", "-f", manifest, "-o", "json")
    assert result.code == 0
    note = "skipped objects of kinds no check reads: Certificate (1)"
    assert note in json.loads(result.stdout)["notes"]
    assert f"note: {note}" in result.stderr


def test_namespace_narrows_what_files_report(kubemedic: Invoke) -> None:
    result = kubemedic("audit", "security", "-f", PUBLIC_DIR, "-n", "monitoring", "-o", "json")
    document = json.loads(result.stdout)
    assert document["namespaces"] == ["monitoring"]
    objects = {
        (f["object"]["kind"], f["object"]["namespace"] or f["object"]["name"])
        for f in document["findings"]
    }
    assert objects == {("DaemonSet", "monitoring"), ("Namespace", "monitoring")}
    assert [p["workload"]["name"] for p in document["pod_security"]] == ["node-exporter"]
    both = kubemedic("audit", "security", "-n", "shop", "-A")
    assert both.code == 2
    assert "cannot be used together" in both.stderr


class _Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every body it is sent."""

    def __init__(self) -> None:
        bodies = self.bodies = []  # type: list[dict[str, Any]]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/security"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    receiving = _Receiver()
    receiving.thread.start()
    yield receiving
    receiving.server.shutdown()
    receiving.server.server_close()


def test_critical_findings_are_escalated_to_the_configured_webhooks(
    kubemedic: Invoke, tmp_path: Path, receiver: _Receiver
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"notifications:\n  webhooks:\n  - url: {receiver.url}\n    events: [audit.critical]\n"
    )
    quiet = kubemedic("--config", config, "audit", "security", "-f", SHOP, "--no-notify")
    assert quiet.code == 0
    assert receiver.bodies == []
    result = kubemedic("--config", config, "audit", "security", "-f", SHOP, "-o", "json")
    assert result.code == 0, result.stderr
    [body] = receiver.bodies
    assert body["event"] == "audit.critical"
    assert body["severity"] == "critical"
    assert "KM-SEC-RBAC-ADMIN Group/oncall" in body["text"]
    assert "PLANTED" not in json.dumps(body)
