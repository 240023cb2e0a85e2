"""Multi-Attach: the pod holding a ReadWriteOnce volume is an older replica, or another
workload's pod sharing the claim — the advice differs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers.volume_mount import analyze
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding

NOW = datetime(2026, 4, 26, 6, 10, tzinfo=UTC)
CLAIM = {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}


def _pod(name: str, node: str, owner: dict[str, Any] | None, waiting: bool) -> dict[str, Any]:
    state = {"waiting": {"reason": "ContainerCreating"}} if waiting else {"running": {}}
    return {
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "ownerReferences": [owner] if owner else [],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": "app", "image": "app:1"}],
            "volumes": [CLAIM],
        },
        "status": {
            "phase": "Pending" if waiting else "Running",
            "containerStatuses": [{"name": "app", "ready": not waiting, "state": state}],
        },
    }


def _finding(holder_owner: dict[str, Any] | None) -> Finding:
    job = {"apiVersion": "batch/v1", "kind": "Job", "name": "sync", "uid": "j", "controller": True}
    event = {
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "sync-abcde", "namespace": "ns"},
        "reason": "FailedAttachVolume",
        "type": "Warning",
        "message": 'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) holder',
        "lastTimestamp": "2026-04-26T06:09:00Z",
    }
    objects = [
        _pod("sync-abcde", "node-2", job, waiting=True),
        _pod("holder", "node-1", holder_owner, waiting=False),
        event,
    ]
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    return finding


def test_a_pod_of_another_workload_holding_the_claim_is_freed_not_replaced_by_a_statefulset() -> (
    None
):
    finding = _finding(None)
    assert "Pod holder is not part of Job ns/sync but a bare pod" in finding.root_cause
    assert "StatefulSet" not in finding.remediation.summary
    assert finding.remediation.commands[0] == "kubectl delete pod holder -n ns"


def test_an_older_replica_holding_the_claim_is_the_old_pod() -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "name": "sync", "uid": "j", "controller": True}
    finding = _finding(job)
    assert "not part of" not in finding.root_cause
    assert "delete the old pod holder" in " ".join(finding.remediation.steps)


def test_no_pod_named_means_an_attachment_left_on_the_old_node() -> None:
    event = {
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "sync-abcde", "namespace": "ns"},
        "reason": "FailedAttachVolume",
        "type": "Warning",
        "message": 'Multi-Attach error for volume "pvc-1" Volume is already exclusively attached '
        "to one node and can't be attached to another",
        "lastTimestamp": "2026-04-26T06:09:00Z",
    }
    job = {"apiVersion": "batch/v1", "kind": "Job", "name": "sync", "uid": "j", "controller": True}
    objects = [_pod("sync-abcde", "node-2", job, waiting=True), event]
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    assert "left over from the claim's previous pod" in finding.root_cause
    assert "StatefulSet" not in finding.remediation.summary
