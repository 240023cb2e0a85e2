"""A container that went down with its node (a reboot, ``minikube stop``) or its pod's sandbox
is restarted by the kubelet, not by a crash: no crash finding while it runs again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.crashloop import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2024, 10, 14, 9, 12, tzinfo=UTC)
NODE_UP = "2024-10-14T08:20:10Z"


def _pod(ended: str, started: str, exit_code: int = 2, reason: str = "Error") -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": "kube-proxy-9bhxg", "namespace": "kube-system", "uid": "p1"},
        "spec": {"nodeName": "minikube", "containers": [{"name": "kube-proxy", "image": "kp"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": "kube-proxy",
                    "ready": True,
                    "restartCount": 1,
                    "state": {"running": {"startedAt": started}},
                    "lastState": {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason,
                            "startedAt": "2024-10-14T07:02:00Z",
                            "finishedAt": ended,
                        }
                    },
                }
            ],
        },
    }


def _node_event(reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Event",
        "metadata": {"name": f"minikube.{reason}", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": "minikube", "uid": "minikube"},
        "reason": reason,
        "message": message,
        "type": "Normal",
        "lastTimestamp": NODE_UP,
    }


def _node(ready_since: str) -> dict[str, Any]:
    return {
        "kind": "Node",
        "metadata": {"name": "minikube"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": ready_since}]
        },
    }


KUBELET_STARTED = _node_event("Starting", "Starting kubelet.")
REBOOTED = _node_event("Rebooted", "Node minikube has been rebooted, boot id: 8698")


@pytest.mark.parametrize(
    ("objects", "crash"),
    [
        pytest.param(
            [_pod("2024-10-14T08:19:52Z", "2024-10-14T08:20:58Z"), KUBELET_STARTED],
            False,
            id="ended-before-the-kubelet-started",
        ),
        pytest.param(
            [_pod("2024-10-14T08:19:52Z", "2024-10-14T08:20:58Z"), REBOOTED],
            False,
            id="ended-before-the-reboot-event",
        ),
        pytest.param(
            [_pod("2024-10-14T08:21:13Z", "2024-10-14T08:21:25Z", 1), KUBELET_STARTED],
            False,
            id="failed-while-the-node-came-up-and-ran-since",
        ),
        pytest.param(
            [_pod("2024-10-14T08:40:00Z", "2024-10-14T08:41:00Z", 1), KUBELET_STARTED],
            True,
            id="crashed-well-after-the-node-came-up",
        ),
        pytest.param(
            [_pod("2024-10-14T09:00:00Z", "2024-10-14T09:05:00Z", 1)],
            True,
            id="no-sign-of-a-node-restart",
        ),
        pytest.param(
            [_pod("2024-10-14T08:19:52Z", "2024-10-14T08:20:46Z", 255, "Unknown"), _node(NODE_UP)],
            False,
            id="lost-with-the-runtime-before-the-node-turned-ready",
        ),
        pytest.param(
            [_pod("2024-10-14T08:19:52Z", "2024-10-14T08:20:46Z", 2), _node(NODE_UP)],
            True,
            id="a-ready-transition-alone-explains-no-ordinary-exit",
        ),
    ],
)
def test_restarts_with_the_node_are_not_crashes(objects: list[dict[str, Any]], crash: bool) -> None:
    view = ClusterView(objects, observed_at=NOW, source="t")
    assert bool(list(analyze(view))) is crash
