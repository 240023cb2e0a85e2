"""Node-level placement rules: taints and tolerations, nodeSelector and node affinity.

The scheduler's TaintToleration and NodeAffinity filters, the preferred node affinity it
scores with, and the eligibility topology spread takes from them (a node the pod could never
use is not a domain to spread over).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = dict[str, Any]
_FILTERED_EFFECTS = ("NoSchedule", "NoExecute")


def tolerates(tolerations: list[Obj], taint: Mapping[str, Any]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration.get("key") == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and str(
            toleration.get("value") or ""
        ) == str(taint.get("value") or ""):
            return True
    return False


def untolerated_taint(spec: Mapping[str, Any], node: Mapping[str, Any]) -> Obj | None:
    """The first NoSchedule/NoExecute taint of ``node`` the pod does not tolerate."""
    tolerations = list(spec.get("tolerations") or [])
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in _FILTERED_EFFECTS and not tolerates(tolerations, taint):
            return dict(taint)
    return None


def _expression_matches(expression: Mapping[str, Any], values: Mapping[str, str]) -> bool:
    key, operator = str(expression.get("key")), str(expression.get("operator"))
    wanted = [str(v) for v in expression.get("values") or []]
    present = key in values
    if operator == "In":
        return present and values[key] in wanted
    if operator == "NotIn":
        return not present or values[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and wanted and values[key].lstrip("-").isdigit():
        number, bound = int(values[key]), int(wanted[0])
        return number > bound if operator == "Gt" else number < bound
    return False


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    labels = node["metadata"].get("labels") or {}
    fields = {"metadata.name": node["metadata"]["name"]}
    return all(_expression_matches(e, labels) for e in term.get("matchExpressions") or []) and all(
        _expression_matches(e, fields) for e in term.get("matchFields") or []
    )


def matches_node(spec: Mapping[str, Any], node: Obj) -> bool:
    """nodeSelector and required node affinity (matchExpressions and matchFields)."""
    labels = node["metadata"].get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    return not terms or any(_term_matches(term, node) for term in terms)


def preferred_weight(spec: Mapping[str, Any], node: Obj) -> int:
    """The summed weights of the preferred node affinity terms ``node`` satisfies."""
    preferred = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution"
    ) or []
    return sum(
        int(term.get("weight") or 0)
        for term in preferred
        if _term_matches(term.get("preference") or {}, node)
    )
