"""Pods known only from their FailedScheduling events, diagnosed from the scheduler's message.

When ``kubectl get events`` is all the input holds, the pods are not there, but the scheduler's
message still counts what kept each node from them. That is enough to name the blocker, and
for node-health taints (``node.kubernetes.io/not-ready``, ``…/unreachable``), which the node
lifecycle controller puts on nodes that are not Ready, the cause itself: the nodes. Pods of one
namespace blocked the same way are one finding; what the events do not show (the pods' spec,
the nodes' names) is read by the commands, not assumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kubemedic.analyzers._build import event_evidence
from kubemedic.analyzers._failure_signals import WINDOW
from kubemedic.analyzers._scheduler_message import (
    Blocker,
    Rejection,
    SchedulerVerdict,
    parse_scheduler_message,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import (
    AffectedPod,
    Evidence,
    EvidenceSource,
    Finding,
    ObjectRef,
    Remediation,
)
from kubemedic.models.k8s import Event
from kubemedic.models.severity import RiskTier, Severity

NODE_DOWN_TAINTS = frozenset({"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
"""The node lifecycle controller's taints for a node whose Ready condition is not True."""
_NAMES_SHOWN = 6
_CATEGORY = {
    Blocker.RESOURCES: Category.SCHEDULING_INSUFFICIENT_RESOURCES,
    Blocker.HOST_PORTS: Category.SCHEDULING_INSUFFICIENT_RESOURCES,
    Blocker.VOLUME_LIMIT: Category.SCHEDULING_INSUFFICIENT_RESOURCES,
    Blocker.TAINT: Category.SCHEDULING_TAINT,
    Blocker.NODE_AFFINITY: Category.SCHEDULING_AFFINITY_OR_SELECTOR,
    Blocker.VOLUME_NODE_AFFINITY: Category.SCHEDULING_AFFINITY_OR_SELECTOR,
    Blocker.POD_AFFINITY: Category.SCHEDULING_AFFINITY_OR_SELECTOR,
    Blocker.TOPOLOGY_SPREAD: Category.SCHEDULING_AFFINITY_OR_SELECTOR,
    Blocker.VOLUME_BINDING: Category.SCHEDULING_UNBOUND_PVC,
    Blocker.CORDONED: Category.SCHEDULING_NODES_UNSCHEDULABLE,
    Blocker.NO_NODES: Category.SCHEDULING_NODES_UNSCHEDULABLE,
}
"""The category of each blocker a message can name alone (``other`` is left to the fallback)."""
_READ = {
    Category.SCHEDULING_INSUFFICIENT_RESOURCES: (
        "kubectl get {pod} -o jsonpath='{{.spec.containers[*].resources}}'",
        'kubectl describe nodes | grep -A8 "Allocated resources"',
    ),
    Category.SCHEDULING_TAINT: (
        "kubectl get {pod} -o jsonpath='{{.spec.tolerations}}'",
        "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints",
    ),
    Category.SCHEDULING_AFFINITY_OR_SELECTOR: (
        "kubectl get {pod} -o jsonpath='{{.spec.nodeSelector}} {{.spec.affinity}}'",
        "kubectl get nodes --show-labels",
    ),
    Category.SCHEDULING_UNBOUND_PVC: (
        "kubectl get {pod} -o jsonpath='{{.spec.volumes}}'",
        "kubectl get pvc{ns}",
    ),
    Category.SCHEDULING_NODES_UNSCHEDULABLE: ("kubectl get nodes",),
}
"""What shows the half of the match the message leaves out: the pod's side, the nodes' side."""
_MEANING = {
    Category.SCHEDULING_INSUFFICIENT_RESOURCES: "no node has room left for what the pod requests",
    Category.SCHEDULING_TAINT: "the nodes carry taints the pod does not tolerate",
    Category.SCHEDULING_AFFINITY_OR_SELECTOR: "no node meets the pod's placement rules (node "
    "selector, affinity, spread)",
    Category.SCHEDULING_UNBOUND_PVC: "a PersistentVolumeClaim of the pod is not bound",
    Category.SCHEDULING_NODES_UNSCHEDULABLE: "no node accepts new pods (none, or all cordoned)",
}


@dataclass(frozen=True, slots=True)
class _Refused:
    """One pod the input knows only from events, and the scheduler's latest word on it."""

    pod: ObjectRef
    event: Event
    verdict: SchedulerVerdict
    blocker: Rejection


def absent_pending(
    view: ClusterView, weight: Mapping[Blocker, int], ids: Mapping[Category, str]
) -> Iterator[Finding]:
    """One finding per namespace and blocker for pods the events alone name as unschedulable.

    ``weight`` orders blockers from the most fixable (the one to report) to the least; ``ids``
    are the pending analyzer's finding ids, one per category.
    """
    groups: dict[tuple[str, str], list[_Refused]] = {}
    for refused in _refused(view, weight):
        cause = _node_down(refused.verdict) or refused.verdict.summary
        groups.setdefault((refused.pod.namespace, cause), []).append(refused)
    for group in groups.values():
        explain = _nodes_down if _node_down(group[0].verdict) else _blocked
        yield _finding(view, group, ids, explain(group))


def _refused(view: ClusterView, weight: Mapping[Blocker, int]) -> Iterator[_Refused]:
    """Pods named by recent FailedScheduling events, where the input holds no pods (events
    alone were given: a pod missing from pods that are given was most likely deleted)."""
    if view.pods:
        return
    named: dict[ObjectRef, None] = {}
    for event in view.of_kind("Event", Event):
        pod = event.involved_ref
        failed = event.reason == "FailedScheduling" and pod.kind == "Pod" and pod.name
        if failed and not view.knows("Pod", pod.namespace):
            named.setdefault(pod)
    horizon = view.observed_at - WINDOW
    for pod in sorted(named, key=lambda ref: (ref.namespace, ref.name)):
        events = view.events_for(pod)
        refusals = [i for i, e in enumerate(events) if e.reason == "FailedScheduling"]
        if not refusals or any(e.reason == "Scheduled" for e in events[refusals[-1] :]):
            continue  # placed since (or the events are about a deleted namesake)
        event = events[refusals[-1]]
        if event.last_seen is not None and event.last_seen < horizon:
            continue
        verdict = parse_scheduler_message(event.message)
        known = [r for r in verdict.rejections if r.blocker in _CATEGORY] if verdict else []
        if verdict is not None and known:
            yield _Refused(pod, event, verdict, min(known, key=lambda r: weight[r.blocker]))


def _node_down(verdict: SchedulerVerdict) -> str:
    """The node-health taint every rejected node had ("" unless all of them had one)."""
    keys = {r.taint_key for r in verdict.rejections}
    return min(keys) if keys and keys <= NODE_DOWN_TAINTS else ""


def _listing(group: Sequence[_Refused]) -> str:
    names = [r.pod.name for r in group]
    more = len(names) - _NAMES_SHOWN
    return ", ".join(names[:_NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True, slots=True)
class _Explained:
    category: Category
    summary: str
    cause: str
    remediation: Remediation


def _nodes_down(group: Sequence[_Refused]) -> _Explained:
    last = group[-1].verdict
    taint = _node_down(last)
    state = "unreachable" if taint.endswith("unreachable") else "NotReady"
    tainted = sum(r.count for r in last.rejections)
    nodes = f"{tainted} node(s)" if tainted else "the nodes"
    if last.total_nodes and tainted == last.total_nodes:
        nodes = f"all {tainted} nodes"
    cause = (
        f"The scheduler finds no node for {_named(group)}: {last.message} "
        f"The {taint} taint is put on a node by the node lifecycle controller while the node "
        f"is {state} and removed when it is Ready again, so {nodes} of the cluster are "
        f"{state}: the cause is the nodes, not the pods, and no toleration is the fix. The "
        "input holds only the events: why the nodes are not Ready (kubelet stopped, machine "
        "down, runtime or CNI not ready) is not shown."
    )
    return _Explained(
        category=Category.SCHEDULING_TAINT,
        summary=f"{_pods(group).capitalize()} cannot be scheduled: {nodes} are {state} "
        f"(taint {taint})",
        cause=cause,
        remediation=Remediation(
            summary=f"Bring the nodes back to Ready (kubelet, container runtime, CNI, machine); "
            f"the {taint} taint goes with it and the pods are scheduled.",
            risk=RiskTier.LOW,  # the commands only read
            reversible=True,
            expected_outcome="The nodes report Ready, lose the taint, and the pending pods are "
            "scheduled.",
            steps=(
                "List the nodes and read why each is not Ready: the Ready condition's reason "
                "and message, and the node's events.",
                '"Kubelet stopped posting node status": the machine is down or cut off, or the '
                "kubelet died; otherwise the kubelet names what is not ready (runtime, CNI).",
            ),
            commands=(
                "kubectl get nodes -o wide",
                "kubectl describe nodes",
            ),
        ),
    )


def _blocked(group: Sequence[_Refused]) -> _Explained:
    first = group[0]
    category = _CATEGORY[first.blocker.blocker]
    reads = tuple(
        command.format(pod=first.pod.kubectl_ref, ns=_flag(first.pod.namespace))
        for command in _READ[category]
    )
    return _Explained(
        category=category,
        summary=f"{_pods(group).capitalize()} cannot be scheduled: {first.verdict.summary}",
        cause=f"The scheduler finds no node for {_named(group)}: "
        f"{first.verdict.message} The most fixable part: {_MEANING[category]}. The input holds "
        f"only events: {'the pods are' if len(group) > 1 else 'the pod is'} not in it, so what "
        f"{'they ask' if len(group) > 1 else 'it asks'} for (requests, tolerations, selectors, "
        "claims) is not shown: the commands read it.",
        remediation=Remediation(
            summary=f"Compare what the pod asks for with what the nodes offer, and change the "
            f"side at fault: {_MEANING[category]}.",
            risk=RiskTier.LOW,  # the commands only read
            reversible=True,
            expected_outcome="The mismatch is known; once fixed the pods are scheduled.",
            steps=(
                f"{category.runbook} says what to change for this blocker.",
                "A pod a workload created is fixed in the workload's template: its controller "
                "replaces the pod.",
            ),
            commands=(f"kubectl describe {first.pod.kubectl_ref}", *reads),
        ),
    )


def _distinct(events: Iterable[Event]) -> list[Event]:
    """One event per message: replicas refused alike say the same thing."""
    return list({e.message: e for e in events}.values())


def _flag(namespace: str) -> str:
    """`` -n shop``; nothing where the events do not say (the current namespace is meant)."""
    return f" -n {namespace}" if namespace else ""


def _named(group: Sequence[_Refused]) -> str:
    """``pod web-1``, or ``3 pods (a, b, c)``."""
    return _pods(group) + (f" ({_listing(group)})" if len(group) > 1 else "")


def _pods(group: Sequence[_Refused]) -> str:
    return f"{len(group)} pods" if len(group) > 1 else f"pod {group[0].pod.name}"


def _finding(
    view: ClusterView, group: Sequence[_Refused], ids: Mapping[Category, str], said: _Explained
) -> Finding:
    seen = [r.event.last_seen for r in group if r.event.last_seen is not None]
    histogram = group[-1].verdict
    return Finding(
        id=ids[said.category],
        severity=Severity.HIGH,
        category=said.category,
        object=group[0].pod,
        summary=said.summary,
        root_cause=said.cause,
        evidence=(
            *(event_evidence(e) for e in _distinct(r.event for r in group)[:3]),
            Evidence(
                f"scheduler verdict over {histogram.total_nodes} nodes: {histogram.summary}",
                EvidenceSource.COMPUTED,
                "parsed FailedScheduling message",
            ),
            Evidence(
                f"{len(group)} pod(s) named only by events, not in the input: {_listing(group)}",
                EvidenceSource.COMPUTED,
                "FailedScheduling events"
                + (f" in namespace {group[0].pod.namespace}" if group[0].pod.namespace else ""),
            ),
        ),
        remediation=said.remediation,
        affected=tuple(sorted(AffectedPod(r.pod.namespace, r.pod.name) for r in group)),
        first_seen=min(seen, default=None),
        last_seen=max(seen, default=None),
        analyzer="pending",
    )
