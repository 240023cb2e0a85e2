"""Where a pod is allowed to run: taints against tolerations, node labels against selectors.

These are the scheduler's placement rules re-stated on raw JSON, so kubemedic can say *which*
taint is not tolerated and *which* label requirement no node meets, instead of repeating the
scheduler's count of rejected nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.models.k8s import Node, Pod, dig

BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})

# Taints the node lifecycle controller and kubelet put on unhealthy nodes: the fix is the node.
HEALTH_TAINTS = frozenset(
    {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/network-unavailable",
        "node.kubernetes.io/out-of-service",
        "node.cloudprovider.kubernetes.io/uninitialized",
    }
)
CONTROL_PLANE_TAINTS = frozenset(
    {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}
)


@dataclass(frozen=True, slots=True)
class Taint:
    """A node taint: ``key=value:effect``."""

    key: str
    value: str
    effect: str

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Taint:
        return cls(
            str(raw.get("key") or ""), str(raw.get("value") or ""), str(raw.get("effect") or "")
        )

    def __str__(self) -> str:
        value = f"={self.value}" if self.value else ""
        effect = f":{self.effect}" if self.effect else ""
        return f"{self.key}{value}{effect}"

    @property
    def is_health(self) -> bool:
        return self.key in HEALTH_TAINTS

    @property
    def is_control_plane(self) -> bool:
        return self.key in CONTROL_PLANE_TAINTS

    def toleration(self) -> dict[str, str]:
        """The toleration that lets a pod onto a node with this taint (any effect if unknown)."""
        toleration = {"key": self.key, "operator": "Equal" if self.value else "Exists"}
        if self.value:
            toleration["value"] = self.value
        if self.effect:
            toleration["effect"] = self.effect
        return toleration


def tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Taint) -> bool:
    """True when one toleration matches the taint (empty key + Exists tolerates everything)."""
    for toleration in tolerations:
        effect = toleration.get("effect") or ""
        if effect and effect != taint.effect:
            continue
        key = toleration.get("key") or ""
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists" and (not key or key == taint.key):
            return True
        if (
            operator == "Equal"
            and key == taint.key
            and (toleration.get("value") or "") == (taint.value)
        ):
            return True
    return False


def untolerated_taints(pod: Pod, node: Node) -> tuple[Taint, ...]:
    """The node's NoSchedule/NoExecute taints this pod does not tolerate."""
    tolerations = pod.tolerations
    taints = (Taint.from_raw(raw) for raw in node.taints)
    return tuple(
        t for t in taints if t.effect in BLOCKING_EFFECTS and not tolerates(tolerations, t)
    )


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label requirement: a nodeSelector entry or a nodeSelectorTerm expression."""

    key: str
    operator: str
    values: tuple[str, ...]
    field: bool = False

    def matches(self, node: Node) -> bool:
        present = self._value_on(node)
        if self.operator == "In":
            return present is not None and present in self.values
        if self.operator == "NotIn":
            return present is None or present not in self.values
        if self.operator == "Exists":
            return present is not None
        if self.operator == "DoesNotExist":
            return present is None
        if self.operator in ("Gt", "Lt"):
            return _compare(present, self.operator, self.values)
        return False

    def _value_on(self, node: Node) -> str | None:
        if self.field:
            return node.name if self.key == "metadata.name" else None
        value = node.labels.get(self.key)
        return None if value is None else str(value)

    def __str__(self) -> str:
        if self.operator == "In" and len(self.values) == 1:
            return f"{self.key}={self.values[0]}"
        if self.operator == "NotIn" and len(self.values) == 1:
            return f"{self.key}!={self.values[0]}"
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{self.key} {self.operator}"
        if self.operator in ("Gt", "Lt"):
            return f"{self.key} {'>' if self.operator == 'Gt' else '<'} {self.values[0]}"
        return f"{self.key} {self.operator} ({', '.join(self.values)})"


def _compare(present: str | None, operator: str, values: Sequence[str]) -> bool:
    if present is None or len(values) != 1:
        return False
    try:
        have, want = int(present), int(values[0])
    except ValueError:
        return False
    return have > want if operator == "Gt" else have < want


@dataclass(frozen=True, slots=True)
class NodeConstraint:
    """Labels a node must carry: every ``required`` entry and (if any) one of the ``terms``."""

    required: tuple[Requirement, ...] = ()
    terms: tuple[tuple[Requirement, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.terms

    def unmet(self, node: Node) -> tuple[Requirement, ...]:
        """The requirements this node misses (for terms, those of the closest term)."""
        missing = [r for r in self.required if not r.matches(node)]
        if self.terms:
            per_term = [tuple(r for r in term if not r.matches(node)) for term in self.terms]
            closest_term = min(per_term, key=len)
            missing.extend(closest_term)
        return tuple(missing)

    @property
    def all_requirements(self) -> tuple[Requirement, ...]:
        return self.required + tuple(r for term in self.terms for r in term)


def pod_node_constraint(pod: Pod) -> NodeConstraint:
    """The pod's nodeSelector plus its required node affinity."""
    required = tuple(
        Requirement(str(key), "In", (str(value),)) for key, value in pod.node_selector.items()
    )
    terms = dig(
        pod.affinity,
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    )
    return NodeConstraint(required, _terms(terms))


def volume_node_constraint(volume: Mapping[str, Any]) -> NodeConstraint:
    """A PersistentVolume's ``spec.nodeAffinity.required`` (zonal disks, local volumes)."""
    return NodeConstraint(
        (), _terms(dig(volume, "spec", "nodeAffinity", "required", "nodeSelectorTerms"))
    )


def _terms(raw: object) -> tuple[tuple[Requirement, ...], ...]:
    if not isinstance(raw, list):
        return ()
    terms = []
    for term in raw:
        if not isinstance(term, Mapping):
            continue
        expressions = [(e, False) for e in term.get("matchExpressions") or ()]
        expressions += [(e, True) for e in term.get("matchFields") or ()]
        terms.append(
            tuple(
                Requirement(
                    str(e.get("key") or ""),
                    str(e.get("operator") or ""),
                    tuple(str(v) for v in e.get("values") or ()),
                    field=is_field,
                )
                for e, is_field in expressions
                if isinstance(e, Mapping)
            )
        )
    return tuple(terms)


def label_values(nodes: Iterable[Node], key: str) -> dict[str, list[str]]:
    """``{value: [node, ...]}`` for one label key across nodes, to show what nodes do carry."""
    values: dict[str, list[str]] = {}
    for node in nodes:
        value = node.labels.get(key)
        if value is not None:
            values.setdefault(str(value), []).append(node.name)
    return values
