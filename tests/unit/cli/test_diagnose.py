"""``kubemedic diagnose`` end to end on recorded clusters: output, scope and exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.unit.cli.conftest import EXAMPLES, OOMKILLED, Invoke

# The oomkilled scenario holds one high finding: KM-POD-OOMKILLED on Deployment shop/api.


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [
        ([], 0),
        (["--fail-on", "none"], 0),
        (["--fail-on", "critical"], 0),
        (["--fail-on", "high"], 1),
        (["--fail-on", "info"], 1),
    ],
)
def test_fail_on_sets_the_exit_code(kubemedic: Invoke, fail_on: list[str], code: int) -> None:
    result = kubemedic("diagnose", "--from-file", OOMKILLED, *fail_on)
    assert result.code == code, result.stderr
    assert "KM-POD-OOMKILLED" in result.stdout


def test_text_output_shows_the_finding_its_evidence_and_fix(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED)
    assert "[HIGH] KM-POD-OOMKILLED  oomkilled  Deployment shop/api" in result.stdout
    assert "1 pod: api-6c9f7d8b54-x2k4q (container api)" in result.stdout
    assert "status.containerStatuses[api].lastState.terminated" in result.stdout
    assert "$ kubectl set resources deployment/api -n shop -c api" in result.stdout
    assert "\x1b[" not in result.stdout, "no colour codes when stdout is not a terminal"


def test_json_output_parses_and_names_the_finding(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED, "-o", "json")
    document = json.loads(result.stdout)
    assert document["schema_version"] == "1"
    assert document["summary"]["high"] == 1
    assert document["scanned"]["source"] == f"files: {OOMKILLED}"
    assert document["scanned"]["objects"] == {"Event": 1, "Pod": 1}
    [finding] = document["findings"]
    assert finding["id"] == "KM-POD-OOMKILLED"
    assert finding["object"] == {"kind": "Deployment", "namespace": "shop", "name": "api"}
    assert finding["affected"] == [
        {"namespace": "shop", "name": "api-6c9f7d8b54-x2k4q", "containers": ["api"]}
    ]


def test_json_output_is_identical_across_runs(kubemedic: Invoke) -> None:
    first = kubemedic("diagnose", "-f", EXAMPLES / "shop-cluster", "-o", "json")
    second = kubemedic("diagnose", "-f", EXAMPLES / "shop-cluster", "-o", "json")
    assert first.code == 0
    assert first.stdout == second.stdout


def test_markdown_output_is_a_report(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED, "-o", "markdown")
    assert result.stdout.startswith("# kubemedic diagnosis\n")
    assert "## 1. HIGH · KM-POD-OOMKILLED · Deployment shop/api" in result.stdout
    assert "```sh\nkubectl set resources deployment/api -n shop -c api" in result.stdout


def test_namespace_narrows_what_files_report(kubemedic: Invoke) -> None:
    shop = json.loads(kubemedic("diagnose", "-f", OOMKILLED, "-n", "shop", "-o", "json").stdout)
    other = json.loads(kubemedic("diagnose", "-f", OOMKILLED, "-n", "web", "-o", "json").stdout)
    assert shop["scanned"]["namespaces"] == ["shop"]
    assert [f["id"] for f in shop["findings"]] == ["KM-POD-OOMKILLED"]
    assert other["findings"] == []
    assert other["scanned"]["objects"] == {}


@pytest.mark.parametrize(
    "target", ["deploy/api", "deployments.apps/api", "po/api-6c9f7d8b54-x2k4q"]
)
def test_a_target_keeps_the_findings_about_it(kubemedic: Invoke, target: str) -> None:
    result = kubemedic("diagnose", target, "-f", OOMKILLED, "-o", "json")
    document = json.loads(result.stdout)
    assert [f["id"] for f in document["findings"]] == ["KM-POD-OOMKILLED"]
    assert document["scanned"]["target"]["namespace"] == "shop"


def test_the_shop_example_folds_replicas_into_one_finding(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", EXAMPLES / "shop-cluster", "-o", "json")
    document = json.loads(result.stdout)
    oom = [f for f in document["findings"] if f["id"] == "KM-POD-OOMKILLED"]
    assert [f["object"]["name"] for f in oom] == ["api"]
    assert len(oom[0]["affected"]) == 2
    names = {f["object"]["name"] for f in document["findings"]}
    assert not names & {"cart", "coredns", "kube-proxy"}, "healthy workloads are not reported"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deploy/web"], "Deployment 'web' not found in the given files"),
        (["po/api-6c9f7d8b54-x2k4q", "-n", "web"], "not found in namespace web"),
        (["frobs/web"], "unknown kind 'frobs'"),
        (["deploy/"], "no object name in 'deploy/'"),
        (["-n", "shop", "-A"], "cannot be used together"),
        (["deploy/api", "-A"], "cannot be diagnosed across all namespaces"),
    ],
)
def test_bad_targets_and_scopes_are_usage_errors(
    kubemedic: Invoke, args: list[str], message: str
) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED, *args)
    assert result.code == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stdout == ""


def test_a_missing_file_is_a_usage_error_naming_it(kubemedic: Invoke, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dump"
    result = kubemedic("diagnose", "--from-file", missing)
    assert result.code == 2
    assert result.stderr == f"error: {missing}: no such file or directory\n"


def test_malformed_yaml_is_a_usage_error_naming_file_and_line(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   namespace: x\n")
    result = kubemedic("diagnose", "--from-file", manifest)
    assert result.code == 2
    assert result.stderr.startswith(f"error: {manifest}:5: not valid YAML")
    assert "Traceback" not in result.stderr


def test_an_unknown_output_format_is_a_usage_error(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED, "-o", "xml")
    assert result.code == 2
    assert "'xml' is not one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_cluster_exits_3_naming_the_server(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
        f"clusters:\n- name: dev\n  cluster:\n    server: https://127.0.0.1:{port}\n"
        "contexts:\n- name: dev\n  context: {cluster: dev, user: dev, namespace: shop}\n"
        "users:\n- name: dev\n  user: {token: not-a-real-token}\n"
    )
    result = kubemedic("diagnose", "--kubeconfig", kubeconfig, "--request-timeout", "2")
    assert result.code == 3
    assert result.stderr.startswith(
        f"error: cannot reach the API server at https://127.0.0.1:{port}"
    )
    assert "not-a-real-token" not in result.stderr
