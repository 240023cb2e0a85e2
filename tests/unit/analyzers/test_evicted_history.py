"""Evicted records of a serving workload: history once settled, unless the pod itself was
over its request (then its request is still worth fixing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.evicted import analyze
from kubemedic.models.cluster import ClusterView
from kubemedic.models.severity import Severity

NOW = datetime(2025, 11, 4, 16, 0, tzinfo=UTC)
OWNER = [{"kind": "ReplicaSet", "name": "api-7b5f6c9d8", "controller": True, "uid": "rs1"}]
NODE_LOW = "The node was low on resource: ephemeral-storage. Threshold quantity: 10120387530, "
NODE_LOW += "available: 9621804Ki. "
OVER = "Container api was using 3Gi, request is 0, has larger consumption of ephemeral-storage. "


def _evicted(message: str, at: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": "api-7b5f6c9d8-fw2nd",
            "namespace": "shop",
            "labels": {"app": "api"},
            "ownerReferences": OWNER,
        },
        "spec": {"nodeName": "node-1", "containers": [{"name": "api", "image": "api:5"}]},
        "status": {
            "phase": "Failed",
            "reason": "Evicted",
            "message": message,
            "startTime": at,
            "conditions": [
                {"type": "DisruptionTarget", "status": "True", "lastTransitionTime": at}
            ],
        },
    }


RS = {
    "kind": "ReplicaSet",
    "metadata": {"name": "api-7b5f6c9d8", "namespace": "shop", "uid": "rs1"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}},
    "status": {"replicas": 3, "readyReplicas": 3},
}


@pytest.mark.parametrize(
    ("message", "at", "severity"),
    [
        pytest.param(NODE_LOW, "2025-11-03T10:05:37Z", Severity.INFO, id="old-bystander"),
        pytest.param(NODE_LOW, "2025-11-04T15:40:00Z", Severity.LOW, id="fresh-bystander"),
        pytest.param(NODE_LOW + OVER, "2025-11-03T10:05:37Z", Severity.LOW, id="old-but-over"),
    ],
)
def test_settled_bystander_evictions_are_history(message: str, at: str, severity: Severity) -> None:
    (finding,) = analyze(ClusterView([_evicted(message, at), RS], observed_at=NOW, source="t"))
    assert finding.severity is severity
