"""Pending because of rules about other pods: pod (anti-)affinity and topology spread.

The common case is arithmetic: a required anti-affinity against the workload's own labels per
``kubernetes.io/hostname`` allows one replica per node, so replicas beyond the node count wait
forever. The scheduler's message counts the nodes ("0/1 nodes are available"), the view shows
the replicas already placed: together they say "2 replicas, 1 node" and how many fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubemedic.analyzers._pending_case import Explanation, PendingCase, names, pod_spec_evidence
from kubemedic.analyzers._scheduler_message import Blocker
from kubemedic.models.categories import Category
from kubemedic.models.findings import Remediation
from kubemedic.models.k8s import Pod, dig
from kubemedic.models.severity import RiskTier

HOSTNAME = "kubernetes.io/hostname"
_SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})
_SPREAD_FIX = (
    "Use whenUnsatisfiable: ScheduleAnyway, raise maxSkew, or add nodes (carrying the topology "
    "label) in the missing domains."
)
_AFFINITY_FIX = (
    "Relax the rule to preferredDuringSchedulingIgnoredDuringExecution, add nodes, or run "
    "fewer replicas."
)
_ONE_PER_NODE = (
    "Required anti-affinity on kubernetes.io/hostname allows one replica per node: replicas "
    "above the node count stay Pending."
)


def explain_pod_rules(case: PendingCase, blocker: Blocker) -> Explanation:
    verdict_lines = (
        [f"{r.count} {r.text}" for r in case.verdict.of(blocker)] if case.verdict else []
    )
    if blocker is Blocker.TOPOLOGY_SPREAD:
        rules, what, fix = _spread_rules(case.pod.spec), "topology spread constraints", _SPREAD_FIX
    else:
        rules, what = _affinity_rules(case.pod.affinity), "pod affinity/anti-affinity rules"
        fix = _AFFINITY_FIX
    cause = f"Pod {case.pod.name} has required {what} "
    cause += f"({'; '.join(rules) or 'see spec.affinity'}) that no node can satisfy"
    cause += f": {'; '.join(verdict_lines)}." if verdict_lines else "."
    placed = _placed_siblings(case) if blocker is Blocker.POD_AFFINITY else []
    nodes = case.verdict.total_nodes if case.verdict is not None else None
    full = (
        nodes is not None
        and len(placed) >= nodes
        and blocker is Blocker.POD_AFFINITY
        and _repels_own_replicas_per_node(case.pod)
    )
    if full and nodes is not None:
        cause += (
            f" The scheduler counted {nodes} node(s) and the rule allows one replica of "
            f"{case.workload} per node: {len(placed)} already run ({names(placed)}), so this "
            f"one has nowhere to go. At most {nodes} replica(s) fit."
        )
    elif placed:
        cause += f" Pods of {case.workload} already run on {names(placed)}"
        cause += f", out of {len(case.fits)} node(s)." if case.fits else "."
    commands = [f"kubectl get {case.workload.kubectl_ref} -o yaml", "kubectl get nodes"]
    steps = [_ONE_PER_NODE]
    if full and nodes is not None and case.workload.kind in _SCALABLE:
        commands.insert(0, f"kubectl scale {case.workload.kubectl_ref} --replicas={nodes}")
        steps = [
            f"On {nodes} node(s), run {nodes} replica(s) (the command; set the replica count "
            "where the workload is defined too — Helm values, operator resource — or it comes "
            "back), or add nodes, or relax the rule to preferred.",
        ]
    return Explanation(
        category=Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        summary=f"Pod cannot be scheduled: its {what} cannot be met"
        + (f" (one replica per node, {nodes} node(s))" if full else ""),
        root_cause=cause,
        evidence=tuple(pod_spec_evidence(case.pod, "spec.affinity", r) for r in rules[:3]),
        remediation=Remediation(
            summary=fix,
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The rule can be met: PodScheduled becomes True.",
            steps=tuple(steps),
            commands=tuple(commands),
        ),
    )


def _placed_siblings(case: PendingCase) -> list[str]:
    """``kafka-0 on broker-a``: where the workload's other pods already sit (or that they run,
    when a pasted table did not show the node)."""
    placed = []
    for pod in case.view.pods_of(case.workload):
        if pod is case.pod or pod.phase in ("Succeeded", "Failed"):
            continue
        if pod.node_name:
            placed.append(f"{pod.name} on {pod.node_name}")
        elif pod.phase == "Running":
            placed.append(f"{pod.name} (Running)")
    return placed


def _repels_own_replicas_per_node(pod: Pod) -> bool:
    """A required anti-affinity term per hostname whose selector picks the pod's own labels."""
    terms = dig(pod.affinity, "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
    return any(
        isinstance(term, Mapping)
        and term.get("topologyKey") == HOSTNAME
        and _picks(term.get("labelSelector"), pod.labels)
        for term in terms or ()
    )


def _picks(selector: object, labels: Mapping[str, str]) -> bool:
    """``matchLabels`` and the ``In``/``Exists`` expressions a self anti-affinity uses."""
    if not isinstance(selector, Mapping):
        return False
    wanted = selector.get("matchLabels") or {}
    if not isinstance(wanted, Mapping) or any(labels.get(k) != v for k, v in wanted.items()):
        return False
    expressions = [e for e in selector.get("matchExpressions") or () if isinstance(e, Mapping)]
    for expression in expressions:
        value = labels.get(str(expression.get("key")))
        operator = expression.get("operator")
        if operator == "In" and value not in (expression.get("values") or ()):
            return False
        if operator == "Exists" and value is None:
            return False
        if operator not in ("In", "Exists"):
            return False
    return bool(wanted) or bool(expressions)


def _spread_rules(spec: Mapping[str, Any]) -> list[str]:
    return [
        f"maxSkew {c.get('maxSkew')} over {c.get('topologyKey')} ({c.get('whenUnsatisfiable')})"
        for c in spec.get("topologySpreadConstraints") or ()
        if isinstance(c, Mapping)
    ]


def _affinity_rules(affinity: Mapping[str, Any]) -> list[str]:
    rules = []
    for kind in ("podAntiAffinity", "podAffinity"):
        required = dig(affinity, kind, "requiredDuringSchedulingIgnoredDuringExecution")
        for term in required or ():
            if isinstance(term, Mapping):
                selector = _selector_text(term.get("labelSelector")) or "a label selector"
                rules.append(f"{kind} on pods {selector} per {term.get('topologyKey')}")
    return rules


def _selector_text(selector: object) -> str:
    """``app=kafka`` or ``name In (minio-operator)``."""
    if not isinstance(selector, Mapping):
        return ""
    labels = selector.get("matchLabels") or {}
    parts: Sequence[str] = (
        [f"{k}={v}" for k, v in labels.items()] if isinstance(labels, Mapping) else []
    )
    for expression in selector.get("matchExpressions") or ():
        if isinstance(expression, Mapping):
            values = ", ".join(str(v) for v in expression.get("values") or ())
            tail = f" ({values})" if values else ""
            parts = [*parts, f"{expression.get('key')} {expression.get('operator')}{tail}"]
    return ",".join(parts)
