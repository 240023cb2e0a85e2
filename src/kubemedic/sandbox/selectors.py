"""Label and field selectors, parsed and matched the way the API server does.

The store filters LIST and WATCH with these; controllers use ``matches_selector_object`` for the
``matchLabels`` / ``matchExpressions`` form found in Deployments, Services and PDBs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_SET_FORM = re.compile(r"^\s*(\S+)\s+(in|notin)\s*\((.*)\)\s*$")
_BINARY_FORM = re.compile(r"^\s*([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)\s*$")

# Fields every kind supports, plus the extra fields each kind's API registers.
_COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
_KIND_FIELDS: dict[str, frozenset[str]] = {
    "Pod": frozenset(
        {
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        }
    ),
    "Event": frozenset(
        {
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        }
    ),
    "Node": frozenset({"spec.unschedulable"}),
    "Namespace": frozenset({"status.phase"}),
    "Secret": frozenset({"type"}),
    "ReplicaSet": frozenset({"status.replicas"}),
    "Job": frozenset({"status.successful"}),
}
_FIELD_ALIASES = {"source": "source.component"}


class SelectorError(ValueError):
    """A selector that cannot be parsed or names an unsupported field; becomes 400 BadRequest."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One clause of a label selector: ``key op values``."""

    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.operator:
            case "=" | "in":
                return present and value in self.values
            case "!=" | "notin":
                return not present or value not in self.values
            case "exists":
                return present
            case "!":
                return not present
            case "gt" | "lt":
                return present and _compare(value, self.values[0], self.operator)
        return False


def _compare(value: str | None, bound: str, operator: str) -> bool:
    try:
        number = int(value or "")
    except ValueError:
        return False
    return number > int(bound) if operator == "gt" else number < int(bound)


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse ``app=web,tier in (a,b),!canary,env!=prod`` (SelectorError when malformed)."""
    if not text or not text.strip():
        return LabelSelector()
    return LabelSelector(tuple(_parse_requirement(part) for part in _split_top_level(text)))


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if depth != 0:
        raise SelectorError(f"unable to parse requirement: unbalanced parentheses in {text!r}")
    return parts


def _parse_requirement(part: str) -> Requirement:
    text = part.strip()
    if not text:
        raise SelectorError("unable to parse requirement: found '', expected: identifier")
    set_form = _SET_FORM.match(text)
    if set_form:
        key, operator, raw_values = set_form.groups()
        values = tuple(v.strip() for v in raw_values.split(",") if v.strip())
        return _checked(Requirement(key, operator, values))
    if text.startswith("!"):
        return _checked(Requirement(text[1:].strip(), "!"))
    binary = _BINARY_FORM.match(text)
    if binary:
        key, operator, value = binary.groups()
        if operator in (">", "<"):
            if not value.lstrip("-").isdigit():
                raise SelectorError(
                    f"unable to parse requirement: for 'gt', 'lt' operators, "
                    f"the value must be an integer: {value!r}"
                )
            return _checked(Requirement(key, "gt" if operator == ">" else "lt", (value,)))
        return _checked(Requirement(key, "!=" if operator == "!=" else "=", (value,)))
    if re.search(r"[\s=!()<>]", text):
        raise SelectorError(f"unable to parse requirement: invalid selector {text!r}")
    return _checked(Requirement(text, "exists"))


def _checked(requirement: Requirement) -> Requirement:
    if not _KEY.match(requirement.key) or len(requirement.key.split("/")[-1]) > 63:
        raise SelectorError(
            f"unable to parse requirement: invalid label key {requirement.key!r}: name part must "
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character"
        )
    for value in requirement.values:
        if len(value) > 63 or not _VALUE.match(value):
            raise SelectorError(
                f"unable to parse requirement: invalid label value: {value!r}: a valid label "
                "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                "and must start and end with an alphanumeric character"
            )
    return requirement


def selector_from_object(selector: Mapping[str, Any] | None) -> LabelSelector:
    """The ``{matchLabels, matchExpressions}`` form as a parsed selector."""
    if not selector:
        return LabelSelector()
    requirements = [
        Requirement(str(k), "=", (str(v),)) for k, v in (selector.get("matchLabels") or {}).items()
    ]
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in selector.get("matchExpressions") or []:
        operator = operators.get(str(expression.get("operator")))
        if operator is None:
            raise SelectorError(f"{expression.get('operator')!r} is not a valid selector operator")
        values = tuple(str(v) for v in expression.get("values") or [])
        requirements.append(Requirement(str(expression.get("key")), operator, values))
    return LabelSelector(tuple(requirements))


def matches_selector_object(
    selector: Mapping[str, Any] | None, labels: Mapping[str, str] | None
) -> bool:
    """True when ``labels`` satisfy a ``matchLabels`` / ``matchExpressions`` selector.

    An absent or empty selector matches everything, as for a PDB or NetworkPolicy.
    """
    return selector_from_object(selector).matches(labels)


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    path: str
    equal: bool
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (field_value(obj, self.path) == self.value) is self.equal


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """A parsed field selector; the empty selector matches everything."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)


def parse_field_selector(text: str | None, kind: str) -> FieldSelector:
    """Parse ``spec.nodeName=n1,status.phase!=Failed`` for ``kind`` (SelectorError if not)."""
    if not text or not text.strip():
        return FieldSelector()
    supported = _COMMON_FIELDS | _KIND_FIELDS.get(kind, frozenset())
    requirements: list[FieldRequirement] = []
    for part in text.split(","):
        clause = part.strip()
        match = re.match(r"^([^=!]+)(==|=|!=)(.*)$", clause)
        if not match:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{clause}'")
        path, operator, value = match.groups()
        path = path.strip()
        if path not in supported:
            raise SelectorError(f"field label not supported: {path}")
        requirements.append(
            FieldRequirement(_FIELD_ALIASES.get(path, path), operator != "!=", value.strip())
        )
    return FieldSelector(tuple(requirements))


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The value of a dotted field as the API server compares it ("" when absent)."""
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return ""
        current = current.get(part)
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)
