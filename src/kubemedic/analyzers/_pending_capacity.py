"""Pending for lack of room: requests no node can satisfy, or no node accepting pods at all.

The scheduler counts *requests*, not usage, so the useful answer is the gap: what the pod asks
for, the most any acceptable node has left, and where — plus whether the cluster autoscaler
tried. Cordoned nodes are named with the command that gives them back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kubemedic._internal.quantities import format_cpu
from kubemedic.analyzers._build import event_evidence
from kubemedic.analyzers._fit import PODS, NodeFit
from kubemedic.analyzers._pending_case import (
    Explanation,
    PendingCase,
    amount,
    names,
    node_evidence,
    pod_spec_evidence,
)
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.analyzers._replicas import SETTABLE_KINDS
from kubemedic.analyzers._scheduler_message import Blocker
from kubemedic.models.categories import Category
from kubemedic.models.findings import ObjectRef, Remediation
from kubemedic.models.k8s import ContainerSpec, Event
from kubemedic.models.severity import RiskTier

AUTOSCALER_REASONS = ("NotTriggerScaleUp", "TriggeredScaleUp", "FailedScaleUp")
_OTHER_CAPACITY = (Blocker.HOST_PORTS, Blocker.VOLUME_LIMIT, Blocker.OTHER)


def explain_resources(case: PendingCase) -> Explanation:
    """Requests that fit on no acceptable node (or host ports / volume slots taken)."""
    short = _short_resources(case)
    candidates = [f for f in case.fits if set(f.blockers) <= {Blocker.RESOURCES}] or list(case.fits)
    gaps = [_gap(case, resource, candidates) for resource in short]
    verdict = case.verdict
    capacity = [r.text for r in verdict.of(*_OTHER_CAPACITY)] if verdict else []
    excluded = [
        f"{r.count} {r.text}"
        for r in (verdict.rejections if verdict else ())
        if r.blocker not in (Blocker.RESOURCES, *_OTHER_CAPACITY)
    ]
    autoscaler = [e for e in case.view.events_for(case.pod) if e.reason in AUTOSCALER_REASONS]
    needs = ", ".join(amount(r, case.needed(r)) for r in short if r != PODS)
    cause = f"Pod {case.pod.name} "
    if gaps:
        cause += f"requests {needs}, but " if needs else ""
        cause += "no node that accepts it has that much unrequested: "
        measured = [g.explained for g in gaps if g.best]
        counted = [f"{r.count} {r.text}" for r in verdict.of(Blocker.RESOURCES)] if verdict else []
        cause += "; ".join(measured or counted or [g.need for g in gaps]) + "."
        cause += " The scheduler adds up the requests of the pods on each node, not their usage."
    else:
        cause += "cannot be placed: " + "; ".join(capacity or ["no node has room"]) + "."
    if excluded:
        cause += " The other nodes are excluded for other reasons: " + ", ".join(excluded) + "."
    if autoscaler:
        cause += f" Cluster autoscaler: {autoscaler[-1].message}."
    evidence = [
        pod_spec_evidence(
            case.pod,
            f"spec.containers[{c.name}].resources.requests",
            f"container {c.name} requests " + _requests_text(c, short),
        )
        for c in case.pod.containers
        if any(c.resources.request(r) for r in short)
    ]
    evidence += [event_evidence(e) for e in autoscaler[-2:]]
    evidence += node_evidence(case, candidates)
    return Explanation(
        category=Category.SCHEDULING_INSUFFICIENT_RESOURCES,
        summary="Pod cannot be scheduled: "
        + ([g.text for g in gaps] or capacity or ["no room"])[0],
        root_cause=cause,
        evidence=tuple(evidence),
        remediation=_resources_fix(case, short, candidates, autoscaler),
    )


def explain_cordoned(case: PendingCase) -> Explanation:
    """Every node that would take the pod is cordoned, or the cluster has no usable node."""
    cordoned = case.blocked_by(Blocker.CORDONED)
    cordoned_names = [f.node.name for f in cordoned]
    count = case.verdict.count(Blocker.CORDONED) if case.verdict else len(cordoned)
    if not cordoned_names and not count:
        return _no_nodes(case)
    only_cordon = [f.node.name for f in cordoned if f.blockers == (Blocker.CORDONED,)]
    cause = (
        f"Pod {case.pod.name} cannot be placed because the nodes that would take it are "
        f"cordoned (spec.unschedulable): {names(cordoned_names) or f'{count} node(s)'}."
    )
    if only_cordon:
        cause += f" Uncordoning {names(only_cordon)} would let the pod run there."
    targets = only_cordon or cordoned_names
    commands = [f"kubectl uncordon {name}" for name in targets[:3]] or ["kubectl get nodes"]
    return Explanation(
        category=Category.SCHEDULING_NODES_UNSCHEDULABLE,
        summary="Pod cannot be scheduled: the nodes that would take it are cordoned",
        root_cause=cause,
        evidence=tuple(node_evidence(case, cordoned or case.fits)),
        remediation=Remediation(
            summary="Finish the maintenance and uncordon the nodes.",
            risk=RiskTier.MEDIUM,
            reversible=True,
            expected_outcome="The scheduler places the pod on an uncordoned node and it starts.",
            steps=(
                "Check why the nodes were cordoned (a drain, an upgrade, the autoscaler "
                "removing them) before giving them back.",
                "Uncordon them once that work is done, or add capacity elsewhere.",
            ),
            commands=(*commands, f"kubectl get pods -n {case.pod.namespace} -o wide"),
        ),
        related=tuple(ObjectRef("Node", name) for name in cordoned_names),
    )


def _no_nodes(case: PendingCase) -> Explanation:
    return Explanation(
        category=Category.SCHEDULING_NODES_UNSCHEDULABLE,
        summary="Pod cannot be scheduled: the cluster has no nodes",
        root_cause=f"The scheduler found no node at all for pod {case.pod.name}: the cluster "
        "has no registered node it may use (all deleted, or none has joined yet).",
        remediation=Remediation(
            summary="Get nodes to join the cluster: check the node group or machine pool that "
            "should provide them.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="Nodes register as Ready and the scheduler places the pod.",
            steps=(
                "Check that the node group's machines were created and are running.",
                "On the machines, the kubelet log says why they do not register (bootstrap "
                "token, API endpoint, IAM/identity mapping, certificate approval).",
            ),
            commands=("kubectl get nodes", "kubectl get csr"),
        ),
    )


def _short_resources(case: PendingCase) -> list[str]:
    found: list[str] = []
    if case.verdict is not None:
        found += [r.resource for r in case.verdict.of(Blocker.RESOURCES)]
    found += [s.resource for f in case.fits for s in f.shortfalls]
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class _Gap:
    """How far one resource is from fitting: what the pod needs and the best any node offers."""

    need: str
    best: str = ""
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.need}; {self.best}" if self.best else self.need

    @property
    def explained(self) -> str:
        return f"{self.best} ({self.detail})" if self.detail else self.best or self.need


def _gap(case: PendingCase, resource: str, candidates: list[NodeFit]) -> _Gap:
    need = case.needed(resource)
    with_room = [f for f in candidates if resource in f.free]
    if resource == PODS:
        full = [f.node.name for f in with_room if f.free[PODS] < 1]
        return _Gap(
            f"no free pod slot ({names(full)} at their pod limit)" if full else "Too many pods"
        )
    if not with_room:
        return _Gap(f"needs {amount(resource, need)}")
    best = max(with_room, key=lambda f: f.free[resource])
    free = best.free[resource]
    allocatable = best.node.allocatable(resource) or 0.0
    return _Gap(
        f"needs {amount(resource, need)}",
        f"the most free is {amount(resource, free)} on {best.node.name}",
        f"{amount(resource, allocatable)} allocatable, {amount(resource, allocatable - free)} "
        "already requested",
    )


def _requests_text(container: ContainerSpec, resources: list[str]) -> str:
    parts = [
        f"{r}={container.resources.request_text(r)}"
        for r in resources
        if container.resources.request_text(r) is not None
    ]
    return ", ".join(parts)


def _resources_fix(
    case: PendingCase, short: list[str], candidates: list[NodeFit], autoscaler: list[Event]
) -> Remediation:
    workload = case.workload
    commands: list[str] = []
    lowered: list[str] = []
    previous = previous_revision(case.view, case.pod)
    for resource in (r for r in short if r in ("cpu", "memory")):
        container = max(case.pod.containers, key=lambda c: c.resources.request(resource) or 0.0)
        room = max((f.free.get(resource, 0.0) for f in candidates), default=0.0)
        before = previous.container(container.name) if previous is not None else None
        earlier = before.resources.request(resource) if before is not None else None
        if previous is not None and before is not None and earlier and earlier <= room:
            # the request the revision before this one ran with, when it fits: a known value
            value = before.resources.request_text(resource)
            how = f"back to {value}, as in {previous.name}"
        else:
            value = _request_value(resource, room)
            how = f"to at most {value}"
        if value is None:
            continue
        lowered.append(f"{resource} of {container.name} {how}")
        if workload.kind in SETTABLE_KINDS:
            commands.append(
                f"kubectl set resources {workload.kubectl_ref} -c {container.name} "
                f"--requests={resource}={value}"
            )
    best = [f.node.name for f in candidates[:1]]
    commands = [f"kubectl describe node {name}" for name in best] + commands
    commands.append("kubectl describe nodes | grep -A 10 'Allocated resources'")
    steps = [
        "Compare the request with what the container really uses (kubectl top pod, or your "
        "metrics); requests far above usage waste the capacity the pod now lacks.",
        "If the request is right, add capacity: a larger or extra node in the pool the pod "
        "targets, or raise the cluster autoscaler's maximum for that node group.",
    ]
    if autoscaler:
        steps.append(f"The autoscaler said: {autoscaler[-1].message} — fix that limit first.")
    summary = (
        f"Lower the request ({'; '.join(lowered)}) if usage allows, or add node capacity."
        if lowered
        else "Add node capacity for what the pod requests, or lower its requests."
    )
    return Remediation(
        summary=summary,
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="A node has room for the pod's requests: PodScheduled becomes True "
        "and the pod starts.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _request_value(resource: str, room: float) -> str | None:
    """The free room as a request value a person would write (rounded down), if any."""
    if resource == "cpu" and room >= 0.01:
        return format_cpu(math.floor(room * 100) / 100)
    if resource == "memory" and room >= 2**20:
        return f"{math.floor(room / 2**20)}Mi"
    return None
