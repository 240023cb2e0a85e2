"""Pending pods the scheduler cannot place, and the one cause worth fixing first.

The scheduler's FailedScheduling message is parsed into its per-node histogram and checked
against kubemedic's own node-by-node verdict (cordon, taints, labels, free requests, volume
zones). The category is the cause on the node closest to accepting the pod — the fixable one —
and the other causes are kept as evidence. Pods that are already bound (pulling images,
creating containers) are not scheduling problems and are left to other analyzers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from kubemedic.analyzers._build import event_evidence, matching_events, pod_finding, pod_location
from kubemedic.analyzers._fit import Fitter, NodeFit, NodeLoad, pod_requests
from kubemedic.analyzers._pending_absent import absent_pending
from kubemedic.analyzers._pending_capacity import explain_cordoned, explain_resources
from kubemedic.analyzers._pending_case import Explanation, PendingCase
from kubemedic.analyzers._pending_placement import explain_affinity, explain_taint
from kubemedic.analyzers._pending_storage import explain_storage
from kubemedic.analyzers._pending_unattempted import explain_unattempted
from kubemedic.analyzers._placement import CONTROL_PLANE_TAINTS
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._scheduler_message import (
    Blocker,
    Rejection,
    SchedulerVerdict,
    parse_scheduler_message,
)
from kubemedic.analyzers._volumes import Claim, pod_claims
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding
from kubemedic.models.k8s import Event, Pod
from kubemedic.models.severity import Severity

IDS = {
    Category.SCHEDULING_INSUFFICIENT_RESOURCES: "KM-POD-PENDING-RESOURCES",
    Category.SCHEDULING_TAINT: "KM-POD-PENDING-TAINT",
    Category.SCHEDULING_AFFINITY_OR_SELECTOR: "KM-POD-PENDING-AFFINITY",
    Category.SCHEDULING_UNBOUND_PVC: "KM-POD-PENDING-PVC",
    Category.SCHEDULING_NODES_UNSCHEDULABLE: "KM-POD-PENDING-NO-NODES",
    Category.SCHEDULING_NOT_ATTEMPTED: "KM-POD-PENDING-NOT-SCHEDULED",
}

# How far a blocker puts a node from accepting the pod. Requests are the pod's to tune; labels
# and control-plane taints say the node was never meant for it.
_WEIGHT = {
    Blocker.RESOURCES: 1,
    Blocker.HOST_PORTS: 1,
    Blocker.VOLUME_LIMIT: 1,
    Blocker.VOLUME_BINDING: 1,
    Blocker.NO_NODES: 1,
    Blocker.CORDONED: 2,
    Blocker.TAINT: 2,
    Blocker.POD_AFFINITY: 2,
    Blocker.TOPOLOGY_SPREAD: 2,
    Blocker.NODE_AFFINITY: 3,
    Blocker.VOLUME_NODE_AFFINITY: 3,
    Blocker.OTHER: 4,
}
_CONTROL_PLANE_WEIGHT = 4

_EXPLAIN: dict[Blocker, Callable[[PendingCase], Explanation]] = {
    Blocker.RESOURCES: explain_resources,
    Blocker.HOST_PORTS: explain_resources,
    Blocker.VOLUME_LIMIT: explain_resources,
    Blocker.OTHER: explain_resources,
    Blocker.TAINT: explain_taint,
    Blocker.NODE_AFFINITY: lambda case: explain_affinity(case, Blocker.NODE_AFFINITY),
    Blocker.VOLUME_NODE_AFFINITY: lambda case: explain_affinity(case, Blocker.VOLUME_NODE_AFFINITY),
    Blocker.POD_AFFINITY: lambda case: explain_affinity(case, Blocker.POD_AFFINITY),
    Blocker.TOPOLOGY_SPREAD: lambda case: explain_affinity(case, Blocker.TOPOLOGY_SPREAD),
    Blocker.VOLUME_BINDING: explain_storage,
    Blocker.CORDONED: explain_cordoned,
    Blocker.NO_NODES: explain_cordoned,
}


def analyze(view: ClusterView) -> Iterator[Finding]:
    yield from absent_pending(view, _WEIGHT, IDS)
    waiting = [p for p in view.troubled_pods if _awaits_scheduling(view, p)]
    if not waiting:
        return
    fitter = None
    if view.nodes:
        wanted = {resource for pod in waiting for resource in pod_requests(pod)}
        fitter = Fitter(view.nodes, NodeLoad(view.pods, wanted), order=_distance)
    for pod in waiting:
        finding = _diagnose(view, pod, fitter)
        if finding is not None:
            yield finding


def _awaits_scheduling(view: ClusterView, pod: Pod) -> bool:
    """Pending and not on a node (or bound to a node that does not exist)."""
    if pod.phase != "Pending" or pod.deletion_timestamp is not None:
        return False
    if not pod.node_name:
        return True
    return view.knows("Node") and view.get("Node", "", pod.node_name) is None


def _diagnose(view: ClusterView, pod: Pod, fitter: Fitter | None) -> Finding | None:
    workload = view.workload_of(pod)
    events = tuple(matching_events(view, pod, ("FailedScheduling",)))
    verdict = _verdict(pod, events)
    claims = pod_claims(view, pod)
    volumes = [c.volume_constraint for c in claims if c.volume_constraint]
    fits = fitter.fits(pod, volumes) if fitter is not None else ()
    blocker = None if pod.node_name else _choose(verdict, fits, claims)
    if blocker is None:
        explanation = explain_unattempted(view, pod, workload)
    else:
        case = PendingCase(view, pod, workload, verdict, fits, claims)
        explanation = _EXPLAIN[blocker](case)
    if explanation is None:
        return None
    finding = pod_finding(
        view,
        pod,
        id=IDS[explanation.category],
        analyzer="pending",
        severity=_severity(view, pod),
        category=explanation.category,
        containers=[],
        summary=explanation.summary,
        root_cause=explanation.root_cause,
        evidence=[*_scheduler_evidence(pod, verdict, events), *explanation.evidence],
        remediation=explanation.remediation,
        events=events,
    )
    return replace(finding, related=explanation.related) if explanation.related else finding


def _verdict(pod: Pod, events: tuple[Event, ...]) -> SchedulerVerdict | None:
    """The scheduler's current word: the PodScheduled condition, else its latest event."""
    cond = pod.condition("PodScheduled")
    if cond is not None and not cond.is_true and cond.reason == "Unschedulable" and cond.message:
        return parse_scheduler_message(cond.message)
    return parse_scheduler_message(events[-1].message) if events else None


def _distance(fit: NodeFit) -> tuple[int, int, int, float]:
    """Closest node first: lightest blockers, fewest label misses, most free CPU."""
    weight = 0
    for blocker in fit.blockers:
        control_plane = any(t.key in CONTROL_PLANE_TAINTS for t in fit.taints)
        is_cp = blocker is Blocker.TAINT and control_plane
        weight += _CONTROL_PLANE_WEIGHT if is_cp else _WEIGHT[blocker]
    return (weight, len(fit.unmet_labels), len(fit.blockers), -fit.free.get("cpu", 0.0))


def _rejection_weight(rejection: Rejection) -> tuple[int, int]:
    control_plane = rejection.taint_key in CONTROL_PLANE_TAINTS
    return (
        _CONTROL_PLANE_WEIGHT if control_plane else _WEIGHT[rejection.blocker],
        -rejection.count,
    )


def _choose(
    verdict: SchedulerVerdict | None, fits: tuple[NodeFit, ...], claims: tuple[Claim, ...]
) -> Blocker | None:
    """The dominant fixable cause: what stands between the pod and its closest node."""
    unbound = any(c.problem for c in claims)
    if verdict is None:
        if unbound:
            return Blocker.VOLUME_BINDING
        blocked = [f for f in fits if not f.fits]
        return blocked[0].blockers[0] if fits and len(blocked) == len(fits) else None
    named = verdict.blockers
    if Blocker.VOLUME_BINDING in named:
        return Blocker.VOLUME_BINDING
    if Blocker.NO_NODES in named or verdict.total_nodes == 0:
        return Blocker.NO_NODES
    for fit in fits:
        if fit.blockers and fit.blockers[0] in named:
            return fit.blockers[0]
    if not verdict.rejections:
        return Blocker.OTHER
    return min(verdict.rejections, key=_rejection_weight).blocker


def _severity(view: ClusterView, pod: Pod) -> Severity:
    """High while the workload has no ready replica; medium when others still serve it.

    A gated pod is held on purpose by a queueing controller: medium at most.
    """
    if pod.spec.get("schedulingGates"):
        return Severity.MEDIUM
    siblings = view.pods_of(view.workload_of(pod))
    serving = any(p is not pod and p.is_ready for p in siblings)
    return Severity.MEDIUM if serving else Severity.HIGH


def _scheduler_evidence(
    pod: Pod, verdict: SchedulerVerdict | None, events: tuple[Event, ...]
) -> list[Evidence]:
    evidence = []
    if events:
        evidence.append(event_evidence(events[-1]))
    cond = pod.condition("PodScheduled")
    if cond is not None and not cond.is_true and (not events or cond.message != events[-1].message):
        fact = f"PodScheduled=False ({cond.reason})" + (f": {cond.message}" if cond.message else "")
        evidence.append(
            Evidence(
                fact, EvidenceSource.STATUS, pod_location(pod, "status.conditions[PodScheduled]")
            )
        )
    if verdict is not None and verdict.total_nodes is not None:
        fact = f"scheduler verdict over {verdict.total_nodes} nodes: {verdict.summary}"
        if verdict.preemption:
            fact += f"; preemption: {verdict.preemption}"
        evidence.append(Evidence(fact, EvidenceSource.COMPUTED, "parsed FailedScheduling message"))
    nominated = pod.status.get("nominatedNodeName")
    if nominated:
        evidence.append(
            Evidence(
                f"the scheduler is preempting lower-priority pods on {nominated} for this pod",
                EvidenceSource.STATUS,
                pod_location(pod, "status.nominatedNodeName"),
            )
        )
    return evidence


ANALYZER = Analyzer(
    name="pending",
    description="Pending pods the scheduler cannot place: resources, taints, selectors, "
    "volumes, cordoned nodes, or no scheduler at all.",
    categories=tuple(IDS),
    analyze=analyze,
)
