"""``kubemedic stats`` figures, recomputed from a small trail whose answers are known by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubemedic.governance.figures import Summary, figures
from kubemedic.models.records import Record
from tests.unit.governance.records_builder import (
    ADA,
    BO,
    LIN,
    MORE_MEMORY,
    PAUSE,
    SAM,
    SCALE_DOWN,
    SCALE_TO_ZERO,
    IncidentBuilder,
    OperationBuilder,
)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _trail() -> list[Record]:
    # INC-1: onset T0, detected 2 min later, fixed by OP-a validated at +22 min
    inc1 = IncidentBuilder("INC-20260601-000001", onset=T0, detected=_at(2))
    op_a = OperationBuilder(
        "OP-20260601-00000a", MORE_MEMORY, requester=LIN, at=_at(5), incident=inc1.id
    )
    inc1.link(op_a.id, _at(5))
    op_a.approve(ADA, at=_at(15)).execute(at=_at(20)).validate(at=_at(22))
    inc1.close(_at(40))
    # INC-2: detected after 30 s, closed 10 min after onset with no operation
    inc2 = IncidentBuilder(
        "INC-20260601-000002",
        onset=_at(60),
        detected=_at(60.5),
        category="crashloop.app-error",
    )
    inc2.close(_at(70))
    # INC-3: detected after 1 min; its fix OP-e was validated, then rolled back: not recovered
    inc3 = IncidentBuilder("INC-20260601-000003", onset=_at(120), detected=_at(121))
    op_e = OperationBuilder(
        "OP-20260601-00000e", MORE_MEMORY, requester=LIN, at=_at(125), incident=inc3.id
    )
    op_e.approve(BO, at=_at(127)).execute(at=_at(128)).validate(at=_at(130))
    op_e.roll_back("OP-20260601-00000f", seconds=200.0, at=_at(140))
    # OP-b: low, approved after 10 min (SLA 5 min), execution failed
    op_b = OperationBuilder("OP-20260601-00000b", SCALE_DOWN, requester=LIN, at=_at(180))
    op_b.approve(ADA, at=_at(190)).start(at=_at(191)).fail()
    # OP-c: critical, rejected after 30 min (SLA 120 min)
    op_c = OperationBuilder("OP-20260601-00000c", SCALE_TO_ZERO, requester=LIN, at=_at(200))
    op_c.reject(SAM, at=_at(230))
    # OP-d: trivial (no approval), executed, validation failed, rolled back in 42 s
    op_d = OperationBuilder("OP-20260601-00000d", PAUSE, requester=LIN, at=_at(240))
    op_d.execute(at=_at(241)).validate(ok=False, at=_at(243))
    op_d.roll_back("OP-20260601-000010", seconds=42.0, at=_at(244))
    # before the period: ignored altogether
    old = IncidentBuilder("INC-20260501-000009", onset=_at(-44000), detected=_at(-43000))
    old_op = OperationBuilder("OP-20260501-000009", SCALE_DOWN, requester=LIN, at=_at(-43000))
    old_op.approve(ADA, at=_at(-42000)).start(at=_at(-41999)).fail()
    builders = (inc1, inc2, inc3, op_a, op_b, op_c, op_d, op_e, old, old_op)
    return [b.record for b in builders]


@pytest.fixture(scope="module")
def trail() -> list[Record]:
    return _trail()


def test_incidents_and_mttd(trail: list[Record]) -> None:
    stats = figures(trail, since=T0)
    assert stats.since == T0
    assert stats.incidents == 3
    assert stats.mttd == Summary(count=3, mean=70.0, p50=60.0, p95=120.0)
    assert stats.by_category == {"oomkilled": 2, "crashloop.app-error": 1}


def test_mttr_runs_to_the_validated_fix_or_the_closing(trail: list[Record]) -> None:
    stats = figures(trail, since=T0)
    # INC-1: validated fix at +22 min (not the closing at +40); INC-2: closed after 10 min;
    # INC-3: its fix was rolled back and it is still open, so it has not recovered
    assert stats.mttr == Summary(count=2, mean=960.0, p50=600.0, p95=1320.0)


def test_approval_latency_and_sla_per_tier(trail: list[Record]) -> None:
    approval = figures(trail, since=T0).approval
    assert sorted(approval) == ["critical", "low", "medium"]  # trivial needs no decision
    medium = approval["medium"]
    assert medium.latency == Summary(count=2, mean=360.0, p50=120.0, p95=600.0)
    assert (medium.within_sla, medium.decided) == (2, 2)
    low = approval["low"]
    assert low.latency.mean == 600.0
    assert (low.within_sla, low.decided) == (0, 1)
    critical = approval["critical"]
    assert critical.latency.mean == 1800.0  # a rejection is a decision too
    assert (critical.within_sla, critical.decided) == (1, 1)


def test_an_emergency_is_held_to_its_shorter_sla() -> None:
    op = OperationBuilder("OP-20260601-0000aa", SCALE_TO_ZERO, requester=LIN, at=T0, emergency=True)
    op.approve(ADA, at=_at(30)).approve(SAM, at=_at(90))
    critical = figures([op.record], since=T0).approval["critical"]
    assert critical.latency.mean == 90 * 60.0
    assert (critical.within_sla, critical.decided) == (0, 1)


def test_outcomes_of_executions(trail: list[Record]) -> None:
    stats = figures(trail, since=T0)
    assert (stats.executed, stats.failed) == (3, 1)
    assert stats.success_rate == 0.75
    assert (stats.validated, stats.validation_failed) == (2, 1)
    assert stats.rollbacks == Summary(count=2, mean=121.0, p50=42.0, p95=200.0)


def test_an_empty_period_has_no_figures(trail: list[Record]) -> None:
    stats = figures(trail, since=_at(100_000))
    assert stats.incidents == 0
    assert stats.mttd == Summary()
    assert stats.mttr == Summary()
    assert stats.approval == {}
    assert stats.success_rate is None


def test_summary_percentiles_are_nearest_rank() -> None:
    twenty = Summary.of([float(n) for n in range(20, 0, -1)])
    assert (twenty.count, twenty.mean, twenty.p50, twenty.p95) == (20, 10.5, 10.0, 19.0)
    assert Summary.of([7.0]) == Summary(1, 7.0, 7.0, 7.0)
    assert Summary.of([]) == Summary(0, None, None, None)
