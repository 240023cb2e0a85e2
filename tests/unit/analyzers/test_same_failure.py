"""Replicas that crash alike are explained once; each still names its own pod and time window.

Replicas differ in name, uid, node, times, restart counts and the pod names their events and
logs quote; that must not make kubemedic explain the same crash again for each of them. A
replica whose failure reads differently (another exit code, another log line, a node of another
CPU) is explained on its own. Replicas alike in their times and counts too are not even checked
again (is it crashing now, did a probe kill it). Calls are counted with a profile hook, not
timed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from kubemedic.analyzers import crashloop
from kubemedic.analyzers._same_failure import failure_signature
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ALL_NAMESPACES, ClusterView, LogKey, LogTail
from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.services.diagnose import diagnose

NOW = datetime(2024, 5, 1, 10, 40, tzinfo=UTC)
WEB = ObjectRef("Deployment", "web", "shop")
LOG = (
    "2024-05-01T10:35:0{second}Z INFO starting {pod}",
    "KeyError: 'DATABASE_URL'",
)


def _owner(kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": f"uid-{name}",
            "controller": True}  # fmt: skip


_RANDOM = "bcdfghjklmnpqrstvwxz2456789"
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_SOURCES = [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
]


def _pod(index: int, *, exit_code: int = 1, node: str = "") -> dict[str, Any]:
    """A crash-looping replica; its name, uid, node, times and restart count are its own."""
    name = f"web-5d8f7c9b6d-{index:05d}"
    # The API server names each pod's service account token volume with a random suffix.
    token = "kube-api-access-" + "".join(_RANDOM[(index * 7 + k) % len(_RANDOM)] for k in range(5))
    finished = f"2024-05-01T10:3{index % 10}:04Z"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"0f3c-{index:04d}",
            "labels": {"app": "web", "pod-template-hash": "5d8f7c9b6d"},
            "ownerReferences": [_owner("ReplicaSet", "web-5d8f7c9b6d")],
            "creationTimestamp": f"2024-05-01T10:0{index % 10}:00Z",
        },
        "spec": {
            "nodeName": node or f"node-{index % 3}",
            "containers": [
                {
                    "name": "web",
                    "image": "registry.example.com/web:1.4.2",
                    "volumeMounts": [{"name": token, "mountPath": TOKEN_PATH, "readOnly": True}],
                }
            ],
            "volumes": [{"name": token, "projected": {"sources": TOKEN_SOURCES}}],
        },
        "status": {
            "phase": "Running",
            "podIP": f"10.244.{index % 3}.{index}",
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": finished}],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": False,
                    "restartCount": 5 + index,
                    "image": "registry.example.com/web:1.4.2",
                    "containerID": f"containerd://{index:064x}",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 5m0s restarting failed container=web "
                            f"pod={name}_shop(0f3c-{index:04d})",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": "Error",
                            "startedAt": finished.replace(":04Z", ":00Z"),
                            "finishedAt": finished,
                        }
                    },
                }
            ],
        },
    }


def _twin(index: int) -> dict[str, Any]:
    """A replica like ``_pod(0)`` in its times and restart count too: only its name, uid,
    node, IP and container id are its own."""
    pod, first = _pod(index), _pod(0)
    pod["metadata"]["creationTimestamp"] = first["metadata"]["creationTimestamp"]
    pod["status"]["conditions"] = first["status"]["conditions"]
    (mine,), (theirs,) = pod["status"]["containerStatuses"], first["status"]["containerStatuses"]
    mine["restartCount"], mine["lastState"] = theirs["restartCount"], theirs["lastState"]
    return pod


def _back_off(pod: dict[str, Any], index: int) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.17c{index}", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "shop",
                           "uid": pod["metadata"]["uid"], "fieldPath": "spec.containers{web}"},
        "reason": "BackOff",
        "type": "Warning",
        "message": f"Back-off restarting failed container web in pod {name}_shop",
        "count": 10 + index,
        "firstTimestamp": f"2024-05-01T10:1{index % 10}:00Z",
        "lastTimestamp": f"2024-05-01T10:3{index % 10}:30Z",
    }  # fmt: skip


def _node(name: str, arch: str) -> dict[str, Any]:
    labels = {"kubernetes.io/arch": arch}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


def _view(
    pods: list[dict[str, Any]], *, arm_node: bool = False, events_alike: bool = False
) -> ClusterView:
    nodes = [_node(f"node-{i}", "amd64") for i in range(3)]
    if arm_node:
        nodes.append(_node("node-arm", "arm64"))
    spec = {"replicas": len(pods), "selector": {"matchLabels": {"app": "web"}}}
    workloads = [
        {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "uid": "uid-web"},
         "spec": spec, "status": {}},
        {"kind": "ReplicaSet", "metadata": {"name": "web-5d8f7c9b6d", "namespace": "shop",
         "uid": "uid-web-5d8f7c9b6d", "ownerReferences": [_owner("Deployment", "web")]},
         "spec": spec, "status": {"replicas": len(pods)}},
    ]  # fmt: skip
    events = [_back_off(pod, 0 if events_alike else i) for i, pod in enumerate(pods)]
    logs = {
        LogKey("shop", pod["metadata"]["name"], "web"): (
            LogTail(
                tuple(line.format(second=i, pod=pod["metadata"]["name"]) for line in LOG),
                True,
                f"dump/shop/{pod['metadata']['name']}/logs.txt",
            ),
        )
        for i, pod in enumerate(pods)
    }
    return ClusterView(
        [*nodes, *workloads, *pods, *events],
        observed_at=NOW,
        source="test",
        listed=[(kind, ALL_NAMESPACES) for kind in ("Pod", "Event", "Node", "ReplicaSet")],
        logs=logs,
    )


def _explained(view: ClusterView, counted: str = "diagnose_container") -> tuple[list[Finding], int]:
    """The crash-loop findings, and how many times a container's crash was worked out (or
    the function ``counted`` was called)."""
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_name == counted:
            calls += 1

    sys.setprofile(count)
    try:
        findings = list(crashloop.analyze(view))
    finally:
        sys.setprofile(None)
    return findings, calls


def test_replicas_that_crash_alike_are_explained_once() -> None:
    view = _view([_pod(i) for i in range(6)])
    findings, explained = _explained(view)
    assert explained == 1
    assert [f.affected[0].name for f in findings] == [p.name for p in view.pods]
    assert len({(f.id, f.category, f.summary, f.root_cause) for f in findings}) == 1
    assert findings[0].category is Category.CRASHLOOP_APP_ERROR
    assert findings[0].summary == "Container web keeps crashing: exit 1 — KeyError: 'DATABASE_URL'"


def test_each_replica_keeps_the_time_window_of_its_own_events() -> None:
    view = _view([_pod(i) for i in range(3)])
    findings, _ = _explained(view)
    for pod, finding in zip(view.pods, findings, strict=True):
        (event,) = view.events_for(pod)
        assert (finding.first_seen, finding.last_seen) == (event.first_seen, event.last_seen)


def test_a_replica_that_fails_differently_is_explained_on_its_own() -> None:
    view = _view([_pod(0), _pod(1), _pod(2, exit_code=127), _pod(3)])
    findings, explained = _explained(view)
    assert explained == 2
    assert [f.category for f in findings] == [
        Category.CRASHLOOP_APP_ERROR,
        Category.CRASHLOOP_APP_ERROR,
        Category.CRASHLOOP_COMMAND_NOT_FOUND,
        Category.CRASHLOOP_APP_ERROR,
    ]


def test_a_replica_on_a_node_of_another_architecture_is_explained_on_its_own() -> None:
    view = _view([_pod(0), _pod(1, node="node-arm"), _pod(2)], arm_node=True)
    _, explained = _explained(view)
    assert explained == 2


def test_the_diagnosis_folds_the_replicas_into_one_finding_naming_each() -> None:
    view = _view([_pod(i) for i in range(5)])
    (crash,) = [f for f in diagnose(view).findings if f.object == WEB]
    assert crash.category is Category.CRASHLOOP_APP_ERROR
    assert [p.name for p in crash.affected] == sorted(p.name for p in view.pods)
    events = [e for p in view.pods for e in view.events_for(p)]
    assert crash.first_seen == min(e.first_seen for e in events if e.first_seen)
    assert crash.last_seen == max(e.last_seen for e in events if e.last_seen)


def test_the_signature_sets_aside_what_names_or_dates_one_replica() -> None:
    view = _view([_pod(0), _pod(7), _pod(2, exit_code=2)])
    first, second, other = (failure_signature(view, pod, ["web"]) for pod in view.pods)
    assert first == second
    assert other != first
    assert failure_signature(view, view.pods[0], ["web"], "arm64") != first


def test_the_signature_reads_what_yaml_can_hold_and_json_cannot() -> None:
    odd = _pod(0)
    odd["spec"]["nodeSelector"] = {1: "numeric key"}
    odd["spec"]["activeDeadlineSeconds"] = 10**30
    view = _view([odd, _pod(1)])
    assert failure_signature(view, view.pods[0], ["web"]) != failure_signature(
        view, view.pods[1], ["web"]
    )


def test_replicas_alike_in_their_times_too_are_checked_once() -> None:
    view = _view([_twin(i) for i in range(6)], events_alike=True)
    findings, checked = _explained(view, "is_crashing")
    assert checked == 1
    (finding,) = findings  # the twins are named in the first one's finding
    assert [p.name for p in finding.affected] == [p.name for p in view.pods]
    first_events = view.events_for(view.pods[0])
    assert (finding.first_seen, finding.last_seen) == (
        first_events[0].first_seen,
        first_events[-1].last_seen,
    )


def test_a_replica_that_crashed_at_another_time_is_checked_on_its_own() -> None:
    view = _view([_twin(0), _twin(1), _pod(2), _twin(3)], events_alike=True)
    findings, checked = _explained(view, "is_crashing")
    assert checked == 2
    assert [[p.name for p in f.affected] for f in findings] == [
        [view.pods[0].name, view.pods[1].name, view.pods[3].name],
        [view.pods[2].name],
    ]
