"""PodTopologySpread: how unevenly matching pods may spread over a topology key.

For each ``DoNotSchedule`` constraint a node is refused when placing the pod there would make
its domain hold more than ``maxSkew`` matching pods above the emptiest domain (``minDomains``
counts missing domains as empty): ``node(s) didn't match pod topology spread constraints``, or
``... (missing required label)`` for a node without the key. Domains are the nodes the pod
could use at all (its node affinity honoured, taints ignored, by default); terminating pods do
not count. ``ScheduleAnyway`` constraints only score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.sandbox.scheduling.nodeaffinity import matches_node, untolerated_taint
from kubemedic.sandbox.scheduling.placed import PlacedPod, selects

Obj = dict[str, Any]
NOT_MATCHED = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = f"{NOT_MATCHED} (missing required label)"


@dataclass(frozen=True, slots=True)
class Constraint:
    max_skew: int
    topology_key: str
    hard: bool
    selector: Mapping[str, Any] | None
    min_domains: int
    honor_affinity: bool
    honor_taints: bool


def constraints(pod: Obj) -> list[Constraint]:
    spec = pod.get("spec") or {}
    labels = pod["metadata"].get("labels") or {}
    result = []
    for raw in spec.get("topologySpreadConstraints") or []:
        selector = raw.get("labelSelector")
        keys = [k for k in raw.get("matchLabelKeys") or [] if k in labels]
        if selector is not None and keys:
            extra = [{"key": k, "operator": "In", "values": [labels[k]]} for k in keys]
            selector = {
                **selector,
                "matchExpressions": [*(selector.get("matchExpressions") or []), *extra],
            }
        result.append(
            Constraint(
                max_skew=int(raw.get("maxSkew") or 1),
                topology_key=str(raw.get("topologyKey") or ""),
                hard=raw.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule",
                selector=selector,
                min_domains=int(raw.get("minDomains") or 1),
                honor_affinity=raw.get("nodeAffinityPolicy", "Honor") == "Honor",
                honor_taints=raw.get("nodeTaintsPolicy", "Ignore") == "Honor",
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class SpreadCheck:
    """Matching pods per domain for each of the pod's constraints."""

    constraints: tuple[Constraint, ...]
    counts: tuple[Counter[str], ...]
    self_match: tuple[bool, ...]

    def verdict(self, node_labels: Mapping[str, str]) -> tuple[str, bool] | None:
        """None if the node passes; else the reason and whether preemption could help."""
        for index, constraint in enumerate(self.constraints):
            if not constraint.hard:
                continue
            value = node_labels.get(constraint.topology_key)
            if value is None:
                return MISSING_LABEL, False
            counts = self.counts[index]
            lowest = min(counts.values(), default=0)
            if len(counts) < constraint.min_domains:
                lowest = 0
            skew = counts[value] + int(self.self_match[index]) - lowest
            if skew > constraint.max_skew:
                return NOT_MATCHED, True
        return None

    def crowding(self, node_labels: Mapping[str, str]) -> int:
        """How many matching pods the node's domains already hold, for soft constraints."""
        return sum(
            self.counts[i][node_labels.get(c.topology_key, "")]
            for i, c in enumerate(self.constraints)
            if not c.hard
        )


def check(pod: Obj, nodes: Sequence[Obj], placed: Iterable[PlacedPod]) -> SpreadCheck:
    found = constraints(pod)
    if not found:
        return SpreadCheck((), (), ())
    spec = pod.get("spec") or {}
    labels = pod["metadata"].get("labels") or {}
    namespace = pod["metadata"].get("namespace")
    hard_keys = [c.topology_key for c in found if c.hard]
    counts: list[Counter[str]] = []
    pods = [p for p in placed if p.namespace == namespace and not p.terminating]
    node_labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in nodes}
    for constraint in found:
        eligible = _eligible(constraint, hard_keys, spec)
        domains: Counter[str] = Counter()
        for node in nodes:
            where = node_labels[node["metadata"]["name"]]
            if eligible(node) and constraint.topology_key in where:
                domains[where[constraint.topology_key]] += 0
        for other in pods:
            value = node_labels.get(other.node, {}).get(constraint.topology_key)
            if (
                value is not None
                and value in domains
                and selects(constraint.selector, other.labels)
            ):
                domains[value] += 1
        counts.append(domains)
    itself = tuple(selects(c.selector, labels) for c in found)
    return SpreadCheck(tuple(found), tuple(counts), itself)


def _eligible(
    constraint: Constraint, hard_keys: list[str], spec: Mapping[str, Any]
) -> Callable[[Obj], bool]:
    def eligible(node: Obj) -> bool:
        labels = node["metadata"].get("labels") or {}
        if any(key not in labels for key in hard_keys):
            return False
        if constraint.honor_affinity and not matches_node(spec, node):
            return False
        return not (constraint.honor_taints and untolerated_taint(spec, node) is not None)

    return eligible
