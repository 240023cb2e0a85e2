"""Write parsed Kubernetes objects as YAML the way ``kubectl get -o yaml`` prints them.

Keys sorted, sequences of mappings at their key's indentation, strings plain unless YAML would
read them as something else (then double-quoted). PyYAML's emitter would do, but takes minutes
for the 150 MB benchmark file; this covers the JSON types only, which is all a dump holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/][\w./()@,=+-]*(?: [\w./()@,=+\"-]+)*")
_RESERVED = re.compile(r"(?i)y|n|yes|no|true|false|on|off|null|~|\.nan|\.inf")


def document(obj: dict[str, Any]) -> str:
    """One mapping as a YAML block, ending with a newline."""
    return "".join(f"{line}\n" for line in _mapping(obj, ""))


def item(obj: dict[str, Any]) -> str:
    """One mapping as an entry of a top-level sequence (``- key: ...``)."""
    lines = list(_mapping(obj, "  "))
    lines[0] = "- " + lines[0][2:]
    return "".join(f"{line}\n" for line in lines)


def _mapping(obj: dict[str, Any], indent: str) -> Iterator[str]:
    for key in sorted(obj):
        value = obj[key]
        head = f"{indent}{_scalar(key)}:"
        if isinstance(value, dict) and value:
            yield head
            yield from _mapping(value, indent + "  ")
        elif isinstance(value, list) and value:
            yield head
            yield from _sequence(value, indent)
        else:
            yield f"{head} {_scalar(value)}"


def _sequence(values: list[Any], indent: str) -> Iterator[str]:
    for value in values:
        if isinstance(value, dict) and value:
            lines = _mapping(value, indent + "  ")
            first = next(lines)
            yield f"{indent}- {first[len(indent) + 2 :]}"
            yield from lines
        elif isinstance(value, list) and value:
            yield f"{indent}-"
            yield from _sequence(value, indent + "  ")
        else:
            yield f"{indent}- {_scalar(value)}"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _PLAIN.fullmatch(text) and not _RESERVED.fullmatch(text):
        return text
    return json.dumps(text)
