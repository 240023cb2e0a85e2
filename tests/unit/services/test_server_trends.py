"""The stats page's charts: MTTD, MTTR and approval latency per period, from a real records
repository (git in a temporary directory) holding a trail whose answers are known by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubemedic.errors import InputError
from kubemedic.models.identity import SYSTEM
from kubemedic.services.records import RecordStore
from kubemedic.services.server_trends import (
    Granularity,
    granularity_for,
    server_trends,
    trend_charts,
)
from kubemedic.services.workspace import Workspace
from tests.unit.governance.records_builder import (
    ADA,
    LIN,
    MORE_MEMORY,
    POLICY,
    SAM,
    SCALE_DOWN,
    SCALE_TO_ZERO,
    IncidentBuilder,
    OperationBuilder,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday
"""30 days back is Saturday 2026-11-07, in the week starting Monday 2026-11-02."""


def _trail() -> list[IncidentBuilder | OperationBuilder]:
    # week of 11-09: detected after 2 min, fixed by OP-a (medium, decided after 10 min),
    # validated 22 min after onset
    onset = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    inc1 = IncidentBuilder(
        "INC-20261110-000001", onset=onset, detected=onset + timedelta(minutes=2)
    )
    op_a = OperationBuilder(
        "OP-20261110-00000a",
        MORE_MEMORY,
        requester=LIN,
        at=onset + timedelta(minutes=5),
        incident=inc1.id,
    )
    op_a.approve(ADA, at=onset + timedelta(minutes=15)).execute(at=onset + timedelta(minutes=20))
    op_a.validate(at=onset + timedelta(minutes=22))
    # week of 11-16, late on Sunday: detected after 5 min; its fix is proposed (and decided,
    # after 5 min) on Monday, in the next week, and validated 45 min after onset
    late = datetime(2026, 11, 22, 23, 45, tzinfo=UTC)
    inc3 = IncidentBuilder("INC-20261122-000003", onset=late, detected=late + timedelta(minutes=5))
    op_e = OperationBuilder(
        "OP-20261123-00000e",
        MORE_MEMORY,
        requester=LIN,
        at=late + timedelta(minutes=20),
        incident=inc3.id,
    )
    op_e.approve(ADA, at=late + timedelta(minutes=25)).execute(at=late + timedelta(minutes=30))
    op_e.validate(at=late + timedelta(minutes=45))
    # week of 11-30: detected after 30 s, closed after 10 min; a low (10 min) and a critical
    # (rejected after 30 min) decision
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    inc2 = IncidentBuilder(
        "INC-20261130-000002", onset=monday, detected=monday + timedelta(seconds=30)
    )
    inc2.close(monday + timedelta(minutes=10))
    op_b = OperationBuilder("OP-20261130-00000b", SCALE_DOWN, requester=LIN, at=monday)
    op_b.approve(ADA, at=monday + timedelta(minutes=10))
    op_c = OperationBuilder("OP-20261130-00000c", SCALE_TO_ZERO, requester=LIN, at=monday)
    op_c.reject(SAM, at=monday + timedelta(minutes=30))
    # before the window: not counted anywhere
    old = datetime(2026, 10, 1, tzinfo=UTC)
    gone = IncidentBuilder("INC-20261001-000009", onset=old, detected=old + timedelta(hours=5))
    builders = (inc1, op_a, inc3, op_e, inc2, op_b, op_c, gone)
    return list(builders)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    store = RecordStore.open(tmp_path_factory.mktemp("trail") / "records")
    for built in _trail():
        store.repo.update(
            built.path,
            lambda _, text=built.text: text,
            author=SYSTEM.author,
            message=f"{built.id}: as the services write it",
        )
    return Workspace(store=store, policy=POLICY, now=lambda: NOW)


def test_a_month_is_drawn_week_by_week_from_the_records(ws: Workspace) -> None:
    found = server_trends(ws, "30d")
    assert found.step is Granularity.WEEK
    assert [p.label for p in found.periods] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
    ]
    assert [p.tick for p in found.periods][:2] == ["Nov 2", "Nov 9"]
    assert [p.mttd.mean for p in found.periods] == [None, 120.0, 300.0, None, 30.0, None]


def test_recovery_counts_in_the_week_the_incident_was_detected(ws: Workspace) -> None:
    mttr = [p.mttr.mean for p in server_trends(ws, "30d").periods]
    # the Sunday incident's fix was proposed on Monday: its 45 minutes belong to Sunday's week
    assert mttr == [None, 22 * 60.0, 45 * 60.0, None, 10 * 60.0, None]


def test_approval_latency_per_tier_in_the_week_of_the_proposal(ws: Workspace) -> None:
    found = server_trends(ws, "30d")
    assert found.tiers == ("low", "medium", "critical")
    latency = {p.label: {tier: s.mean for tier, s in p.approval.items()} for p in found.periods}
    assert latency["2026-11-09"] == {"medium": 600.0}
    assert latency["2026-11-16"] == {}
    assert latency["2026-11-23"] == {"medium": 300.0}
    assert latency["2026-11-30"] == {"critical": 1800.0, "low": 600.0}


def test_the_charts_have_a_point_per_period_with_data(ws: Workspace) -> None:
    mttd, mttr, approval = trend_charts(server_trends(ws, "30d"))
    assert (mttd.points, mttr.points) == (3, 3)
    assert [(line.name, len(line.dots)) for line in approval.lines] == [
        ("low", 1),
        ("medium", 2),
        ("critical", 1),
    ]
    assert "per week" in mttd.title
    assert mttd.columns == ("Week starting", "MTTD")
    assert mttd.rows[1] == ("2026-11-09", "2m")
    assert mttd.rows[0] == ("2026-11-02", "no data")


def test_a_short_window_is_drawn_hour_by_hour(ws: Workspace) -> None:
    found = server_trends(ws, "12h")
    assert found.step is Granularity.HOUR
    assert len(found.periods) == 13  # 00:00 to 12:00, the hour holding now included
    assert found.periods[0].label == "2026-12-07 00:00"
    assert all(p.mttd.count == 0 for p in found.periods)


def test_the_period_grows_with_the_window() -> None:
    assert granularity_for(timedelta(days=2)) is Granularity.HOUR
    assert granularity_for(timedelta(days=14)) is Granularity.DAY
    assert granularity_for(timedelta(days=90)) is Granularity.WEEK


def test_a_window_that_is_not_a_duration_is_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="since=soon: not a duration"):
        server_trends(ws, "soon")
