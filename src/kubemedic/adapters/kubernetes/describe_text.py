"""The layout of ``kubectl describe`` text: documents, nested fields and tables.

Every kubectl version prints ``Key:<tab>value`` lines, nested by two spaces per level and
aligned by a tabwriter (with spaces, or with tabs in the oldest versions, which is why tabs
are expanded first). A value can go on over deeper lines (``Labels``, ``Tolerations``), a
section can hold a table (``Conditions``, ``Events``) or raw lines (``Command``), and a
container's termination message can break out to column 0. This module turns one pasted
output into :class:`Field` trees, one per described object, knowing nothing of kinds;
``describe`` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

_KEY = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-/() #]*):(?:[ \t]+(?P<value>.*))?")
_RAW_SECTIONS = frozenset(
    {
        "Events",
        "Conditions",
        "Command",
        "Args",
        "Non-terminated Pods",
        "Allocated resources",
        "Used By",
        "Mounted By",
    }
)
"""Sections whose lines are table rows or list items, never nested fields."""


@dataclass(slots=True)
class Field:
    """One ``Key: value`` line, what continues its value, and the fields nested under it.

    Built by :func:`parse_document` and only read afterwards.
    """

    key: str
    value: str
    line: int
    indent: int
    children: list[Field] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    """Lines below that are not fields: value continuations, or a raw section's rows."""

    def child(self, key: str) -> Field | None:
        return next((c for c in self.children if c.key == key), None)

    def first(self, *keys: str) -> Field | None:
        """The first child present among ``keys`` (names differ between kubectl versions)."""
        for key in keys:
            found = self.child(key)
            if found is not None:
                return found
        return None

    def text(self, *keys: str) -> str:
        """The value of the first child present among ``keys`` ("" when none is)."""
        found = self.first(*keys)
        return found.value if found is not None else ""

    def values(self) -> list[str]:
        """The value and its continuation lines, ``<none>`` and blanks left out."""
        return [v.strip() for v in (self.value, *self.rows) if v.strip() and v.strip() != "<none>"]

    def children_of(self, key: str) -> list[Field]:
        """The fields nested under a child (none when it is absent)."""
        found = self.child(key)
        return found.children if found is not None else []

    def values_of(self, key: str) -> list[str]:
        """The values of a child (none when it is absent)."""
        found = self.child(key)
        return found.values() if found is not None else []


def documents(lines: Sequence[tuple[int, str]]) -> Iterator[Field]:
    """One tree per described object: each starts at a ``Name:`` line in column 0."""
    start = 0
    for index, (_, text) in enumerate(lines):
        if index > start and text.startswith("Name:"):
            yield parse_document(lines[start:index])
            start = index
    if start < len(lines):
        yield parse_document(lines[start:])


def parse_document(lines: Iterable[tuple[int, str]]) -> Field:
    """The fields of one described object, under a root field with no key."""
    root = Field("", "", 0, -1)
    stack = [root]
    last = root
    for number, raw in lines:
        text = raw.expandtabs(8).rstrip()
        body = text.lstrip(" ")
        if not body:
            continue
        indent = len(text) - len(body)
        key = _key_of(body, indent)
        continues = last is not root and last.value and indent > last.indent + 2
        if key is None or continues:
            if stack[-1].key in _RAW_SECTIONS and (indent > stack[-1].indent or key is None):
                stack[-1].rows.append(text)
            else:
                last.rows.append(body)
            continue
        while len(stack) > 1 and indent <= stack[-1].indent:
            stack.pop()
        parent = stack[-1]
        if parent.key in _RAW_SECTIONS:
            parent.rows.append(text)
            continue
        name, value = key
        last = Field(name, value, number, indent)
        parent.children.append(last)
        stack.append(last)
    return root


def _key_of(body: str, indent: int) -> tuple[str, str] | None:
    match = _KEY.fullmatch(body)
    if match is None or "  " in match["key"]:
        return None
    if indent == 0 and not match["key"][0].isupper():
        return None  # a line of a multi-line message that broke out to column 0
    return match["key"], (match["value"] or "").strip()
