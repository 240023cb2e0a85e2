"""A pod the kubelet rejected: placed by the scheduler (it misjudged the node) or bound by hand
with spec.nodeName (nobody checked) — told apart by the scheduler's traces."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.kubelet_rejected import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2023, 1, 25, 12, 50, tzinfo=UTC)
MESSAGE = "Node didn't have enough resource: pods, requested: 1, used: 10, capacity: 10"


def _event(reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Event",
        "metadata": {"name": f"nginx2.{reason}", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "nginx2", "namespace": "default"},
        "reason": reason,
        "message": message,
        "type": "Warning" if reason == "OutOfpods" else "Normal",
        "lastTimestamp": "2023-01-25T12:46:41Z",
    }


def _objects(scheduled: bool) -> list[dict[str, Any]]:
    pod: dict[str, Any] = {
        "kind": "Pod",
        "metadata": {"name": "nginx2", "namespace": "default"},
        "spec": {"nodeName": "kind-control-plane", "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Failed", "reason": "OutOfpods", "message": f"Pod {MESSAGE}"},
    }
    events = [_event("OutOfpods", MESSAGE)]
    if scheduled:
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
        events.append(_event("Scheduled", "Successfully assigned default/nginx2"))
    return [pod, *events]


@pytest.mark.parametrize("scheduled", [True, False])
def test_a_pod_bound_by_hand_is_told_to_let_the_scheduler_place_it(scheduled: bool) -> None:
    (finding,) = analyze(ClusterView(_objects(scheduled), observed_at=NOW, source="test"))
    assert "the node already ran 10 of its 10 pods (maxPods)" in finding.summary
    assert ("by its own spec.nodeName" in finding.root_cause) is not scheduled
    assert ("The scheduler placed pod nginx2" in finding.root_cause) is scheduled
