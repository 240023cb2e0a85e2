"""Label selectors as the API server applies them: ``matchLabels`` and ``matchExpressions``.

NetworkPolicies, Services and namespace selectors all select this way; an empty selector
selects everything (the shape of a default-deny policy), a missing one nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def selects(selector: object, labels: Mapping[str, str]) -> bool:
    """Whether a ``LabelSelector`` selects an object with these labels."""
    if not isinstance(selector, Mapping):
        return False
    match_labels = selector.get("matchLabels") or {}
    if isinstance(match_labels, Mapping) and any(
        labels.get(key) != value for key, value in match_labels.items()
    ):
        return False
    expressions = selector.get("matchExpressions") or []
    return all(_matches(e, labels) for e in expressions if isinstance(e, Mapping))


def is_empty(selector: object) -> bool:
    """``{}``: selects every pod of the namespace."""
    return (
        isinstance(selector, Mapping)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )


def selects_map(selector: object, labels: Mapping[str, str]) -> bool:
    """A Service's plain ``selector`` map: every pair must match, and an empty map selects
    nothing (such a Service has its endpoints managed by hand)."""
    if not isinstance(selector, Mapping) or not selector:
        return False
    return all(labels.get(key) == value for key, value in selector.items())


def _matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = expression.get("key")
    operator = expression.get("operator")
    values = expression.get("values") or []
    present = isinstance(key, str) and key in labels
    if operator == "In":
        return present and labels[str(key)] in values
    if operator == "NotIn":
        return not present or labels[str(key)] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False
