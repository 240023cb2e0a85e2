"""Pending because of where the pod may go: taints, node labels, volume zones, pod (anti-)affinity.

The fix depends on *which* rule and *which* node: a dedicated-pool taint wants a toleration, a
health taint wants the node repaired, a selector typo wants the value the nodes actually carry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubemedic.analyzers._pending_case import (
    Explanation,
    PendingCase,
    names,
    node_evidence,
    pod_spec_evidence,
)
from kubemedic.analyzers._pending_pod_rules import explain_pod_rules
from kubemedic.analyzers._pending_volume_affinity import explain_pinned_volume
from kubemedic.analyzers._placement import (
    Requirement,
    Taint,
    label_values,
    pod_node_constraint,
)
from kubemedic.analyzers._scheduler_message import Blocker
from kubemedic.analyzers._template_patch import recreate_step, template_patch
from kubemedic.models.categories import Category
from kubemedic.models.findings import Evidence, ObjectRef, Remediation
from kubemedic.models.k8s import Node
from kubemedic.models.severity import RiskTier

_DEFAULT_TOLERATION_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_DEFAULT_TOLERATION_SECONDS = 300


def explain_taint(case: PendingCase) -> Explanation:
    """Nodes carry taints the pod does not tolerate: pool, control-plane or health taints."""
    tainted = case.blocked_by(Blocker.TAINT)
    nodes_by_taint: dict[Taint, list[str]] = {}
    for fit in tainted:
        for taint in fit.taints:
            nodes_by_taint.setdefault(taint, []).append(fit.node.name)
    if not nodes_by_taint and case.verdict is not None:
        for rejection in case.verdict.of(Blocker.TAINT):
            if rejection.taint_key:
                taint = Taint(rejection.taint_key, rejection.taint_value, "")
                nodes_by_taint[taint] = [f"{rejection.count} node(s)"]
    listing = "; ".join(f"{t} on {names(n)}" for t, n in nodes_by_taint.items())
    evidence = tuple(node_evidence(case, tainted or case.fits))
    if nodes_by_taint and all(t.is_health for t in nodes_by_taint):
        related = tuple(ObjectRef("Node", fit.node.name) for fit in tainted)
        return replace(_health_taints(case, listing, evidence), related=related)
    if nodes_by_taint and all(t.is_control_plane for t in nodes_by_taint):
        return _control_plane_taints(case, nodes_by_taint, evidence)
    wanted = _taint_to_tolerate(case, nodes_by_taint)
    cause = f"Pod {case.pod.name} tolerates none of the taints on the nodes that would take it"
    cause += f" ({listing})." if listing else " (the scheduler does not name them)."
    selected = [f.node.name for f in tainted if not f.unmet_labels]
    if selected and not pod_node_constraint(case.pod).is_empty:
        cause += f" Its node selector points at those very nodes: {names(selected)}."
    if wanted is None:
        fix = _fix("Add a toleration for the nodes' taint, or remove the taint.", case, None)
    else:
        fix = _fix(f"Add a toleration for {wanted} to the pod template.", case, wanted)
    return Explanation(
        category=Category.SCHEDULING_TAINT,
        summary="Pod cannot be scheduled: it does not tolerate "
        + (f"taint {wanted}" if wanted else "the nodes' taints"),
        root_cause=cause,
        evidence=evidence,
        remediation=fix,
    )


def _taint_to_tolerate(case: PendingCase, by_taint: Mapping[Taint, list[str]]) -> Taint | None:
    """The pool taint standing between the pod and the closest node (most common otherwise)."""
    for fit in case.blocked_by(Blocker.TAINT):
        pool = [t for t in fit.taints if not t.is_health and not t.is_control_plane]
        if pool and set(fit.blockers) <= {Blocker.TAINT, Blocker.RESOURCES}:
            return pool[0]
    counts = Counter({t: len(n) for t, n in by_taint.items() if not t.is_health})
    return counts.most_common(1)[0][0] if counts else None


def _fix(summary: str, case: PendingCase, taint: Taint | None) -> Remediation:
    commands: list[str] = []
    steps = []
    selects = case.verdict is not None and case.verdict.of(Blocker.NODE_AFFINITY)
    if case.pod.containers and not selects and pod_node_constraint(case.pod).is_empty:
        steps.append(
            "A toleration only allows the pod onto those nodes; add a nodeSelector too if it "
            "must run there and nowhere else."
        )
    if taint is not None:
        tolerations = [dict(t) for t in case.pod.tolerations if not _admission_default(t)]
        change = {"tolerations": [*tolerations, taint.toleration()]}
        patch = template_patch(case.workload, change)
        if patch:
            commands.append(patch)
        else:
            steps += [step for step in (recreate_step(case.workload, change, case.pod),) if step]
    commands.append("kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints")
    return Remediation(
        summary=summary,
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The tainted nodes accept the pod: PodScheduled becomes True.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _admission_default(toleration: Mapping[str, Any]) -> bool:
    """The not-ready/unreachable tolerations the API server adds to every pod by itself."""
    return (
        toleration.get("key") in _DEFAULT_TOLERATION_KEYS
        and toleration.get("effect") == "NoExecute"
        and toleration.get("tolerationSeconds") == _DEFAULT_TOLERATION_SECONDS
    )


def _health_taints(case: PendingCase, listing: str, evidence: tuple[Evidence, ...]) -> Explanation:
    return Explanation(
        category=Category.SCHEDULING_TAINT,
        summary="Pod cannot be scheduled: the nodes that would take it are unhealthy",
        root_cause=f"Pod {case.pod.name} cannot be placed because the nodes that would take it "
        f"carry node-health taints ({listing}). Kubernetes keeps new pods off unhealthy nodes; "
        "the fix is the node, not a toleration.",
        evidence=evidence,
        remediation=Remediation(
            summary="Repair the unhealthy nodes (see the node findings); do not add tolerations.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="Once the node is healthy its taint is removed and the pod schedules.",
            steps=("Read the node's conditions and events to see why it is unhealthy.",),
            commands=("kubectl get nodes", "kubectl describe nodes | grep -A8 Conditions"),
        ),
    )


def _control_plane_taints(
    case: PendingCase, by_taint: Mapping[Taint, list[str]], evidence: tuple[Evidence, ...]
) -> Explanation:
    taint, nodes = next(iter(by_taint.items()))
    tolerations = [dict(t) for t in case.pod.tolerations if not _admission_default(t)]
    change = {"tolerations": [*tolerations, taint.toleration()]}
    patch = template_patch(case.workload, change)
    recreate = recreate_step(case.workload, change, case.pod)
    return Explanation(
        category=Category.SCHEDULING_TAINT,
        summary=f"Pod cannot be scheduled: only control-plane nodes ({taint}) are left",
        root_cause=f"The only nodes the pod could use are control-plane nodes with taint {taint} "
        f"({names(nodes)}), which keeps ordinary workloads off them. The cluster has no worker "
        "node that accepts the pod.",
        evidence=evidence,
        remediation=Remediation(
            summary="Add a worker node; on a single-node test cluster, let this workload "
            "tolerate the control-plane taint.",
            risk=RiskTier.MEDIUM,
            reversible=True,
            expected_outcome="A node without the control-plane taint, or the control-plane node "
            "for this workload, accepts the pod.",
            steps=(
                "Production: add worker nodes (or fix the node pool that should provide them).",
                "Single-node or lab clusters: the command lets only this workload onto the "
                "control-plane node.",
                *((recreate,) if recreate else ()),
                f"Or remove the taint from the node (kubectl taint nodes {nodes[0]} {taint}-): "
                "a change to a shared node that lets every workload onto the control plane.",
            ),
            commands=(patch,) if patch else (),
        ),
    )


def explain_affinity(case: PendingCase, blocker: Blocker) -> Explanation:
    """Label, volume-zone or pod (anti-)affinity rules that no node satisfies."""
    if blocker is Blocker.VOLUME_NODE_AFFINITY:
        return explain_pinned_volume(case) or _volume_affinity(case)
    if blocker in (Blocker.POD_AFFINITY, Blocker.TOPOLOGY_SPREAD):
        return explain_pod_rules(case, blocker)
    return _node_affinity(case)


def _node_affinity(case: PendingCase) -> Explanation:
    constraint = pod_node_constraint(case.pod)
    nodes = [f.node for f in case.fits]
    unmatched = [r for r in constraint.all_requirements if not any(r.matches(n) for n in nodes)]
    closest = next((f for f in case.fits if Blocker.NODE_AFFINITY in f.blockers), None)
    unmet = unmatched or (list(closest.unmet_labels) if closest else [])
    wanted = ", ".join(str(r) for r in constraint.all_requirements) or "its node affinity"
    cause = f"No node matches the node selection of pod {case.pod.name}: "
    if nodes and unmet:
        cause += "; ".join(_present_values(r, nodes) for r in unmet) + "."
    elif nodes:
        cause += f"{wanted} requested, and no node that accepts the pod has all of it."
    else:
        cause += f"{wanted} requested, and the scheduler found no node carrying it."
    if closest is not None:
        cause += f" The closest node is {closest.node.name}."
    evidence = []
    if constraint.required:
        selector = ", ".join(str(r) for r in constraint.required)
        evidence.append(
            pod_spec_evidence(case.pod, "spec.nodeSelector", f"nodeSelector {selector}")
        )
    if constraint.terms:
        terms = " OR ".join(", ".join(str(r) for r in term) for term in constraint.terms)
        evidence.append(
            pod_spec_evidence(
                case.pod,
                "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
                f"required node affinity {terms}",
            )
        )
    return Explanation(
        category=Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        summary=f"Pod cannot be scheduled: no node matches {wanted}",
        root_cause=cause,
        evidence=(*evidence, *node_evidence(case)),
        remediation=_selector_fix(case, unmet, nodes, constraint.required),
    )


def _present_values(requirement: Requirement, nodes: Sequence[Node]) -> str:
    """``disktype=ssd requested, nodes have disktype=hdd (worker-1, worker-2)``."""
    return f"{requirement} requested, {_what_nodes_have(requirement.key, nodes)}"


def _what_nodes_have(key: str, nodes: Sequence[Node]) -> str:
    values = label_values(nodes, key)
    if not values:
        return f"no node has a {key} label"
    return "nodes have " + ", ".join(f"{key}={v} ({names(n, 3)})" for v, n in values.items())


def _selector_fix(
    case: PendingCase,
    unmet: Sequence[Requirement],
    nodes: Sequence[Node],
    from_selector: Sequence[Requirement],
) -> Remediation:
    commands: list[str] = []
    steps = [
        "Decide which side is wrong: the pod's selector (a typo, a stale value) or the nodes' "
        "labels."
    ]
    for requirement in unmet[:2]:
        values = label_values(nodes, requirement.key)
        if requirement in from_selector and len(values) == 1:
            change = {"nodeSelector": {requirement.key: next(iter(values))}}
            patch = template_patch(case.workload, change)
            commands += [patch] if patch else []
            steps += [s for s in (recreate_step(case.workload, change, case.pod),) if s]
        if requirement.operator == "In" and nodes:
            # A node is shared: labelling it is the alternative, never the first fix.
            target = values[next(iter(values))][0] if values else nodes[0].name
            steps.append(
                f"Or, if node {target} is meant for this workload, label it: kubectl label node "
                f"{target} {requirement.key}={requirement.values[0]} --overwrite — a change to a "
                "shared node: it replaces the value other workloads may select it by, and "
                f"draws every pod that selects {requirement}."
            )
    commands.append("kubectl get nodes --show-labels")
    return Remediation(
        summary="Make the pod's node selector match labels that nodes carry, or label the "
        "nodes meant for it.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="At least one node matches the selector: PodScheduled becomes True.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _volume_affinity(case: PendingCase) -> Explanation:
    nodes = [f.node for f in case.fits]
    parts, pv_names = [], []
    for claim in case.claims:
        constraint = claim.volume_constraint
        if constraint is None or claim.pv is None:
            continue
        pv_names.append(claim.pv.name)
        rules = ", ".join(str(r) for r in constraint.all_requirements)
        part = f"volume {claim.volume} (PersistentVolume {claim.pv.name}) is usable only on "
        part += f"nodes with {rules}"
        if nodes:
            keys = dict.fromkeys(r.key for r in constraint.all_requirements)
            part += "; " + "; ".join(_what_nodes_have(key, nodes) for key in keys)
        parts.append(part)
    cause = f"Pod {case.pod.name} is tied to where its data lives: "
    cause += "; ".join(parts) if parts else "a bound PersistentVolume's node affinity"
    cause += ". No node that accepts the pod is there."
    commands = [f"kubectl get pv {name} -o jsonpath='{{.spec.nodeAffinity}}'" for name in pv_names]
    return Explanation(
        category=Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        summary="Pod cannot be scheduled: its volume lives where no node can take the pod",
        root_cause=cause,
        evidence=tuple(node_evidence(case)),
        remediation=Remediation(
            summary="Provide a schedulable node in the volume's zone, or move the data to a "
            "volume where the pod's nodes are.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The pod lands on a node that can attach its volume.",
            steps=(
                "Check the node pool of that zone: scaled to zero, or all its nodes tainted/full.",
                "To move the data: snapshot the volume and restore it in a zone with nodes.",
                "For new volumes, a StorageClass with volumeBindingMode: WaitForFirstConsumer "
                "creates the disk where the pod is scheduled.",
            ),
            commands=(*commands[:2], "kubectl get nodes -L topology.kubernetes.io/zone"),
        ),
    )
