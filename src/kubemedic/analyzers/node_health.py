"""Nodes that are down, under resource pressure, without pod networking, or cordoned.

Only conditions that mean trouble count: ``Ready`` False/Unknown, ``MemoryPressure`` /
``DiskPressure`` / ``PIDPressure`` / ``NetworkUnavailable`` True. Healthy-polarity conditions
(``Ready`` True, ``KernelReady``, ``ContainerRuntimeReady``, pressures False) are never problems.
Each finding lists the pods bound to the node, because those are what the user loses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubemedic.analyzers._build import event_evidence
from kubemedic.analyzers._registry import Analyzer
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import Node, Pod
from kubemedic.models.severity import RiskTier, Severity

if TYPE_CHECKING:  # the explanations are imported once a node is in trouble
    from kubemedic.analyzers._node_explain import NodeCase, NodeExplanation

IDS = {
    Category.NODE_NOT_READY: "KM-NODE-NOT-READY",
    Category.NODE_PRESSURE: "KM-NODE-PRESSURE",
    Category.NODE_NETWORK_UNAVAILABLE: "KM-NODE-NETWORK-UNAVAILABLE",
    Category.NODE_CORDONED: "KM-NODE-CORDONED",
}
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure")
_TERMINAL = frozenset({"Succeeded", "Failed"})


def analyze(view: ClusterView) -> Iterator[Finding]:
    troubled = [node for node in view.nodes if _has_trouble(node)]
    if not troubled:
        return
    from kubemedic.analyzers._node_explain import (
        NodeCase,
        explain_network,
        explain_not_ready,
        explain_pressure,
    )

    live, evicted = _pods_by_node(view, {n.name for n in troubled})
    for node in troubled:
        case = NodeCase(view, node, tuple(live[node.name]), tuple(evicted[node.name]))
        ready = node.condition("Ready")
        if ready is not None and ready.status in ("False", "Unknown"):
            yield _finding(case, Category.NODE_NOT_READY, explain_not_ready(case, ready))
        pressures = [c for c in (node.condition(p) for p in PRESSURES) if c and c.is_true]
        if pressures:
            yield _finding(case, Category.NODE_PRESSURE, explain_pressure(case, pressures))
        network = node.condition("NetworkUnavailable")
        if network is not None and network.is_true:
            yield _finding(case, Category.NODE_NETWORK_UNAVAILABLE, explain_network(case, network))
        if node.unschedulable:
            yield _cordoned(case)


def _has_trouble(node: Node) -> bool:
    if node.unschedulable:
        return True
    ready = node.condition("Ready")
    if ready is not None and ready.status in ("False", "Unknown"):
        return True
    return any(
        (cond := node.condition(kind)) is not None and cond.is_true
        for kind in (*PRESSURES, "NetworkUnavailable")
    )


def _pods_by_node(
    view: ClusterView, names: set[str]
) -> tuple[dict[str, list[Pod]], dict[str, list[Pod]]]:
    """Live and evicted pods of the troubled nodes: one pass over the pods, only when needed."""
    live: dict[str, list[Pod]] = defaultdict(list)
    evicted: dict[str, list[Pod]] = defaultdict(list)
    for pod in view.pods:
        if pod.node_name not in names:
            continue
        if pod.phase not in _TERMINAL:
            live[pod.node_name].append(pod)
        elif pod.reason == "Evicted":
            evicted[pod.node_name].append(pod)
    return live, evicted


def _finding(case: NodeCase, category: Category, explanation: NodeExplanation) -> Finding:
    events = case.events
    since = [c.last_transition for c in explanation.conditions if c.last_transition is not None]
    last = [e.last_seen for e in events if e.last_seen is not None]
    return Finding(
        id=IDS[category],
        severity=explanation.severity,
        category=category,
        object=case.node.ref,
        summary=explanation.summary,
        root_cause=explanation.root_cause,
        evidence=(
            *explanation.evidence,
            *(event_evidence(e) for e in events[-2:]),
            *case.pods_evidence,
        ),
        remediation=explanation.remediation,
        affected=case.affected,
        first_seen=min(since, default=None),
        last_seen=max([*last, *since], default=None),
        analyzer="node_health",
    )


def _cordoned(case: NodeCase) -> Finding:
    node = case.node
    pods = f"the {len(case.pods)} pod(s)" if case.pods or case.view.pods else "the pods"
    return Finding(
        id=IDS[Category.NODE_CORDONED],
        severity=Severity.INFO,
        category=Category.NODE_CORDONED,
        object=node.ref,
        summary=f"Node {node.name} is cordoned: no new pods are scheduled on it",
        root_cause=f"Node {node.name} has spec.unschedulable set (kubectl cordon or drain); "
        f"{pods} on it keep running. This is normal during maintenance.",
        evidence=(
            Evidence(
                "spec.unschedulable: true",
                EvidenceSource.SPEC,
                f"Node {node.name} spec.unschedulable",
            ),
        ),
        remediation=Remediation(
            summary=f"When the maintenance on {node.name} is over, uncordon it.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The scheduler may place new pods on the node again.",
            commands=(f"kubectl uncordon {node.name}",),
        ),
        affected=case.affected,
        analyzer="node_health",
    )


ANALYZER = Analyzer(
    name="node_health",
    description="Nodes NotReady or unreachable, under memory/disk/PID pressure, without pod "
    "networking, or cordoned (informational).",
    categories=tuple(IDS),
    analyze=analyze,
)
