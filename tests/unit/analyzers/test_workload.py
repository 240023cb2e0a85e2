"""Shared workload reading: pod states as kubectl shows them, and when FailedCreate still counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.analyzers._workload import (
    create_failure,
    describe_states,
    job_expected_active,
    pod_state,
)
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Pod, Workload
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import diagnose

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _pod(phase: str = "Running", **status: Any) -> Pod:
    return Pod({"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": phase, **status}})


def _waiting(why: str, last: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "app", "state": {"waiting": {"reason": why}}}
    if last:
        entry["lastState"] = {"terminated": last}
    return entry


UNSCHEDULED = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
OOM = {"exitCode": 137, "reason": "OOMKilled"}


@pytest.mark.parametrize(
    ("pod", "state"),
    [
        (_pod(containerStatuses=[_waiting("ImagePullBackOff")]), "ImagePullBackOff"),
        (_pod(containerStatuses=[_waiting("CrashLoopBackOff", OOM)]),
         "CrashLoopBackOff (last exit 137 OOMKilled)"),
        (_pod("Pending", conditions=[UNSCHEDULED]), "Pending (Unschedulable)"),
        (_pod("Pending", initContainerStatuses=[_waiting("CrashLoopBackOff")],
              containerStatuses=[_waiting("PodInitializing")]), "Init:CrashLoopBackOff"),
        (_pod(containerStatuses=[{"name": "app", "state": {"running": {}}}],
              conditions=[{"type": "Ready", "status": "False"}]), "Running but not Ready"),
        (_pod("Failed", reason="Evicted"), "Evicted"),
    ],
)  # fmt: skip
def test_pod_state_reads_like_kubectl(pod: Pod, state: str) -> None:
    assert pod_state(pod) == state


def test_states_are_counted_most_common_first() -> None:
    pull = _pod(containerStatuses=[_waiting("ImagePullBackOff")])
    unready = _pod(conditions=[{"type": "Ready", "status": "False"}])
    assert describe_states([pull, unready, pull]) == (
        "2 in ImagePullBackOff, 1 Running but not Ready"
    )


def _replica_set(wanted: int, have: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1"},
        "spec": {"replicas": wanted},
        "status": {"replicas": have},
    }


def _failed_create() -> dict[str, Any]:
    return {
        "kind": "Event",
        "metadata": {"name": "web-1.1", "namespace": "shop"},
        "involvedObject": {"kind": "ReplicaSet", "name": "web-1", "namespace": "shop", "uid": "u1"},
        "reason": "FailedCreate",
        "type": "Warning",
        "message": 'Error creating: pods "web-1-x" is forbidden: exceeded quota: q, requested: '
        "pods=1, used: pods=4, limited: pods=4",
        "lastTimestamp": "2024-08-08T10:00:00Z",
    }


def _created(at: str) -> dict[str, Any]:
    return {
        "kind": "Event",
        "metadata": {"name": "web-1.2", "namespace": "shop"},
        "involvedObject": {"kind": "ReplicaSet", "name": "web-1", "namespace": "shop", "uid": "u1"},
        "reason": "SuccessfulCreate",
        "type": "Normal",
        "message": "Created pod: web-1-abcde",
        "lastTimestamp": at,
    }


def _replica_failure() -> dict[str, Any]:
    rs = _replica_set(3, 1)
    rs["status"]["conditions"] = [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "reason": "FailedCreate",
            "message": _failed_create()["message"],
        }
    ]
    return rs


@pytest.mark.parametrize(("wanted", "have", "current"), [(3, 1, True), (3, 3, False)])
def test_a_failed_create_only_counts_while_pods_are_missing(
    wanted: int, have: int, current: bool
) -> None:
    view = ClusterView(
        [_replica_set(wanted, have), _failed_create()],
        observed_at=datetime(2024, 8, 8, 10, 5, tzinfo=UTC),
        source="test",
    )
    (rs,) = view.workloads("ReplicaSet")
    assert (create_failure(view, rs) is not None) is current


@pytest.mark.parametrize(
    ("objects", "current"),
    [
        ([_replica_set(3, 2), _failed_create(), _created("2024-08-08T10:04:00Z")], False),
        ([_replica_set(3, 2), _created("2024-08-08T09:58:00Z"), _failed_create()], True),
        ([_replica_failure(), _failed_create(), _created("2024-08-08T10:04:00Z")], True),
    ],
    ids=["created-since", "refused-after-creating", "controller-still-reports-failure"],
)
def test_a_refusal_the_controller_got_past_no_longer_counts(
    objects: list[dict[str, Any]], current: bool
) -> None:
    view = ClusterView(objects, observed_at=datetime(2024, 8, 8, 10, 5, tzinfo=UTC), source="t")
    (rs,) = view.workloads("ReplicaSet")
    assert (create_failure(view, rs) is not None) is current


@pytest.mark.parametrize(
    ("spec", "succeeded", "expected"),
    [
        ({}, 0, 1),
        ({"parallelism": 4, "completions": 10}, 8, 2),
        ({"parallelism": 4}, 0, 4),
        ({"suspend": True, "parallelism": 4}, 0, 0),
    ],
)
def test_a_job_wants_parallelism_capped_by_the_work_left(
    spec: dict[str, Any], succeeded: int, expected: int
) -> None:
    job = Workload({"kind": "Job", "spec": spec, "status": {"succeeded": succeeded}})
    assert job_expected_active(job) == expected


@pytest.mark.parametrize(
    ("case", "finding_id"),
    [
        ("job.suspended-kueue-waiting-for-quota", "KM-JOB-SUSPENDED"),
        ("job.suspended-paused-mid-run", "KM-JOB-SUSPENDED"),
        ("hpa.at-max-replicas-peak-traffic", "KM-HPA-AT-MAX"),
        ("hpa.at-max-replicas-autoscaling-v1", "KM-HPA-AT-MAX"),
    ],
)
def test_context_findings_are_info_only(case: str, finding_id: str) -> None:
    findings = diagnose(load_files([SCENARIOS / case])).findings
    assert [(f.id, f.severity) for f in findings] == [(finding_id, Severity.INFO)]
