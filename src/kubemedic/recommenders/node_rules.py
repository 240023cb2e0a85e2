"""Which nodes a pod template may land on: the scheduler's filters short of resources.

Cordoned and NotReady nodes, taints the template does not tolerate (NoSchedule and NoExecute;
PreferNoSchedule only steers), the nodeSelector and the required node affinity — each stated
as the reason a node is left out, phrased to follow "the node is …". The matching follows
Kubernetes' own rules (``Toleration.ToleratesTaint``, ``nodeaffinity``), on raw API JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubemedic.models.k8s import Node, dig

BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
_REQUIRED_TERMS = (
    "affinity",
    "nodeAffinity",
    "requiredDuringSchedulingIgnoredDuringExecution",
    "nodeSelectorTerms",
)


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """Kubernetes' rule: an empty effect matches every effect, an empty key with ``Exists``
    matches every taint, ``Exists`` ignores the value and ``Equal`` (the default) needs it."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def taint_text(taint: Mapping[str, Any]) -> str:
    """``dedicated=gpu:NoSchedule``, as ``kubectl taint`` writes it."""
    value = taint.get("value")
    return f"{taint.get('key', '')}{f'={value}' if value else ''}:{taint.get('effect', '')}"


def why_unusable(node: Node, pod_spec: Mapping[str, Any]) -> str | None:
    """Why a pod with ``pod_spec`` cannot be placed on ``node``, or None when it can."""
    if node.unschedulable:
        return "cordoned"
    if not node.ready:
        return "NotReady"
    tolerations = [t for t in pod_spec.get("tolerations") or () if isinstance(t, Mapping)]
    for taint in node.taints:
        if taint.get("effect") in BLOCKING_EFFECTS and not any(
            tolerates(t, taint) for t in tolerations
        ):
            return f"tainted {taint_text(taint)}, which the pods do not tolerate"
    labels = node.labels
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return f"missing the label {key}={value} the nodeSelector asks for"
    terms = dig(pod_spec, *_REQUIRED_TERMS)
    if terms and not any(_term_matches(term, node) for term in terms):
        return f"outside the required node affinity ({_describe(terms[0], node)})"
    return None


def _term_matches(term: Mapping[str, Any], node: Node) -> bool:
    """All of a term's requirements hold; a term without any matches no node."""
    requirements = _requirements(term, node)
    return bool(requirements) and all(_holds(expr, value) for expr, value in requirements)


def _requirements(
    term: Mapping[str, Any], node: Node
) -> Sequence[tuple[Mapping[str, Any], str | None]]:
    """Each expression with the node's value for its key (label, or field ``metadata.name``)."""
    labels = node.labels
    pairs: list[tuple[Mapping[str, Any], str | None]] = [
        (expr, labels.get(str(expr.get("key")))) for expr in term.get("matchExpressions") or ()
    ]
    pairs += [
        (expr, node.name if expr.get("key") == "metadata.name" else None)
        for expr in term.get("matchFields") or ()
    ]
    return pairs


def _holds(expr: Mapping[str, Any], value: str | None) -> bool:
    operator = expr.get("operator")
    values = [str(v) for v in expr.get("values") or ()]
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            have, bound = int(value), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def _describe(term: Mapping[str, Any], node: Node) -> str:
    """The first requirement of ``term`` the node misses, as ``zone In (a, b)``."""
    for expr, value in _requirements(term, node):
        if not _holds(expr, value):
            values = ", ".join(str(v) for v in expr.get("values") or ())
            return f"{expr.get('key')} {expr.get('operator')}" + (f" ({values})" if values else "")
    return "an empty term"
