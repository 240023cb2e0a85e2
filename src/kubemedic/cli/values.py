"""Option values people type the same way in every command: percentages and durations."""

from __future__ import annotations

from kubemedic._internal.timeutils import parse_duration
from kubemedic.errors import InputError


def percent(option: str, text: str) -> float:
    """``30%``, ``30`` or ``0.3`` → 0.3."""
    raw = text.strip().removesuffix("%")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{option} {text}: not a percentage like 30%") from None
    fraction = value / 100 if text.strip().endswith("%") or value > 1 else value
    if fraction < 0:
        raise InputError(f"{option} {text}: must not be negative")
    return fraction


def duration(option: str, text: str) -> float:
    """``90s``, ``5m``, ``7d`` → seconds (more than zero)."""
    seconds = parse_duration(text)
    if not seconds:
        raise InputError(f"{option} {text}: not a duration like 90s, 5m, 7d")
    return seconds
