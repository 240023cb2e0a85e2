"""The object an operation changed, as a diff of what it was and what it became.

Before execution a plan is its patch and the fields it sets (the record's ``plan``); once
executed, the record holds the object read just before the write and the one the API server
answered with. Their difference, as YAML lines, is what the change really did — including what
admission or defaulting added — so the operation page shows it as a reviewer reads any diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from kubemedic.governance.lifecycle import Event
from kubemedic.models.operation_record import OperationRecord

CONTEXT_LINES = 3
NOISE = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp")
"""Metadata every write moves or that says nothing about the change."""


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: Literal["add", "del", "same", "hunk"]
    text: str


def executed_diff(op: OperationRecord) -> tuple[DiffLine, ...]:
    """The object before and after the write, line by line; empty until it was executed."""
    started, done = op.record.last(Event.START.value), op.record.last(Event.COMPLETE.value)
    before = started.data.get("prior_object") if started else None
    after = done.data.get("after_object") if done else None
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return ()
    lines = difflib.unified_diff(_yaml(before), _yaml(after), n=CONTEXT_LINES, lineterm="")
    found = []
    for line in list(lines)[2:]:  # the ---/+++ file header names nothing here
        if line.startswith("@@"):
            found.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            found.append(DiffLine("add", line))
        elif line.startswith("-"):
            found.append(DiffLine("del", line))
        else:
            found.append(DiffLine("same", line))
    return tuple(found)


def _yaml(obj: Mapping[str, Any]) -> list[str]:
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in NOISE}
    shown = {key: value for key, value in obj.items() if key != "status"} | {"metadata": metadata}
    return yaml.safe_dump(shown, sort_keys=True, default_flow_style=False).splitlines()
