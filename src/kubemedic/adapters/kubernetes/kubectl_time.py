"""Times as kubectl prints them for people: dates, ages and event intervals.

``kubectl describe`` prints moments as RFC 1123 dates (``Sun, 06 Dec 2026 21:33:24 +0000``) and
event times as ages relative to the moment it ran (``2m30s``, ``3m (x5 over 10m)``,
``<invalid>`` for a moment in its future, ``<unknown>`` for none). An age is only a moment once
the snapshot time is known (see ``pasted``): :class:`Clock` turns one into the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from kubemedic._internal.timeutils import format_time, parse_time

_AGE = re.compile(r"(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_AGE_UNITS = (365 * 86400, 86400, 3600, 60, 1)
_INTERVAL = re.compile(
    r"(?P<last>\S+)(?:\s+\(x(?P<count>\d+)\s+(?:over|from|starting)\s+(?P<first>\S+)\))?"
)
_FOUR_DIGIT_YEAR = re.compile(r"\b(19[7-9]\d|[2-9]\d{3})\b")
_EARLIEST_REAL = 1971  # Go's zero time and the Unix epoch both mean "not set"


def parse_age(text: str) -> float | None:
    """Seconds in a kubectl age (``45s``, ``3m20s``, ``5h``, ``2d3h``, ``3y45d``); else None.

    ``<invalid>`` (a moment after kubectl's clock) and ``<unknown>`` (no moment) are None.
    """
    text = text.strip()
    match = _AGE.fullmatch(text)
    if not text or match is None:
        return None
    return float(
        sum(int(v) * unit for v, unit in zip(match.groups(), _AGE_UNITS, strict=True) if v)
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """An event's ``Age`` cell: when it was last and first seen (as ages), and how often."""

    last: float | None
    first: float | None
    count: int


def parse_interval(text: str) -> Interval | None:
    """``3m`` or ``3m (x5 over 10m)`` (the last sighting first, then the count and the first)."""
    match = _INTERVAL.fullmatch(text.strip())
    if match is None:
        return None
    last = parse_age(match["last"])
    if match["count"] is None:
        return Interval(last, last, 1)
    return Interval(last, parse_age(match["first"]), int(match["count"]))


def parse_date(text: str) -> datetime | None:
    """A date as describe prints it (RFC 1123, or RFC 3339 in some fields); None if unset."""
    text = text.strip()
    if not text or text.startswith("<"):
        return None
    parsed = parse_time(text) or _rfc1123(text)
    return parsed if parsed is not None and parsed.year >= _EARLIEST_REAL else None


def _rfc1123(text: str) -> datetime | None:
    """``Mon, 02 Jan 2006 15:04:05 -0700`` (or with a zone name, as the oldest versions)."""
    try:
        return datetime.strptime(text, "%a, %d %b %Y %H:%M:%S %z")
    except ValueError:
        pass
    if not _FOUR_DIGIT_YEAR.search(text):
        return None  # the email parser would read year 0001 as 2001
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


@dataclass(frozen=True, slots=True)
class Clock:
    """The moment kubectl printed the text: what its ages count back from."""

    now: datetime

    def ago(self, age: float | None) -> str | None:
        """The RFC 3339 moment ``age`` seconds before now (None when the age is unknown)."""
        return None if age is None else format_time(self.now - timedelta(seconds=age))


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)
