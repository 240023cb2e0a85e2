"""Which cause a Pending pod is filed under when only the scheduler's message is known.

The category must be the fixable cause on the nodes closest to accepting the pod: a full node
the pod was meant for beats a control-plane taint, a pool taint beats the selector that
excludes every other node.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubemedic.analyzers.pending import analyze
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def pending_pod(message: str) -> dict[str, object]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "shop",
            "uid": "u1",
            "creationTimestamp": "2025-01-01T11:00:00Z",
        },
        "spec": {"containers": [{"name": "web", "resources": {"requests": {"cpu": "1"}}}]},
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (
            "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 node(s) "
            "didn't match Pod's node affinity/selector.",
            Category.SCHEDULING_TAINT,
        ),
        (
            "0/3 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node "
            "affinity/selector.",
            Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        ),
        (
            "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }, 1 node(s) didn't match Pod's node "
            "affinity/selector.",
            Category.SCHEDULING_INSUFFICIENT_RESOURCES,
        ),
        (
            "0/1 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }.",
            Category.SCHEDULING_TAINT,
        ),
        (
            "0/4 nodes are available: 2 node(s) were unschedulable, 2 Insufficient memory.",
            Category.SCHEDULING_INSUFFICIENT_RESOURCES,
        ),
        (
            "0/4 nodes are available: 4 node(s) were unschedulable.",
            Category.SCHEDULING_NODES_UNSCHEDULABLE,
        ),
        (
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
            Category.SCHEDULING_UNBOUND_PVC,
        ),
        (
            "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.",
            Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        ),
        ("no nodes available to schedule pods", Category.SCHEDULING_NODES_UNSCHEDULABLE),
    ],
)
def test_category_from_message_alone(message: str, category: Category) -> None:
    view = ClusterView([pending_pod(message)], observed_at=NOW, source="test")
    (finding,) = analyze(view)
    assert finding.category is category
    assert message in "\n".join(e.fact for e in finding.evidence)  # the verdict is quoted


def test_bound_pod_waiting_for_its_containers_is_not_a_scheduling_problem() -> None:
    pod = pending_pod("")
    pod["spec"] = {"nodeName": "node-a", "containers": [{"name": "web"}]}
    pod["status"] = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}
    view = ClusterView([pod], observed_at=NOW, source="test")
    assert list(analyze(view)) == []
