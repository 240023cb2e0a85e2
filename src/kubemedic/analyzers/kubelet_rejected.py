"""Pods the kubelet refused to run after the scheduler had placed them (OutOfcpu, NodeAffinity).

The kubelet re-checks a pod at admission. When its node no longer has room (a static pod or a
pod bound straight to the node with ``nodeName`` took it, or pods re-admitted in another order
after a kubelet restart), the pod fails at once with ``reason: OutOfcpu`` and a message such as
``Pod Node didn't have enough resource: cpu, requested: 2000, used: 3500, capacity: 4000``. The
controller creates a replacement, so the failed objects are usually records of a race; they
share the scheduling categories and ids because the cause is the same: the node had no room.
Records a fully serving workload left more than an hour ago (the NodeAffinity rejections a
preemptible node's reboot leaves behind, kubernetes#100467) are history: ``info``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from kubemedic.analyzers._build import matching_events, pod_finding, pod_location
from kubemedic.analyzers._fit import PODS
from kubemedic.analyzers._pending_case import amount
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import availability, cleanup_command
from kubemedic.analyzers.pending import IDS
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import Event, Pod
from kubemedic.models.severity import RiskTier

_OUT_OF = re.compile(r"^OutOf(?P<resource>[\w.]+)$")
_NOT_ENOUGH = re.compile(
    r"didn't have enough resource: (?P<resource>[\w./-]+), requested: (?P<requested>\d+), "
    r"used: (?P<used>\d+), capacity: (?P<capacity>\d+)"
)
_PLACEMENT_REASONS = frozenset({"NodeAffinity", "NodeSelectorMismatching"})
_DEVICE_REASONS = frozenset({"UnexpectedAdmissionError", "TopologyAffinityError"})


def analyze(view: ClusterView) -> Iterator[Finding]:
    groups: dict[tuple[ObjectRef, Category], list[Pod]] = defaultdict(list)
    for pod in view.troubled_pods:
        category = _category(pod) if pod.phase == "Failed" else None
        if category is not None:
            groups[(view.workload_of(pod), category)].append(pod)
    for (workload, category), pods in groups.items():
        yield _finding(view, workload, category, pods)


def _category(pod: Pod) -> Category | None:
    if _OUT_OF.match(pod.reason) or pod.reason in _DEVICE_REASONS:
        return Category.SCHEDULING_INSUFFICIENT_RESOURCES
    if pod.reason in _PLACEMENT_REASONS:
        return Category.SCHEDULING_AFFINITY_OR_SELECTOR
    return None


def _shortage(message: str) -> str:
    """``the pod requested 2 CPU, 3.5 CPU of 4 CPU was already in use``."""
    found = _NOT_ENOUGH.search(message)
    if found is None:
        return ""
    resource = found["resource"]
    scale = 1000 if resource == "cpu" else 1  # the kubelet counts CPU in millicores
    if resource == PODS:  # pod capacity is the kubelet's maxPods
        return f"the node already ran {found['used']} of its {found['capacity']} pods (maxPods)"
    requested, used, capacity = (
        amount(resource, int(found[key]) / scale) for key in ("requested", "used", "capacity")
    )
    return f"the pod requested {requested}, {used} of {capacity} was already in use"


def _finding(
    view: ClusterView, workload: ObjectRef, category: Category, pods: list[Pod]
) -> Finding:
    latest = pods[-1]
    nodes = sorted({p.node_name for p in pods if p.node_name})
    shortage = _shortage(latest.message)
    avail = availability(view, workload)
    count = len(pods)
    subject = f"pod {latest.name}" if avail.standalone else f"{count} pod(s) of {workload}"
    bypassed = category is Category.SCHEDULING_INSUFFICIENT_RESOURCES and _bound_by_hand(
        view, latest, avail.standalone
    )
    where = ", ".join(nodes) or "a node"
    cause = (
        f"Pod {latest.name} was bound to {where} by its own spec.nodeName (no PodScheduled "
        "condition, no Scheduled event among its events): the scheduler never checked whether "
        "it fits, and the kubelet "
        f"refused to start it ({latest.reason}: {latest.message})."
        if bypassed
        else f"The scheduler placed {subject} on {where}, but the kubelet refused to start it "
        f"({latest.reason}: {latest.message})."
    )
    if not bypassed:
        cause += (
            " The node had less room than the scheduler believed: usually a static pod or a pod "
            "bound with nodeName took it first, or pods were re-admitted in another order after "
            "a kubelet restart."
            if category is Category.SCHEDULING_INSUFFICIENT_RESOURCES
            else " The node's labels no longer match the pod's node affinity (relabelled after "
            "scheduling, or the pod was bound with nodeName)."
        )
    events = [e for p in pods for e in matching_events(view, p, (p.reason,))]
    rejected = _rejected_at(pods, events)
    if avail.fully_serving:
        cause += f" {avail.text}: the rejected pods are only records."
    finding = pod_finding(
        view,
        latest,
        id=IDS[category],
        analyzer="kubelet_rejected",
        severity=avail.leftover_severity(last=rejected, now=view.observed_at),
        category=category,
        containers=[],
        summary=f"{count} pod(s) rejected by the kubelet on {', '.join(nodes) or 'its node'}: "
        + (shortage or latest.reason),
        root_cause=cause,
        evidence=[
            Evidence(
                f"phase Failed, reason {latest.reason}: {latest.message}",
                EvidenceSource.STATUS,
                pod_location(latest, "status.reason"),
            ),
            Evidence(
                f"{count} rejected pod(s) of {workload}; {avail.text}",
                EvidenceSource.COMPUTED,
                f"pods of {workload} with status.reason {latest.reason}",
            ),
        ],
        remediation=_bypass_fix(latest, nodes)
        if bypassed
        else _remediation(view, workload, category, pods, nodes),
        events=events,
    )
    return replace(finding, affected=tuple(sorted(view.affected_pod(p) for p in pods)))


def _rejected_at(pods: Sequence[Pod], events: Sequence[Event]) -> datetime | None:
    """When the kubelet last refused one of ``pods``: the latest of their rejection events,
    their conditions' changes and their creation (a pod refused at creation has no other)."""
    moments = [e.last_seen for e in events]
    moments += [c.last_transition for p in pods for c in p.conditions]
    moments += [p.created_at for p in pods]
    return max((m for m in moments if m is not None), default=None)


def _remediation(
    view: ClusterView, workload: ObjectRef, category: Category, pods: list[Pod], nodes: list[str]
) -> Remediation:
    if category is Category.SCHEDULING_INSUFFICIENT_RESOURCES:
        summary = "find what uses the node's capacity outside the scheduler (static pods, pods "
        summary += "with nodeName)."
        step = (
            "Compare the node's allocatable with the requests of everything on it, static pods "
            "included (kubectl describe node: Allocated resources)."
        )
        looks = [f"kubectl describe node {n}" for n in nodes[:2]]
    else:
        summary = "make the node's labels and the pod's node selector or affinity agree."
        step = (
            "Compare the node's labels with the pod's nodeSelector and affinity: a label removed "
            "or changed after the pod was placed, a label added moments before that the kubelet "
            "had not seen yet (a node that just joined), or a pod bound with nodeName to a node "
            "it does not match."
        )
        looks = [f"kubectl get node {n} --show-labels" for n in nodes[:2]]
    return Remediation(
        summary=f"Delete the rejected pod records; if rejections keep coming, {summary}",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="No new rejected pods; the workload keeps its replicas.",
        steps=(step,),
        commands=(*looks, cleanup_command(view, workload, tuple(pods))),
    )


def _bound_by_hand(view: ClusterView, pod: Pod, standalone: bool) -> bool:
    """A bare pod the scheduler never bound: the scheduler sets PodScheduled and records a
    Scheduled event when it binds; the kubelet keeps that condition when it rejects the pod.
    Only said when the pod's events were collected (a cut paste shows neither)."""
    events = view.events_for(pod)
    return (
        standalone
        and pod.condition("PodScheduled") is None
        and any(e.reason == pod.reason for e in events)
        and not any(e.reason == "Scheduled" for e in events)
    )


def _bypass_fix(pod: Pod, nodes: list[str]) -> Remediation:
    """A pod that named its node itself: let the scheduler choose, which waits for room."""
    node = nodes[0] if nodes else "the node"
    return Remediation(
        summary=f"Recreate pod {pod.name} without spec.nodeName so the scheduler places it; "
        f"to keep it on {node}, use a nodeSelector on its kubernetes.io/hostname label.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The scheduler places the pod where it fits, or keeps it Pending with a "
        "FailedScheduling event that says what is missing, instead of the kubelet rejecting it.",
        steps=(
            "A rejected pod never starts again: delete it and create it anew without "
            "spec.nodeName.",
            f"If it must run on {node}, free room there first (kubectl describe node: "
            "Allocated resources and the pod count).",
        ),
        commands=(
            f"kubectl get pod {pod.name} -n {pod.namespace} -o yaml > {pod.name}.yaml",
            f"kubectl delete pod {pod.name} -n {pod.namespace}",
            *(f"kubectl describe node {n}" for n in nodes[:1]),
        ),
    )


ANALYZER = Analyzer(
    name="kubelet_rejected",
    description="Pods the kubelet refused at admission after scheduling: OutOfcpu, OutOfmemory, "
    "OutOfpods, device allocation failures, NodeAffinity.",
    categories=(
        Category.SCHEDULING_INSUFFICIENT_RESOURCES,
        Category.SCHEDULING_AFFINITY_OR_SELECTOR,
    ),
    analyze=analyze,
)
