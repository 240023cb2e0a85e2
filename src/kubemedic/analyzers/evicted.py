"""Pods the kubelet evicted to protect its node, one finding per workload and cause.

An evicted pod is a record of node pressure (memory, disk, PIDs) or of a pod passing its own
ephemeral-storage limit. The kubelet's message names the resource and the container that used
more than it asked for; that container and its request are the fix. Many evicted replicas of
one workload are one problem, and once replacements serve again the leftovers are cleanup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from kubemedic.analyzers._build import event_evidence, matching_events, pod_finding, pod_location
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import Availability, availability
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef
from kubemedic.models.k8s import Event, Node, Pod
from kubemedic.models.severity import Severity

if TYPE_CHECKING:  # the eviction rules are imported once an evicted pod is seen
    from kubemedic.analyzers._eviction_message import EvictionNotice

IDS = {
    Category.EVICTED_MEMORY_PRESSURE: "KM-POD-EVICTED-MEMORY",
    Category.EVICTED_DISK_PRESSURE: "KM-POD-EVICTED-DISK",
    Category.EVICTED_EPHEMERAL_STORAGE: "KM-POD-EVICTED-EPHEMERAL-STORAGE",
    Category.EVICTED_PID_PRESSURE: "KM-POD-EVICTED-PIDS",
}
PRESSURE_CONDITIONS = {
    Category.EVICTED_MEMORY_PRESSURE: "MemoryPressure",
    Category.EVICTED_DISK_PRESSURE: "DiskPressure",
    Category.EVICTED_PID_PRESSURE: "PIDPressure",
}
NODE_EVENT_REASONS = (
    "EvictionThresholdMet",
    "FreeDiskSpaceFailed",
    "ImageGCFailed",
    "NodeHasDiskPressure",
    "NodeHasInsufficientMemory",
    "NodeHasInsufficientPID",
    "SystemOOM",
)


@dataclass(frozen=True, slots=True)
class Eviction:
    """One evicted pod, its parsed message and the kubelet's Evicted events."""

    pod: Pod
    notice: EvictionNotice
    events: tuple[Event, ...]

    @property
    def when(self) -> datetime | None:
        seen = [e.last_seen for e in self.events if e.last_seen is not None]
        cond = self.pod.condition("DisruptionTarget")
        if cond is not None and cond.last_transition is not None:
            seen.append(cond.last_transition)
        return max(seen, default=self.pod.start_time or self.pod.created_at)


def analyze(view: ClusterView) -> Iterator[Finding]:
    groups: dict[tuple[ObjectRef, Category], list[Eviction]] = defaultdict(list)
    for pod in view.troubled_pods:
        if pod.phase != "Failed" or pod.reason != "Evicted" or pod.deletion_timestamp:
            continue
        from kubemedic.analyzers._eviction_message import parse_eviction  # once one is seen

        notice = parse_eviction(pod.message)
        category = notice.category or _pressure_on_node(view, pod)
        if category is None:
            continue
        events = tuple(matching_events(view, pod, ("Evicted",)))
        groups[(view.workload_of(pod), category)].append(Eviction(pod, notice, events))
    for (workload, category), evictions in groups.items():
        yield _finding(view, workload, category, evictions)


def _pressure_on_node(view: ClusterView, pod: Pod) -> Category | None:
    """For a message kubemedic cannot read: the pressure its node reports now."""
    node = view.get("Node", "", pod.node_name)
    if node is None:
        return None
    for category, condition in PRESSURE_CONDITIONS.items():
        cond = node.condition(condition)
        if cond is not None and cond.is_true:
            return category
    return None


def _finding(
    view: ClusterView, workload: ObjectRef, category: Category, evictions: list[Eviction]
) -> Finding:
    evictions.sort(key=lambda e: (e.when is not None, e.when))
    latest = evictions[-1]
    from kubemedic.analyzers._eviction_explain import EvictionGroup, explain

    nodes = sorted({e.pod.node_name for e in evictions if e.pod.node_name})
    group = EvictionGroup(
        view=view,
        workload=workload,
        category=category,
        pods=tuple(e.pod for e in evictions),
        notices=tuple(e.notice for e in evictions),
        nodes=tuple(nodes),
        availability=availability(view, workload),
    )
    explanation = explain(group)
    events = [e for ev in evictions for e in ev.events]
    evidence = [
        Evidence(
            f"{latest.pod.reason}: {latest.pod.message}",
            EvidenceSource.STATUS,
            pod_location(latest.pod, "status.message"),
        ),
        *(event_evidence(e) for e in latest.events[-1:]),
        *explanation.evidence,
        *_node_evidence(view, nodes, category),
        Evidence(
            f"{len(evictions)} evicted pod(s) of {workload} on {', '.join(nodes) or 'unknown node'}"
            f"; {group.owner_text}",
            EvidenceSource.COMPUTED,
            f"pods of {workload} with status.reason Evicted",
        ),
    ]
    containers = [explanation.container] if explanation.container else []
    finding = pod_finding(
        view,
        latest.pod,
        id=IDS[category],
        analyzer="evicted",
        severity=_severity(view, group.availability, evictions),
        category=category,
        containers=containers,
        summary=explanation.summary,
        root_cause=explanation.root_cause,
        evidence=evidence,
        remediation=explanation.remediation,
        events=events,
    )
    affected = tuple(sorted(view.affected_pod(e.pod, containers) for e in evictions))
    return replace(finding, affected=affected, related=tuple(ObjectRef("Node", n) for n in nodes))


def _severity(view: ClusterView, serving: Availability, evictions: Sequence[Eviction]) -> Severity:
    """The leftovers' weight: records of a node's pressure that named no container of theirs
    (bystanders the kubelet ranked by priority and usage) become history once settled; a pod
    over its own request or limit stays worth fixing."""
    bystanders = not any(e.notice.hogs or e.notice.breach for e in evictions)
    last = evictions[-1].when if bystanders else None
    return serving.leftover_severity(last=last, now=view.observed_at)


def _node_evidence(view: ClusterView, nodes: Sequence[str], category: Category) -> list[Evidence]:
    """The pressure condition each node reports now, and its latest pressure event."""
    condition = PRESSURE_CONDITIONS.get(category)
    evidence = []
    for name in nodes[:3]:
        node = view.get("Node", "", name)
        if isinstance(node, Node) and condition:
            cond = node.condition(condition)
            if cond is not None:
                evidence.append(
                    Evidence(
                        f"{condition}={cond.status} ({cond.reason}): {cond.message}",
                        EvidenceSource.RELATED,
                        f"Node {name} status.conditions[{condition}]",
                    )
                )
        node_ref = ObjectRef("Node", name)
        pressure = [e for e in view.events_for(node_ref) if e.reason in NODE_EVENT_REASONS]
        evidence += [event_evidence(e) for e in pressure[-1:]]
    return evidence


ANALYZER = Analyzer(
    name="evicted",
    description="Pods evicted by the kubelet for node memory, disk or PID pressure, or for "
    "passing their own ephemeral-storage limits.",
    categories=tuple(IDS),
    analyze=analyze,
)
