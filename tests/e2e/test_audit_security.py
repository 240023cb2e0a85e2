"""``kubemedic audit security`` end to end: the live sandbox over its API, and public manifests.

The sandbox's todo application carries realistic weaknesses (Secrets in env vars, no
NetworkPolicy, an operations account that reads every Secret and execs into pods); the files
under tests/data/security are public upstream manifests (see the README there), audited side by
side with Checkov's recorded results on the same files.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "data" / "security"
SEED_SECRETS = ("s4ndb0x-only", "sandbox-session-key-not-a-real-secret")


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def kubemedic(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Ran]:
    for name in list(os.environ):
        if name.upper().startswith("KUBEMEDIC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))

    def invoke(*args: str | Path) -> Ran:
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return invoke


def _by_id(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        found.setdefault(finding["id"], []).append(finding)
    return found


def test_the_live_sandbox_audit_finds_the_seeded_weaknesses(
    sandbox: Sandbox, kubemedic: Callable[..., Ran]
) -> None:
    result = kubemedic(
        "audit", "security", "-n", "todo", "--kubeconfig", sandbox.kubeconfig, "-o", "json",
        "--fail-on", "high",
    )  # fmt: skip
    assert result.code == 1, result.stderr  # the ops account's exec right is high
    document = result.json()
    assert document["namespaces"] == ["todo"]
    found = _by_id(document["findings"])
    assert {f["object"]["name"] for f in found["KM-SEC-SECRET-IN-ENV"]} == {"backend", "postgres"}
    [netpol] = found["KM-SEC-NETPOL-NONE"]
    assert netpol["object"] == {"kind": "Namespace", "namespace": "", "name": "todo"}
    ops = {"kind": "ServiceAccount", "namespace": "todo", "name": "todo-ops"}
    assert [f["object"] for f in found["KM-SEC-RBAC-EXEC"]] == [ops]
    assert [f["object"] for f in found["KM-SEC-RBAC-SECRETS"]] == [ops]
    assert "KM-SEC-PSS-NOT-ENFORCED" in found
    workloads = {(p["workload"]["kind"], p["workload"]["name"]) for p in document["pod_security"]}
    assert workloads == {
        ("Deployment", "backend"),
        ("Deployment", "frontend"),
        ("StatefulSet", "postgres"),
    }
    assert {p["level"] for p in document["pod_security"]} == {"baseline"}
    assert all(f["location"] is None for f in document["findings"])
    for value in SEED_SECRETS:
        assert value not in result.stdout + result.stderr


def test_the_live_audit_of_every_namespace_writes_valid_sarif(
    sandbox: Sandbox, kubemedic: Callable[..., Ran]
) -> None:
    result = kubemedic("audit", "security", "-A", "--kubeconfig", sandbox.kubeconfig, "-o", "sarif")
    assert result.code == 0, result.stderr
    from tests.unit.formatters.test_security_formats import check_sarif

    log = result.json()
    check_sarif(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "todo/Deployment/backend" in uris
    assert any(uri.startswith("kube-system/") for uri in uris)


def test_public_manifests_through_from_file(kubemedic: Callable[..., Ran]) -> None:
    result = kubemedic("audit", "security", "--from-file", DATA / "public", "-o", "json")
    assert result.code == 0, result.stderr
    found = _by_id(result.json()["findings"])
    [admin] = found["KM-SEC-RBAC-ADMIN"]
    assert admin["object"] == {
        "kind": "ServiceAccount",
        "namespace": "kubernetes-dashboard",
        "name": "admin-user",
    }
    assert admin["location"]["file"].endswith("kubernetes-dashboard.yaml")
    [mysql] = found["KM-SEC-CREDENTIAL-IN-ENV"]
    assert mysql["object"]["name"] == "mysql"
    exporter = {
        f["id"] for f in result.json()["findings"] if f["object"]["name"] == "node-exporter"
    }
    assert {
        "KM-SEC-PSS-HOST-NAMESPACES",
        "KM-SEC-PSS-HOST-PATH",
        "KM-SEC-PSS-HOST-PORTS",
    } <= exporter
    assert "KM-SEC-NETPOL-NO-DEFAULT-DENY" in found


CHECKOV_TO_KUBEMEDIC = {
    "CKV_K8S_8": ("KM-SEC-NO-PROBES",),
    "CKV_K8S_9": ("KM-SEC-NO-PROBES",),
    "CKV_K8S_10": ("KM-SEC-NO-REQUESTS",),
    "CKV_K8S_12": ("KM-SEC-NO-REQUESTS",),
    "CKV_K8S_11": ("KM-SEC-NO-LIMITS",),
    "CKV_K8S_13": ("KM-SEC-NO-LIMITS",),
    "CKV_K8S_17": ("KM-SEC-PSS-HOST-NAMESPACES",),
    "CKV_K8S_19": ("KM-SEC-PSS-HOST-NAMESPACES",),
    "CKV_K8S_25": ("KM-SEC-PSS-CAPABILITIES",),
    "CKV_K8S_26": ("KM-SEC-PSS-HOST-PORTS",),
    "CKV_K8S_38": ("KM-SEC-SA-TOKEN-UNNEEDED",),
    "CKV_K8S_43": ("KM-SEC-IMAGE-NO-DIGEST",),
    "CKV2_K8S_6": ("KM-SEC-NETPOL-NONE", "KM-SEC-NETPOL-NO-DEFAULT-DENY"),
}
"""Checkov checks kubemedic reports at its default level (baseline), by the rules that do."""
RESTRICTED = {
    "CKV_K8S_20": "KM-SEC-PSS-PRIVILEGE-ESCALATION",
    "CKV_K8S_23": "KM-SEC-PSS-RUN-AS-NON-ROOT",
    "CKV_K8S_28": "KM-SEC-PSS-CAPABILITIES-DROP",
    "CKV_K8S_31": "KM-SEC-PSS-SECCOMP",
    "CKV_K8S_37": "KM-SEC-PSS-CAPABILITIES-DROP",
}
"""Checkov checks kubemedic reports with --level restricted."""


def _checkov_failures() -> list[tuple[str, str, str, str]]:
    """(check, kind, namespace, name) of every check Checkov 3.3.30 failed on the public files."""
    with (DATA / "checkov-public-failed.tsv").open() as table:
        rows = list(csv.DictReader(table, delimiter="\t"))
    return [(r["check_id"], *r["resource"].split(".", 2)) for r in rows]  # type: ignore[misc]


def _reported(findings: list[dict[str, Any]], kind: str, namespace: str, name: str) -> set[str]:
    ids = set()
    for f in findings:
        obj = f["object"]
        if (obj["kind"], obj["namespace"], obj["name"]) == (kind, namespace, name):
            ids.add(f["id"])
        if obj == {"kind": "Namespace", "namespace": "", "name": namespace}:
            ids.add(f["id"])  # per-namespace rules cover each of its pods
    return ids


def test_side_by_side_with_checkov_on_the_same_manifests(kubemedic: Callable[..., Ran]) -> None:
    default = kubemedic("audit", "security", "-f", DATA / "public", "-o", "json").json()["findings"]
    restricted = kubemedic(
        "audit", "security", "-f", DATA / "public", "-o", "json", "--level", "restricted"
    ).json()["findings"]
    missed = []
    for check, kind, namespace, name in _checkov_failures():
        if check in CHECKOV_TO_KUBEMEDIC:
            expected = set(CHECKOV_TO_KUBEMEDIC[check])
            reported = _reported(default, kind, namespace, name)
        elif check in RESTRICTED:
            expected = {RESTRICTED[check]}
            reported = _reported(restricted, kind, namespace, name)
        else:
            continue  # not checked by kubemedic: docs/security.md says why
        if not expected & reported:
            missed.append((check, kind, namespace, name))
    # Checkov flags every mounted token; kubemedic only those of accounts without RBAC rights
    # ("mounted but not needed"): these three run as accounts their own manifests bind roles to.
    assert missed == [
        ("CKV_K8S_38", "DaemonSet", "monitoring", "node-exporter"),
        ("CKV_K8S_38", "Deployment", "kubernetes-dashboard", "dashboard-metrics-scraper"),
        ("CKV_K8S_38", "Deployment", "kubernetes-dashboard", "kubernetes-dashboard"),
    ]
