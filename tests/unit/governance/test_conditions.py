"""Approval conditions: refused when unreadable or inapplicable, checked exactly at execution."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubemedic.errors import Refused
from kubemedic.governance.conditions import check_applicable, parse_condition, unmet
from kubemedic.models.operations import ActionType, TierFacts

SCALE = TierFacts(ActionType.SCALE, "Deployment", "shop", replicas_before=3, replicas_after=5)
RESOURCES = TierFacts(
    ActionType.RESOURCES, "Deployment", "shop", memory_after=512 * 2**20, cpu_after=500
)
IMAGE = TierFacts(ActionType.SET_IMAGE, "Deployment", "shop")
# 2026-07-04 and 2026-01-03 are Saturdays; Paris is UTC+2 in July and UTC+1 in January
SAT_SUMMER = datetime(2026, 7, 4, tzinfo=UTC)
SAT_WINTER = datetime(2026, 1, 3, tzinfo=UTC)


def _at(day: datetime, hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    return day.replace(day=day.day + days, hour=hour, minute=minute)


def _holds(condition: str, now: datetime, facts: TierFacts = IMAGE) -> bool:
    return not unmet([condition], facts, now)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("window=Sat 02:00-04:00 UTC", ("window", "Sat 02:00-04:00 UTC")),
        (
            "  Window = 'Mon-Fri 9:00-17:30 Europe/Paris' ",
            ("window", "Mon-Fri 9:00-17:30 Europe/Paris"),
        ),
        ('after="2026-12-07T02:00Z"', ("after", "2026-12-07T02:00Z")),
        ("before=2026-12-07 04:00Z", ("before", "2026-12-07 04:00Z")),
        ("max-replicas=6", ("max-replicas", "6")),
        ("MAX-MEMORY=1Gi", ("max-memory", "1Gi")),
        ("max-cpu=1500m", ("max-cpu", "1500m")),
    ],
)
def test_conditions_parse_into_key_and_value(text: str, parsed: tuple[str, str]) -> None:
    assert parse_condition(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("window", "condition 'window' is not KEY=VALUE"),
        ("window=", "condition 'window=' is not KEY=VALUE"),
        ("weekday=Sat", "unknown condition 'weekday'"),
        ("window=Saturday night", "window=Saturday night: expected like 'Sat 02:00-04:00 UTC'"),
        ("window=Sat 02:00-04:00 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("window=Sun-Funday 02:00-04:00", "unknown day in 'sun-funday'"),
        ("window=Mon, 02:00-04:00", "unknown day in ''"),
        ("window=Sat 25:00-26:00", "25:00 is not a time of day"),
        ("window=Sat 02:60-04:00", "02:60 is not a time of day"),
        ("window=Sat 22:00-24:30", "24:30 is not a time of day"),
        ("after=next tuesday", "after=next tuesday: expected a time like 2026-12-07T02:00Z"),
        ("before=2026-13-01T00:00Z", "before=2026-13-01T00:00Z: expected a time"),
        ("max-replicas=six", "max-replicas=six: expected a whole number"),
        ("max-replicas=-1", "max-replicas=-1: expected a whole number"),
        ("max-memory=lots", "max-memory=lots: not a Kubernetes quantity"),
        ("max-cpu=2 cores", "max-cpu=2 cores: not a Kubernetes quantity"),
    ],
)
def test_conditions_kubemedic_cannot_check_are_refused(text: str, message: str) -> None:
    with pytest.raises(Refused, match=message.replace("(", r"\(")) as refused:
        parse_condition(text)
    assert "window='Sat 02:00-04:00 UTC'" in str(refused.value.hint)


def test_a_window_holds_on_its_day_between_its_times() -> None:
    window = "window=Sat 02:00-04:00 UTC"
    assert _holds(window, _at(SAT_SUMMER, 2))
    assert _holds(window, _at(SAT_SUMMER, 3, 59))
    assert not _holds(window, _at(SAT_SUMMER, 4))  # the end is excluded
    assert not _holds(window, _at(SAT_SUMMER, 1, 59))
    assert not _holds(window, _at(SAT_SUMMER, 3, days=1))  # Sunday
    assert unmet([window], IMAGE, _at(SAT_SUMMER, 5)) == (
        "window=Sat 02:00-04:00 UTC: now is 2026-07-04T05:00:00Z, outside the window",
    )


def test_the_time_zone_defaults_to_utc() -> None:
    assert _holds("window=Sat 02:00-04:00", _at(SAT_SUMMER, 2, 30))
    assert not _holds("window=Sat 02:00-04:00", _at(SAT_SUMMER, 4, 30))


@pytest.mark.parametrize(
    ("days", "holds_on"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("Fri-Mon", {4, 5, 6, 0}),
        ("Tue,Thu-Sat", {1, 3, 4, 5}),
        ("daily", set(range(7))),
        ("Saturday", {5}),
    ],
)
def test_window_days_are_lists_ranges_or_daily(days: str, holds_on: set[int]) -> None:
    monday = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    held = {
        offset
        for offset in range(7)
        if _holds(f"window={days} 11:00-13:00 UTC", _at(monday, 12, days=offset))
    }
    assert held == holds_on


def test_a_window_in_another_zone_follows_its_daylight_saving_time() -> None:
    window = "window=Sat 02:00-04:00 Europe/Paris"
    # summer: 02:00 in Paris is 00:00 UTC
    assert _holds(window, _at(SAT_SUMMER, 0, 30))
    assert not _holds(window, _at(SAT_SUMMER, 2, 30))
    # winter: 02:00 in Paris is 01:00 UTC
    assert not _holds(window, _at(SAT_WINTER, 0, 30))
    assert _holds(window, _at(SAT_WINTER, 1, 30))
    assert _holds(window, _at(SAT_WINTER, 2, 59))
    assert not _holds(window, _at(SAT_WINTER, 3))


def test_the_local_day_decides_not_the_utc_day() -> None:
    # Friday 23:30 UTC is Saturday 01:30 in Paris (summer)
    friday_night = _at(SAT_SUMMER, 23, 30, days=-1)
    assert _holds("window=Sat 01:00-02:00 Europe/Paris", friday_night)
    assert not _holds("window=Fri 23:00-23:59 Europe/Paris", friday_night)


def test_a_window_may_cross_midnight() -> None:
    window = "window=Fri 22:00-02:00 UTC"
    friday = _at(SAT_SUMMER, 0, days=-1)
    assert _holds(window, _at(friday, 22))
    assert _holds(window, _at(friday, 23, 59))
    assert _holds(window, _at(SAT_SUMMER, 0))
    assert _holds(window, _at(SAT_SUMMER, 1))  # Saturday 01:00 is still Friday night's window
    assert not _holds(window, _at(SAT_SUMMER, 2))
    assert not _holds(window, _at(SAT_SUMMER, 22))  # Saturday evening is not listed
    assert not _holds(window, _at(friday, 1))  # Friday early morning belongs to Thursday night
    assert not _holds(window, _at(friday, 21, 59))


def test_a_window_crossing_midnight_after_the_last_day_of_the_week() -> None:
    window = "window=Sun 23:00-01:00 UTC"
    sunday = _at(SAT_SUMMER, 23, 30, days=1)
    assert _holds(window, sunday)
    assert _holds(window, _at(sunday, 0, 30, days=1))  # Monday 00:30
    assert not _holds(window, _at(SAT_SUMMER, 0, 30))  # Saturday 00:30: after Friday


def test_a_window_until_24_00_ends_at_midnight() -> None:
    evening = "window=Sat 22:00-24:00 UTC"
    assert _holds(evening, _at(SAT_SUMMER, 23, 59))
    assert not _holds(evening, _at(SAT_SUMMER, 0, days=1))
    whole_day = "window=Sat 00:00-24:00 UTC"
    assert _holds(whole_day, _at(SAT_SUMMER, 0))
    assert _holds(whole_day, _at(SAT_SUMMER, 12))
    assert _holds(whole_day, _at(SAT_SUMMER, 23, 59))
    assert not _holds(whole_day, _at(SAT_SUMMER, 0, days=1))
    assert not _holds(whole_day, _at(SAT_SUMMER, 23, 59, days=-1))


def test_after_and_before_bound_the_execution() -> None:
    after, before = "after=2026-12-07T02:00Z", "before=2026-12-07T04:00Z"
    at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert _holds(after, at)
    assert unmet([after], IMAGE, at.replace(hour=1, minute=59)) == (
        "after=2026-12-07T02:00Z: not before 2026-12-07T02:00:00Z",
    )
    assert _holds(before, at.replace(hour=3, minute=59))
    assert unmet([before], IMAGE, at.replace(hour=4)) == (
        "before=2026-12-07T04:00Z: the deadline 2026-12-07T04:00:00Z has passed",
    )


def test_after_and_before_read_offsets() -> None:
    # 03:00 in Paris in December is 02:00 UTC
    assert _holds("after=2026-12-07T03:00+01:00", datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert not _holds("after=2026-12-07T03:00+01:00", datetime(2026, 12, 7, 1, 59, tzinfo=UTC))


def test_caps_compare_with_what_the_change_sets() -> None:
    now = SAT_SUMMER
    assert _holds("max-replicas=5", now, SCALE)
    assert unmet(["max-replicas=4"], SCALE, now) == ("max-replicas=4: the change sets 5 replicas",)
    assert _holds("max-memory=512Mi", now, RESOURCES)
    assert unmet(["max-memory=500Mi"], RESOURCES, now) == (
        "max-memory=500Mi: the change sets 512Mi",
    )
    assert _holds("max-cpu=500m", now, RESOURCES)
    assert _holds("max-cpu=0.5", now, RESOURCES)
    assert unmet(["max-cpu=499m"], RESOURCES, now) == ("max-cpu=499m: the change sets 500m CPU",)


def test_a_cpu_cap_is_exact_to_the_millicore() -> None:
    facts = TierFacts(ActionType.RESOURCES, "Deployment", "shop", cpu_after=4007)
    assert _holds("max-cpu=4007m", SAT_SUMMER, facts)
    assert not _holds("max-cpu=4006m", SAT_SUMMER, facts)


def test_every_unmet_condition_is_listed_and_the_met_ones_are_not() -> None:
    problems = unmet(
        ["max-replicas=4", "max-replicas=5", "window=Sun 02:00-04:00"], SCALE, SAT_SUMMER
    )
    assert len(problems) == 2
    assert problems[0].startswith("max-replicas=4: ")
    assert problems[1].startswith("window=Sun 02:00-04:00: ")


@pytest.mark.parametrize(
    ("condition", "facts"),
    [
        ("max-memory=1Gi", SCALE),
        ("max-cpu=2", SCALE),
        ("max-replicas=6", RESOURCES),
        ("max-replicas=6", IMAGE),
        ("max-memory=1Gi", IMAGE),
    ],
)
def test_a_cap_that_does_not_apply_to_the_change_is_refused(
    condition: str, facts: TierFacts
) -> None:
    with pytest.raises(Refused) as refused:
        check_applicable(["window=Sat 02:00-04:00", condition], facts)
    assert refused.value.message == (
        f"condition {condition!r} does not apply to a {facts.action.value} operation"
    )


def test_caps_and_times_that_apply_are_accepted() -> None:
    check_applicable(["max-replicas=6", "after=2026-12-07T02:00Z"], SCALE)
    check_applicable(["max-memory=1Gi", "max-cpu=1"], RESOURCES)
    check_applicable(["window=daily 01:00-05:00 UTC", "before=2026-12-08T00:00Z"], IMAGE)
    hpa = TierFacts(ActionType.HPA, "Deployment", "shop", replicas_before=2, replicas_after=8)
    check_applicable(["max-replicas=8"], hpa)


def test_check_applicable_refuses_unreadable_conditions_too() -> None:
    with pytest.raises(Refused, match="unknown condition 'colour'"):
        check_applicable(["colour=blue"], SCALE)
