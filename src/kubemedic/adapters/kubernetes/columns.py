"""Cells of the tables kubectl prints, found from where each header starts.

A tabwriter pads every column to its widest cell, so a row is cut where the header's columns
start; cells may hold single spaces (``3m (x5 over 10m)``, ``NOMINATED NODE``). Pasted text is
not always aligned (some versions pad with tabs, some pastes lose spaces): a row whose cuts do
not fall on blanks is split on runs of two or more blanks instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GAP = re.compile(r"\s{2,}")
_RULE = re.compile(r"[\s\-─]+")


@dataclass(frozen=True, slots=True)
class Columns:
    """A table's column names (upper case, without spaces) and where each starts."""

    names: tuple[str, ...]
    starts: tuple[int, ...]

    @classmethod
    def of(cls, header: str) -> Columns:
        text = header.expandtabs(8).rstrip()
        names: list[str] = []
        starts: list[int] = []
        position = len(text) - len(text.lstrip())
        for part in _GAP.split(text.strip()):
            position = text.index(part, position)
            names.append(part.replace(" ", "").upper())
            starts.append(position)
            position += len(part)
        return cls(tuple(names), tuple(starts))

    def cells(self, row: str, optional: tuple[str, ...] = ()) -> dict[str, str] | None:
        """The row's cells by column name; None when it cannot be cut into these columns.

        When the row has to be split on blanks, it may lack the ``optional`` columns (empty
        cells leave no trace there).
        """
        text = row.expandtabs(8).rstrip()
        if self._aligned(text):
            ends = (*self.starts[1:], len(text))
            values = [text[start:end].strip() for start, end in zip(self.starts, ends, strict=True)]
            return dict(zip(self.names, values, strict=True))
        parts = _GAP.split(text.strip())
        names = list(self.names)
        for name in optional:
            if len(parts) >= len(names):
                break
            if name in names:
                names.remove(name)
        if len(parts) < len(names):
            return None
        head = parts[: len(names) - 1]
        found = dict.fromkeys(self.names, "")
        found.update(zip(names, [*head, "  ".join(parts[len(head) :])], strict=True))
        return found

    def _aligned(self, text: str) -> bool:
        if len(text) <= self.starts[1]:
            return False
        return all(text[start - 1] == " " for start in self.starts[1:] if start < len(text))


def is_rule(row: str) -> bool:
    """A line of dashes under a header (``----  ------``)."""
    return _RULE.fullmatch(row) is not None and ("-" in row or "─" in row)
