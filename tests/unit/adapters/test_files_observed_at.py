"""Files are dated by the latest moment they record, so a quietly stuck pod is seen as stuck."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.files import load_files

from .pods import CRASHED_AT, LAST_EVENT_AT, backoff_event, crashing_pod, healthy_pod
from .writers import typed_list, write_yaml

HEALTHY_POD_STARTED = datetime(2024, 5, 1, 8, 0, 3, tzinfo=UTC)
"""The latest moment in ``healthy_pod``: its container's start."""


def test_the_latest_event_dates_the_snapshot(tmp_path: Path) -> None:
    pod = crashing_pod()
    write_yaml(tmp_path / "pod.yaml", pod)
    write_yaml(tmp_path / "events.yaml", typed_list("Event", [backoff_event(pod)]))

    view = load_files([tmp_path])

    assert view.observed_at == datetime.fromisoformat(LAST_EVENT_AT)


def test_container_state_times_count_when_there_are_no_events(tmp_path: Path) -> None:
    pod = crashing_pod()
    pod["status"]["conditions"] = []
    view = load_files([write_yaml(tmp_path / "pod.yaml", pod)])

    assert view.observed_at == datetime.fromisoformat(CRASHED_AT)


def test_the_same_files_give_the_same_moment(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "pod.yaml", healthy_pod("web-1"))

    first, second = load_files([path]), load_files([path])

    assert first.observed_at == second.observed_at
    assert first.observed_at == HEALTHY_POD_STARTED


def test_a_node_heartbeat_dates_a_pod_stuck_without_events(tmp_path: Path) -> None:
    """An init container waiting for an hour writes no event; the kubelet's heartbeat shows it."""
    node = {
        "metadata": {"name": "node-b", "creationTimestamp": "2024-04-02T07:00:00Z"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2024-05-01T09:01:12Z",
                    "lastTransitionTime": "2024-04-02T07:00:30Z",
                }
            ]
        },
    }
    write_yaml(tmp_path / "pod.yaml", healthy_pod("web-1"))
    write_yaml(tmp_path / "nodes.yaml", typed_list("Node", [node]))

    view = load_files([tmp_path])

    assert view.observed_at == datetime(2024, 5, 1, 9, 1, 12, tzinfo=UTC)


def _managed_by_kubelet(pod: dict[str, Any]) -> dict[str, Any]:
    pod["metadata"]["managedFields"] = [
        {
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:phase": {}}},
            "manager": "kubelet",
            "operation": "Update",
            "subresource": "status",
            "time": "2024-05-01T09:30:00Z",
        }
    ]
    return pod


_LEASE = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {
        "name": "node-b",
        "namespace": "kube-node-lease",
        "creationTimestamp": "2024-04-02T07:00:00Z",
    },
    "spec": {
        "holderIdentity": "node-b",
        "leaseDurationSeconds": 40,
        "renewTime": "2024-05-01T09:30:00.412345Z",
    },
}
_SERIES_EVENT = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": {
        "name": "web-1.17c9a1b2c3d4e5f6",
        "namespace": "shop",
        "creationTimestamp": "2024-05-01T08:10:00Z",
    },
    "eventTime": "2024-05-01T08:10:00.000000Z",
    "series": {"count": 42, "lastObservedTime": "2024-05-01T09:30:00.000000Z"},
    "reason": "Unhealthy",
    "note": "Readiness probe failed: HTTP probe failed with statuscode: 503",
    "type": "Warning",
    "regarding": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "shop"},
    "reportingController": "kubelet",
    "reportingInstance": "node-b",
    "action": "Probe",
}
_POD_METRICS = {
    "apiVersion": "metrics.k8s.io/v1beta1",
    "kind": "PodMetrics",
    "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2024-05-01T08:10:00Z"},
    "timestamp": "2024-05-01T09:30:00Z",
    "window": "15.018s",
    "containers": [{"name": "web", "usage": {"cpu": "2m", "memory": "5476Ki"}}],
}
_FINISHED_JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "report-28571520", "namespace": "shop"},
    "status": {
        "startTime": "2024-05-01T09:00:00Z",
        "completionTime": "2024-05-01T09:30:00Z",
        "succeeded": 1,
    },
}


@pytest.mark.parametrize(
    "documents",
    [
        pytest.param([healthy_pod("web-1"), _LEASE], id="node-lease-renewTime"),
        pytest.param(
            [healthy_pod("web-1"), typed_list("Event", [_SERIES_EVENT], "events.k8s.io/v1")],
            id="event-series-lastObservedTime-of-list-items",
        ),
        pytest.param([healthy_pod("web-1"), _POD_METRICS], id="pod-metrics-timestamp"),
        pytest.param([healthy_pod("web-1"), _FINISHED_JOB], id="job-completionTime"),
    ],
)
def test_the_latest_moment_of_any_kind_dates_the_snapshot(
    tmp_path: Path, documents: list[dict[str, Any]]
) -> None:
    view = load_files([write_yaml(tmp_path / "snapshot.yaml", *documents)])

    assert view.observed_at.replace(microsecond=0) == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def test_managed_fields_date_the_snapshot_but_are_not_kept(tmp_path: Path) -> None:
    pods = typed_list("Pod", [_managed_by_kubelet(healthy_pod("web-1"))])

    view = load_files([write_yaml(tmp_path / "pods.yaml", pods)])

    assert view.observed_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert all("managedFields" not in p.raw["metadata"] for p in view.pods)


def test_a_deletion_deadline_in_the_future_is_not_the_snapshot_time(tmp_path: Path) -> None:
    """deletionTimestamp is when the grace period ends, which may not have come yet."""
    pod = healthy_pod("web-1")
    pod["metadata"]["deletionTimestamp"] = "2024-05-01T10:00:00Z"
    pod["metadata"]["deletionGracePeriodSeconds"] = 30

    view = load_files([write_yaml(tmp_path / "pod.yaml", pod)])

    assert view.observed_at == HEALTHY_POD_STARTED
