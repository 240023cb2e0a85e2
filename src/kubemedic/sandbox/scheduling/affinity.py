"""InterPodAffinity: pod affinity and anti-affinity by topology key, as the scheduler judges it.

A required affinity term needs a matching pod in the candidate node's topology domain (the
first pod of a group that matches its own terms may start anywhere the key exists); a required
anti-affinity term forbids one; and an existing pod's anti-affinity forbids the new pod too.
The verdicts carry the scheduler's words (``node(s) didn't match pod affinity rules``, ``...
pod anti-affinity rules``, ``node(s) didn't satisfy existing pods anti-affinity rules``);
preferred terms only score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.sandbox.scheduling.placed import PlacedPod, selects

Obj = dict[str, Any]
Labels = Mapping[str, str]
Pair = tuple[str, str]

AFFINITY_NOT_MATCHED = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_NOT_MATCHED = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
_REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
_PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"


@dataclass(frozen=True, slots=True)
class Term:
    """One pod (anti-)affinity term, resolved against the namespace of the pod that owns it."""

    selector: Mapping[str, Any] | None
    topology_key: str
    namespaces: frozenset[str]
    namespace_selector: Mapping[str, Any] | None
    weight: int = 1

    def matches(self, labels: Labels, namespace: str, namespace_labels: NamespaceLabels) -> bool:
        if namespace not in self.namespaces and (
            self.namespace_selector is None
            or not selects(self.namespace_selector, namespace_labels(namespace))
        ):
            return False
        return selects(self.selector, labels)


NamespaceLabels = Callable[[str], Labels]


def has_pod_terms(affinity: Mapping[str, Any]) -> bool:
    """Whether the affinity has any pod affinity or anti-affinity term, required or preferred."""
    return any(affinity.get(kind) for kind in ("podAffinity", "podAntiAffinity"))


def terms(affinity: Mapping[str, Any], kind: str, namespace: str, labels: Labels) -> list[Term]:
    """The required terms of ``kind`` (``podAffinity`` / ``podAntiAffinity``)."""
    section = affinity.get(kind) or {}
    return [_term(raw, namespace, labels, 1) for raw in section.get(_REQUIRED) or []]


def preferred_terms(
    affinity: Mapping[str, Any], kind: str, namespace: str, labels: Labels
) -> list[Term]:
    section = affinity.get(kind) or {}
    return [
        _term(raw.get("podAffinityTerm") or {}, namespace, labels, int(raw.get("weight") or 0))
        for raw in section.get(_PREFERRED) or []
    ]


def _term(raw: Mapping[str, Any], namespace: str, labels: Labels, weight: int) -> Term:
    selector = raw.get("labelSelector")
    extra = [
        {"key": key, "operator": operator, "values": [labels[key]]}
        for field, operator in (("matchLabelKeys", "In"), ("mismatchLabelKeys", "NotIn"))
        for key in raw.get(field) or []
        if key in labels
    ]
    if selector is not None and extra:
        selector = {
            **selector,
            "matchExpressions": [*(selector.get("matchExpressions") or []), *extra],
        }
    names = frozenset(str(n) for n in raw.get("namespaces") or [])
    ns_selector = raw.get("namespaceSelector")
    if not names and ns_selector is None:
        names = frozenset({namespace})
    return Term(selector, str(raw.get("topologyKey") or ""), names, ns_selector, weight)


@dataclass(frozen=True, slots=True)
class AffinityCheck:
    """What the placed pods say about one incoming pod, counted per topology pair."""

    affinity: tuple[Term, ...]
    anti_affinity: tuple[Term, ...]
    affinity_counts: Counter[Pair]
    anti_affinity_counts: Counter[Pair]
    existing_anti_affinity: Counter[Pair]
    matches_itself: bool

    def verdict(self, node_labels: Labels) -> tuple[str, bool] | None:
        """None if the node passes; else the reason and whether preemption could help."""
        if not self._affinity_satisfied(node_labels):
            return AFFINITY_NOT_MATCHED, False
        for term in self.anti_affinity:
            value = node_labels.get(term.topology_key)
            if value is not None and self.anti_affinity_counts[(term.topology_key, value)] > 0:
                return ANTI_AFFINITY_NOT_MATCHED, True
        if any(self.existing_anti_affinity[pair] > 0 for pair in node_labels.items()):
            return EXISTING_ANTI_AFFINITY, True
        return None

    def _affinity_satisfied(self, node_labels: Labels) -> bool:
        found = True
        for term in self.affinity:
            value = node_labels.get(term.topology_key)
            if value is None:
                return False
            if self.affinity_counts[(term.topology_key, value)] <= 0:
                found = False
        return found or (not self.affinity_counts and self.matches_itself)


def check(
    pod: Obj,
    placed: Iterable[PlacedPod],
    node_labels: Mapping[str, Labels],
    namespace_labels: NamespaceLabels,
) -> AffinityCheck:
    """Count, per topology pair, the placed pods the incoming pod's rules (and theirs) hit."""
    meta = pod["metadata"]
    namespace, labels = str(meta.get("namespace") or ""), meta.get("labels") or {}
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    wanted = tuple(terms(affinity, "podAffinity", namespace, labels))
    avoided = tuple(terms(affinity, "podAntiAffinity", namespace, labels))
    counts: Counter[Pair] = Counter()
    anti: Counter[Pair] = Counter()
    existing: Counter[Pair] = Counter()
    for other in placed:
        where = node_labels.get(other.node, {})
        if wanted and all(
            t.matches(other.labels, other.namespace, namespace_labels) for t in wanted
        ):
            counts.update(
                (t.topology_key, where[t.topology_key]) for t in wanted if t.topology_key in where
            )
        for term in avoided:
            if term.topology_key in where and term.matches(
                other.labels, other.namespace, namespace_labels
            ):
                anti[(term.topology_key, where[term.topology_key])] += 1
        theirs = terms(other.affinity, "podAntiAffinity", other.namespace, other.labels)
        for term in theirs:
            if term.topology_key in where and term.matches(labels, namespace, namespace_labels):
                existing[(term.topology_key, where[term.topology_key])] += 1
    itself = all(t.matches(labels, namespace, namespace_labels) for t in wanted)
    return AffinityCheck(wanted, avoided, counts, anti, existing, itself)


def preference(
    pod: Obj,
    placed: Iterable[PlacedPod],
    node_labels: Mapping[str, Labels],
    namespace_labels: NamespaceLabels,
) -> Counter[Pair]:
    """Weights per topology pair from preferred terms (the pod's, and placed pods' towards it)."""
    meta = pod["metadata"]
    namespace, labels = str(meta.get("namespace") or ""), meta.get("labels") or {}
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    liked = preferred_terms(affinity, "podAffinity", namespace, labels)
    disliked = preferred_terms(affinity, "podAntiAffinity", namespace, labels)
    scores: Counter[Pair] = Counter()
    for other in placed:
        where = node_labels.get(other.node, {})
        for sign, mine in ((1, liked), (-1, disliked)):
            for term in mine:
                if term.topology_key in where and term.matches(
                    other.labels, other.namespace, namespace_labels
                ):
                    scores[(term.topology_key, where[term.topology_key])] += sign * term.weight
        theirs = [
            *terms(other.affinity, "podAffinity", other.namespace, other.labels),
            *preferred_terms(other.affinity, "podAffinity", other.namespace, other.labels),
        ]
        avoiding = preferred_terms(other.affinity, "podAntiAffinity", other.namespace, other.labels)
        for sign, group in ((1, theirs), (-1, avoiding)):
            for term in group:
                if term.topology_key in where and term.matches(labels, namespace, namespace_labels):
                    scores[(term.topology_key, where[term.topology_key])] += sign * term.weight
    return scores
