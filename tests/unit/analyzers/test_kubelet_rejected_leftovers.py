"""Pods the kubelet rejected while their workload kept serving: records of a race. An old one is
history (info); a fresh one may be a race still going on (low)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.kubelet_rejected import analyze
from kubemedic.models.cluster import ClusterView
from kubemedic.models.severity import Severity

NOW = datetime(2025, 2, 27, 9, 30, tzinfo=UTC)
OWNER = [{"kind": "ReplicaSet", "name": "sync-6f8d7c9b5", "controller": True, "uid": "rs1"}]


def _rejected(at: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": "sync-6f8d7c9b5-w2jx9",
            "namespace": "pay",
            "creationTimestamp": "2025-02-18T09:30:00Z",
            "labels": {"app": "sync", "pod-template-hash": "6f8d7c9b5"},
            "ownerReferences": OWNER,
        },
        "spec": {"nodeName": "pre-1", "containers": [{"name": "sync", "image": "sync:4"}]},
        "status": {
            "phase": "Failed",
            "reason": "NodeAffinity",
            "message": "Pod was rejected: Predicate NodeAffinity failed",
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "False", "lastTransitionTime": at},
            ],
        },
    }


def _replica_set(ready: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {"name": "sync-6f8d7c9b5", "namespace": "pay", "uid": "rs1"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "sync"}}},
        "status": {"replicas": 2, "readyReplicas": ready},
    }


@pytest.mark.parametrize(
    ("rejected_at", "ready", "severity"),
    [
        ("2025-02-26T17:23:00Z", 2, Severity.INFO),  # sixteen hours ago, fully serving
        ("2025-02-27T09:28:00Z", 2, Severity.LOW),  # two minutes ago: the race may go on
        ("2025-02-26T17:23:00Z", 1, Severity.MEDIUM),  # old, but a replica is still missing
    ],
)
def test_old_rejections_of_a_serving_workload_are_history(
    rejected_at: str, ready: int, severity: Severity
) -> None:
    view = ClusterView([_rejected(rejected_at), _replica_set(ready)], observed_at=NOW, source="t")
    (finding,) = analyze(view)
    assert finding.severity is severity
