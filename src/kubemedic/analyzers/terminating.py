"""Pods stuck Terminating long after their grace period, and what holds them.

A deleted pod disappears once its kubelet confirms the containers stopped and every finalizer
is removed. When it lingers, one of those did not happen: the node is down (nobody can
confirm), a finalizer's controller is gone or failing, or the kubelet cannot kill the
containers (a hung preStop hook, a runtime error). A pod still inside its grace period is only
shutting down and is not reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from kubemedic.analyzers._build import event_evidence, matching_events, pod_finding, pod_location
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import availability
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef
from kubemedic.models.k8s import Node, Pod
from kubemedic.models.severity import Severity

if TYPE_CHECKING:  # the explanations are imported once a stuck pod is seen
    from kubemedic.analyzers._terminating_explain import Stuck

ID = "KM-POD-TERMINATING-STUCK"
# Past the grace deadline the kubelet normally confirms within seconds; allow for slow volume
# unmounts and a late status update before calling it stuck.
STUCK_AFTER = timedelta(minutes=2)
KILL_REASONS = (
    "FailedKillPod",
    "KillContainerError",
    "FailedPreStopHook",
    "ExceededGracePeriod",
    "FailedUnMount",
    "NodeNotReady",
)


def analyze(view: ClusterView) -> Iterator[Finding]:
    groups: dict[ObjectRef, list[Stuck]] = defaultdict(list)
    # Troubled pods include every pod being deleted, Succeeded ones held by a finalizer too.
    for pod in view.troubled_pods:
        deadline = pod.deletion_timestamp
        if deadline is None or view.observed_at - deadline < STUCK_AFTER:
            continue
        groups[view.workload_of(pod)].append(_stuck(view, pod, view.observed_at - deadline))
    for workload, stuck in groups.items():
        yield _finding(view, workload, stuck)


def _stuck(view: ClusterView, pod: Pod, overdue: timedelta) -> Stuck:
    from kubemedic.analyzers._terminating_explain import Stuck

    node = view.get("Node", "", pod.node_name) if pod.node_name else None
    return Stuck(
        pod=pod,
        overdue=overdue,
        node=node if isinstance(node, Node) else None,
        node_missing=bool(pod.node_name) and node is None and view.knows("Node"),
        events=tuple(matching_events(view, pod, KILL_REASONS)),
    )


def _finding(view: ClusterView, workload: ObjectRef, stuck: list[Stuck]) -> Finding:
    stuck.sort(key=lambda s: (s.rank, -s.overdue.total_seconds()))
    from kubemedic.analyzers._terminating_explain import explain

    first = stuck[0]
    explanation = explain(workload, stuck)
    evidence = [_deadline_evidence(s) for s in stuck[:3]]
    if first.pod.finalizers:
        evidence.append(
            Evidence(
                "finalizers: " + ", ".join(first.pod.finalizers),
                EvidenceSource.SPEC,
                pod_location(first.pod, "metadata.finalizers"),
            )
        )
    if first.pod.reason:
        evidence.append(
            Evidence(
                f"{first.pod.reason}: {first.pod.message}",
                EvidenceSource.STATUS,
                pod_location(first.pod, "status.reason"),
            )
        )
    evidence += explanation.evidence
    evidence += [event_evidence(e) for e in first.events[-3:]]
    finding = pod_finding(
        view,
        first.pod,
        id=ID,
        analyzer="terminating",
        severity=_severity(view, workload, stuck),
        category=Category.TERMINATING_STUCK,
        containers=[],
        summary=explanation.summary,
        root_cause=explanation.root_cause,
        evidence=evidence,
        remediation=explanation.remediation,
        events=[e for s in stuck for e in s.events],
    )
    affected = tuple(sorted(view.affected_pod(s.pod) for s in stuck))
    related = tuple(ObjectRef("Node", s.pod.node_name) for s in stuck if s.node_down)
    return replace(finding, affected=affected, related=tuple(dict.fromkeys(related)))


def _deadline_evidence(stuck: Stuck) -> Evidence:
    pod = stuck.pod
    grace = pod.metadata.get("deletionGracePeriodSeconds")
    fact = (
        f"deletion requested; grace period {grace}s ended"
        if grace is not None
        else "deletion deadline passed"
    )
    fact += f" {_duration(stuck.overdue)} before this snapshot"
    return Evidence(fact, EvidenceSource.STATUS, pod_location(pod, "metadata.deletionTimestamp"))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _severity(view: ClusterView, workload: ObjectRef, stuck: list[Stuck]) -> Severity:
    """High when the stuck pod blocks its own replacement or nothing else serves."""
    if workload.kind == "StatefulSet" or any(s.node_down for s in stuck):
        return Severity.HIGH
    return max(
        availability(view, workload).leftover_severity(),
        Severity.MEDIUM,
        key=lambda severity: -severity.rank,
    )


ANALYZER = Analyzer(
    name="terminating",
    description="Pods stuck Terminating past their grace period: dead nodes, finalizers, "
    "containers the kubelet cannot kill.",
    categories=(Category.TERMINATING_STUCK,),
    analyze=analyze,
)
