"""RFC 3339 timestamps as Kubernetes writes them, and durations as kubectl prints them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def parse_time(value: object) -> datetime | None:
    """Parse "2024-05-01T10:00:00Z" (optionally with fractions or an offset); None if absent."""
    if not isinstance(value, str) or not value:
        return None
    return _parse_text(value)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> datetime | None:
    """Remembered: analyzers read the same few times of a pod again and again, and replicas
    share theirs."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    """Format a time the way the Kubernetes API does: second precision, UTC, "Z"."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_duration(seconds: float) -> str:
    """Render a duration like kubectl's AGE column: "45s", "12m", "3h20m", "5d"."""
    total = int(max(seconds, 0))
    if total < 120:
        return f"{total}s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes}m" if minutes and hours < 8 else f"{hours}h"
    return f"{hours // 24}d"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
LONGEST_DURATION = 100 * 365 * 86400
"""A century: anything longer is a typo, and would reach past the dates Python can hold."""


def parse_duration(value: object) -> float | None:
    """Seconds in "90s", "5m", "1h30m", "7d" or a plain number of seconds, up to a century;
    None if malformed or longer."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if 0 <= value <= LONGEST_DURATION else None
    if not isinstance(value, str) or not value.strip():
        return None
    text, total, number = value.strip().lower(), 0.0, ""
    try:
        for char in text:
            if char.isdigit() or char == ".":
                number += char
            elif char in _UNITS and number:
                total += float(number) * _UNITS[char]
                number = ""
            else:
                return None
        if number:
            if total:
                return None
            total = float(number)
    except ValueError:  # more than one dot, or a dot alone: "1.2.3d", ".s"
        return None
    return total if total <= LONGEST_DURATION else None
