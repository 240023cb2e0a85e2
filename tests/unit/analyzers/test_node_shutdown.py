"""Pods a node's graceful shutdown ended are records: what still serves decides their weight."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.node_shutdown import analyze
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.severity import Severity

NOW = datetime(2025, 11, 4, 16, 0, tzinfo=UTC)
OWNER = [{"kind": "ReplicaSet", "name": "api-7b5f6c9d8", "controller": True, "uid": "rs1"}]
SHUTDOWN = "Pod was terminated in response to imminent node shutdown."


def _pod(
    reason: str = "Terminated",
    message: str = SHUTDOWN,
    at: str = "2025-11-04T15:50:00Z",
    owned: bool = True,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "api-7b5f6c9d8-2kxqz", "namespace": "shop"}
    if owned:
        meta |= {"labels": {"app": "api"}, "ownerReferences": OWNER}
    return {
        "kind": "Pod",
        "metadata": meta,
        "spec": {"nodeName": "spot-1", "containers": [{"name": "api", "image": "api:5"}]},
        "status": {
            "phase": "Failed",
            "reason": reason,
            "message": message,
            "conditions": [
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "TerminationByKubelet",
                    "lastTransitionTime": at,
                }
            ],
        },
    }


def _replica_set(ready: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {"name": "api-7b5f6c9d8", "namespace": "shop", "uid": "rs1"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}},
        "status": {"replicas": 3, "readyReplicas": ready},
    }


@pytest.mark.parametrize(
    ("objects", "severity"),
    [
        pytest.param([_pod(), _replica_set(3)], Severity.LOW, id="fresh-and-replaced"),
        pytest.param(
            [_pod(at="2025-11-03T10:00:00Z"), _replica_set(3)], Severity.INFO, id="old-history"
        ),
        pytest.param([_pod(), _replica_set(1)], Severity.MEDIUM, id="partly-serving"),
        pytest.param([_pod(owned=False)], Severity.HIGH, id="a-bare-pod-is-gone"),
        pytest.param(
            [
                _pod("NodeShutdown", "Pod was rejected as the node is shutting down."),
                _replica_set(3),
            ],
            Severity.LOW,
            id="rejected-while-shutting-down",
        ),
        pytest.param(
            [_pod("Shutdown", "Node is shutting, evicting pods"), _replica_set(3)],
            Severity.LOW,
            id="kubelet-1.20-wording",
        ),
    ],
)
def test_shutdown_records_weigh_what_still_serves(
    objects: list[dict[str, Any]], severity: Severity
) -> None:
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="t"))
    assert finding.category is Category.NODE_SHUTDOWN
    assert finding.severity is severity
    assert "spot-1" in finding.summary


def test_a_bare_pod_is_recreated_from_its_manifest() -> None:
    (finding,) = analyze(ClusterView([_pod(owned=False)], observed_at=NOW, source="t"))
    assert "nothing creates it again" in finding.root_cause
    assert finding.remediation.commands[0] == (
        "kubectl get pod api-7b5f6c9d8-2kxqz -n shop -o yaml > api-7b5f6c9d8-2kxqz.yaml"
    )


def test_replaced_records_are_deleted_by_the_workload_s_selector() -> None:
    (finding,) = analyze(ClusterView([_pod(), _replica_set(3)], observed_at=NOW, source="t"))
    assert finding.remediation.commands == (
        "kubectl delete pods -n shop -l app=api --field-selector=status.phase=Failed",
    )


def test_a_terminated_reason_without_a_shutdown_is_not_claimed() -> None:
    pod = _pod(message="Pod was terminated by an operator.")
    pod["status"]["conditions"] = []
    assert list(analyze(ClusterView([pod], observed_at=NOW, source="t"))) == []
