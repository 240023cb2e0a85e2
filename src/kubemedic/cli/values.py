"""Option values people type the same way in every command: percentages and durations."""

from __future__ import annotations

import math

from kubemedic._internal.timeutils import parse_duration
from kubemedic.errors import InputError


def percent(option: str, text: str, *, at_most: float | None = None) -> float:
    """``30%``, ``30`` or ``0.3`` → 0.3; ``at_most`` bounds a share (1.0: all of it)."""
    raw = text.strip().removesuffix("%")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{option} {text}: not a percentage like 30%") from None
    if not math.isfinite(value):
        raise InputError(f"{option} {text}: not a percentage like 30%")
    fraction = value / 100 if text.strip().endswith("%") or value > 1 else value
    if fraction < 0:
        raise InputError(f"{option} {text}: must not be negative")
    if at_most is not None and fraction > at_most:
        raise InputError(f"{option} {text}: must be at most {at_most:.0%}")
    return fraction


def duration(option: str, text: str) -> float:
    """``90s``, ``5m``, ``7d`` → seconds (more than zero)."""
    seconds = parse_duration(text)
    if not seconds:
        raise InputError(f"{option} {text}: not a duration like 90s, 5m, 7d")
    return seconds
