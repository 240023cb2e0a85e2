"""Without the full pod list, a Service's empty Endpoints (the endpoints controller's verdict)
still proves its selector matches no ready pod; a label value under another key is the
closest match, and the patch renames the key instead of emptying the selector."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.service_endpoints import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2017, 7, 14, 4, 0, tzinfo=UTC)
SERVICE = {
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"selector": {"name": "web"}, "ports": [{"port": 80}]},
}
POD = {
    "kind": "Pod",
    "metadata": {"name": "web-x1", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
}


def _endpoints(addresses: list[dict[str, str]]) -> dict[str, Any]:
    subsets = [{"addresses": addresses}] if addresses else []
    return {
        "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default"},
        "subsets": subsets,
    }


@pytest.mark.parametrize(("addresses", "reported"), [([], True), ([{"ip": "10.0.0.5"}], False)])
def test_an_empty_endpoints_object_stands_in_for_the_full_pod_list(
    addresses: list[dict[str, str]], reported: bool
) -> None:
    view = ClusterView([SERVICE, _endpoints(addresses), POD], observed_at=NOW, source="test")
    findings = list(analyze(view))
    assert bool(findings) is reported
    if reported:
        (finding,) = findings
        assert "it carries app=web where the selector wants name=web" in finding.root_cause
        assert '{"selector":{"name":null,"app":"web"}}' in finding.remediation.commands[0]


def test_without_endpoints_or_the_pod_list_nothing_is_concluded() -> None:
    assert list(analyze(ClusterView([SERVICE, POD], observed_at=NOW, source="test"))) == []
