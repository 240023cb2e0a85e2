"""Conditions an approver attaches to an approval, checked by machine at execution time.

``window=Sat 02:00-04:00 UTC`` (days may be lists or ranges, ``Mon-Fri``, ``daily``; the time
zone any IANA name), ``after=2026-12-07T02:00Z``, ``before=...``, ``max-replicas=6``,
``max-memory=1Gi`` and ``max-cpu=2``. A condition kubemedic cannot check is refused when the
approval is given, never discovered later; one that does not apply to the change (a replica cap
on an image change) is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kubemedic._internal.quantities import format_cpu, format_memory, parse_quantity
from kubemedic._internal.timeutils import format_time, parse_time
from kubemedic.errors import Refused
from kubemedic.models.operations import TierFacts

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(
    r"^(?P<days>[A-Za-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+(?P<zone>\S+))?$"
)
KNOWN = ("window", "after", "before", "max-replicas", "max-memory", "max-cpu")
HINT = (
    "conditions: window='Sat 02:00-04:00 UTC', after=TIME, before=TIME, max-replicas=N, "
    "max-memory=QUANTITY, max-cpu=QUANTITY (docs/operations.md)"
)


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[int]
    start: time
    end: time
    zone: str

    def holds(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.zone))
        moment = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= moment < self.end
        # crosses midnight (or lasts 24 h, 00:00-24:00): the part from the start on a listed
        # day, the part before the end on the day after
        if moment >= self.start:
            return local.weekday() in self.days
        return moment < self.end and (local.weekday() - 1) % 7 in self.days


def parse_condition(text: str) -> tuple[str, str]:
    """``(key, value)`` of a condition, refusing unknown keys and values kubemedic cannot check."""
    key, sep, value = text.partition("=")
    key, value = key.strip().lower(), value.strip().strip("'\"")
    if not sep or not value:
        raise Refused(f"condition {text!r} is not KEY=VALUE", hint=HINT)
    if key not in KNOWN:
        raise Refused(f"unknown condition {key!r}", hint=HINT)
    if key == "window":
        _window(value)
    elif key in ("after", "before"):
        _moment(key, value)
    elif key == "max-replicas":
        if not value.isdigit():
            raise Refused(f"max-replicas={value}: expected a whole number", hint=HINT)
    elif parse_quantity(value) is None:
        raise Refused(f"{key}={value}: not a Kubernetes quantity", hint=HINT)
    return key, value


def check_applicable(conditions: Sequence[str], facts: TierFacts) -> None:
    """Refuse a cap that the change has nothing to compare with (e.g. max-memory on scale)."""
    for text in conditions:
        key, _ = parse_condition(text)
        subject = {
            "max-replicas": facts.replicas_after,
            "max-memory": facts.memory_after,
            "max-cpu": facts.cpu_after,
        }
        if key in subject and subject[key] is None:
            raise Refused(
                f"condition {text!r} does not apply to a {facts.action.value} operation",
                hint="caps apply to the value the change sets: replicas for scale and hpa, "
                "memory and cpu for resources",
            )


def unmet(conditions: Sequence[str], facts: TierFacts, now: datetime) -> tuple[str, ...]:
    """Each condition that does not hold at ``now``, with the reason in words."""
    problems = []
    for text in conditions:
        key, value = parse_condition(text)
        problem = _check(key, value, facts, now)
        if problem:
            problems.append(f"{key}={value}: {problem}")
    return tuple(problems)


def _check(key: str, value: str, facts: TierFacts, now: datetime) -> str | None:
    if key == "window":
        window = _window(value)
        return None if window.holds(now) else f"now is {format_time(now)}, outside the window"
    if key == "after":
        moment = _moment(key, value)
        return None if now >= moment else f"not before {format_time(moment)}"
    if key == "before":
        moment = _moment(key, value)
        return None if now < moment else f"the deadline {format_time(moment)} has passed"
    limit = parse_quantity(value) or 0.0
    if key == "max-replicas":
        wanted = facts.replicas_after or 0
        return None if wanted <= limit else f"the change sets {wanted} replicas"
    if key == "max-memory":
        memory = facts.memory_after or 0
        return None if memory <= limit else f"the change sets {format_memory(memory)}"
    millis = facts.cpu_after or 0
    within = millis <= round(limit * 1000)  # whole millicores, as the change's were counted
    return None if within else f"the change sets {format_cpu(millis / 1000)} CPU"


def _window(value: str) -> Window:
    match = _WINDOW.match(value.strip())
    if not match:
        raise Refused(f"window={value}: expected like 'Sat 02:00-04:00 UTC'", hint=HINT)
    zone = match["zone"] or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(f"window={value}: unknown time zone {zone!r}", hint=HINT) from None
    return Window(
        _days(value, match["days"]),
        _clock(value, match["start"]),
        _clock(value, match["end"]),
        zone,
    )


def _days(value: str, text: str) -> frozenset[int]:
    if text.lower() in ("daily", "any", "every"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.lower().split(","):
        first, _, last = part.partition("-")
        try:
            start = _DAYS.index(first[:3])
            end = _DAYS.index(last[:3]) if last else start
        except ValueError:
            raise Refused(f"window={value}: unknown day in {part!r}", hint=HINT) from None
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return frozenset(days)


def _clock(value: str, text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise Refused(f"window={value}: {text} is not a time of day", hint=HINT)
    return time(0, 0) if hours == 24 else time(hours, minutes)


def _moment(key: str, value: str) -> datetime:
    moment = parse_time(value.replace(" ", "T"))
    if moment is None:
        raise Refused(f"{key}={value}: expected a time like 2026-12-07T02:00Z", hint=HINT)
    return moment
