"""Self anti-affinity per node: replicas beyond the node count wait, and the fix says how many
fit — only when the rule repels the workload's own pods and the node count is known."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.pending import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2022, 8, 23, 2, 30, tzinfo=UTC)
MESSAGE = "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules."
OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "op-5d9", "controller": True}


def _pod(name: str, selector: dict[str, Any], running: bool) -> dict[str, Any]:
    term = {"labelSelector": selector, "topologyKey": "kubernetes.io/hostname"}
    affinity = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
    return {
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "ops",
            "labels": {"name": "op", "pod-template-hash": "5d9"},
            "ownerReferences": [OWNER],
        },
        "spec": {
            "nodeName": "node-1" if running else None,
            "affinity": affinity,
            "containers": [{"name": "op", "image": "op:1"}],
        },
        "status": {"phase": "Running"}
        if running
        else {"phase": "Pending", "conditions": [{**condition, "message": MESSAGE}]},
    }


@pytest.mark.parametrize(
    ("selector", "full"),
    [
        ({"matchExpressions": [{"key": "name", "operator": "In", "values": ["op"]}]}, True),
        ({"matchLabels": {"name": "op"}}, True),
        ({"matchLabels": {"app": "database"}}, False),  # repels other pods: no arithmetic
    ],
)
def test_replicas_beyond_the_node_count_get_the_scale_command(
    selector: dict[str, Any], full: bool
) -> None:
    objects = [_pod("op-5d9-a", selector, True), _pod("op-5d9-b", selector, False)]
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    scale = "kubectl scale deployment/op -n ops --replicas=1"
    assert (finding.remediation.commands[0] == scale) is full
    assert ("At most 1 replica(s) fit" in finding.root_cause) is full
