"""Diagnosing many replicas of one failing workload costs work in proportion to the replicas.

Counted, never timed: a profile hook counts every function call ``diagnose`` makes, and four
times the replicas may cost at most a little over four times the calls. A quadratic step breaks
that by far — folding replicas one at a time re-sorted every pod seen so far, and looking at the
workload's other replicas for each pod scans them all for each.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from kubemedic.analyzers import Analyzer, Registry
from kubemedic.analyzers._registry import Covered
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ALL_NAMESPACES, ClusterView
from kubemedic.models.findings import (
    AffectedPod,
    Evidence,
    EvidenceSource,
    Finding,
    ObjectRef,
    Remediation,
)
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.services.diagnose import diagnose, fold_replicas

NOW = datetime(2024, 5, 1, 10, 40, tzinfo=UTC)
WEB = ObjectRef("Deployment", "web", "shop")


def _meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "shop", "uid": f"uid-{name}", **extra}


def _owner(kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": f"uid-{name}",
            "controller": True}  # fmt: skip


def _crashing_pod(index: int) -> dict[str, Any]:
    name = f"web-5d8f7c9b6d-{index:05d}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            name,
            labels={"app": "web", "pod-template-hash": "5d8f7c9b6d"},
            ownerReferences=[_owner("ReplicaSet", "web-5d8f7c9b6d")],
            creationTimestamp="2024-05-01T10:00:00Z",
        ),
        "spec": {
            "nodeName": f"node-{index % 3}",
            "containers": [{"name": "web", "image": "registry.example.com/web:1.4.2"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": False,
                    "restartCount": 9,
                    "image": "registry.example.com/web:1.4.2",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": "2024-05-01T10:35:00Z",
                            "finishedAt": "2024-05-01T10:35:04Z",
                        }
                    },
                }
            ],
        },
    }


def _back_off(pod: dict[str, Any]) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(f"{name}.17c"),
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "shop",
                           "uid": f"uid-{name}", "fieldPath": "spec.containers{web}"},
        "reason": "BackOff",
        "type": "Warning",
        "message": f"Back-off restarting failed container web in pod {name}",
        "count": 40,
        "firstTimestamp": "2024-05-01T10:01:00Z",
        "lastTimestamp": "2024-05-01T10:40:00Z",
    }  # fmt: skip


def _view(replicas: int) -> ClusterView:
    """One Deployment whose every replica crash-loops, with its ReplicaSet and events."""
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}}
    workloads = [
        {"kind": "Deployment", "metadata": _meta("web"), "spec": spec, "status": {}},
        {
            "kind": "ReplicaSet",
            "metadata": _meta("web-5d8f7c9b6d", ownerReferences=[_owner("Deployment", "web")]),
            "spec": spec,
            "status": {"replicas": replicas},
        },
    ]
    pods = [_crashing_pod(i) for i in range(replicas)]
    return ClusterView(
        [*workloads, *pods, *map(_back_off, pods)],
        observed_at=NOW,
        source="test",
        listed=[(kind, ALL_NAMESPACES) for kind in ("Pod", "Event", "Deployment", "ReplicaSet")],
    )


def _calls(replicas: int) -> int:
    """Function calls (Python and built-in) made by one diagnosis of ``replicas`` replicas."""
    view = _view(replicas)
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        diagnosis = diagnose(view)
    finally:
        sys.setprofile(None)
    crash = [f for f in diagnosis.findings if f.object == WEB]
    assert [len(f.affected) for f in crash] == [replicas]  # one finding naming every replica
    return calls


def test_four_times_the_replicas_cost_about_four_times_the_work() -> None:
    small, large = _calls(50), _calls(200)
    assert large < 4.3 * small, f"{large / small:.1f}x the calls for 4x the replicas"


def _replica(
    name: str, severity: Severity, seen: int, category: Category = Category.CRASHLOOP_APP_ERROR
) -> Finding:
    return Finding(
        id=f"KM-{category.name}",
        severity=severity,
        category=category,
        object=WEB,
        summary=f"{name} crashes",
        root_cause="exit 1",
        evidence=(Evidence(f"{name} exit 1", EvidenceSource.STATUS, f"Pod shop/{name}"),),
        remediation=Remediation("fix", RiskTier.LOW, True, "runs"),
        affected=(AffectedPod("shop", name, ("web",)),),
        first_seen=datetime(2024, 5, 1, 10, seen, tzinfo=UTC),
        last_seen=datetime(2024, 5, 1, 10, seen + 5, tzinfo=UTC),
    )


def test_replicas_fold_into_the_first_with_every_pod_the_widest_window_the_worst_severity() -> None:
    replicas = [
        _replica("web-c", Severity.MEDIUM, 20),
        _replica("web-a", Severity.HIGH, 30),
        _replica("web-b", Severity.MEDIUM, 10),
    ]
    (folded,) = fold_replicas(replicas)
    assert folded.summary == "web-c crashes"
    assert [p.name for p in folded.affected] == ["web-a", "web-b", "web-c"]
    assert (folded.first_seen, folded.last_seen) == (replicas[2].first_seen, replicas[1].last_seen)
    assert folded.severity is Severity.HIGH


def test_the_safety_net_is_asked_only_about_pods_no_finding_explains() -> None:
    """It would build a finding for every failing replica, only for all to be dropped."""
    asked: list[Covered] = []

    def safety_net(view: ClusterView, covered: Covered) -> list[Finding]:
        asked.append(covered)
        return [_replica("web-b", Severity.HIGH, 0, Category.UNKNOWN)]

    def unused(view: ClusterView) -> list[Finding]:
        raise AssertionError("the fallback's analysis of every pod ran")

    crash = Analyzer("crash", "stub", (Category.CRASHLOOP_APP_ERROR,), lambda _view: [
        _replica("web-a", Severity.HIGH, 0)
    ])  # fmt: skip
    net = Analyzer("net", "stub", (Category.UNKNOWN,), unused, True, safety_net)
    view = ClusterView([], observed_at=NOW, source="test")
    findings = diagnose(view, registry=Registry([crash, net])).findings
    assert asked == [{("shop", "web-a")}]
    assert {(f.category, f.affected[0].name) for f in findings} == {
        (Category.CRASHLOOP_APP_ERROR, "web-a"),
        (Category.UNKNOWN, "web-b"),
    }
