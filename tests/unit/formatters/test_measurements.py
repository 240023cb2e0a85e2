"""The operation page's pre/post table: the figures execution took before the write and each
validation stage took after, lined up by stage, with "not measured" where nothing was taken."""

from __future__ import annotations

from datetime import UTC, datetime

from kubemedic.formatters.measurements import NOT_MEASURED, measurements
from kubemedic.models.operation_record import OperationRecord
from tests.unit.governance.records_builder import ADA, LIN, MORE_MEMORY, OperationBuilder

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
DELAYS = (60.0, 300.0, 3600.0)


def _operation() -> OperationBuilder:
    return OperationBuilder("OP-20260601-00000a", MORE_MEMORY, requester=LIN, at=T0).approve(ADA)


def test_before_execution_nothing_is_measured() -> None:
    found = measurements(OperationRecord(_operation().record), DELAYS)
    assert not found.executed
    assert [s.label for s in found.stages] == ["1 min after", "5 min after", "1 h after"]
    assert {s.verdict for s in found.stages} == {"not run yet"}
    assert [row.name for row in found.figures] == ["Pods", "Ready pods", "Restarts"]
    assert all(row.before == NOT_MEASURED for row in found.figures)


def test_each_stage_fills_its_column_and_the_rest_say_not_measured() -> None:
    op = _operation().execute().validate()
    found = measurements(OperationRecord(op.record), DELAYS)
    assert found.executed
    assert [s.verdict for s in found.stages] == ["passed", "not run yet", "not run yet"]
    ready = next(row for row in found.figures if row.name == "Ready pods")
    assert (ready.before, ready.stages) == ("3", ("3", NOT_MEASURED, NOT_MEASURED))
    assert (ready.verdict, ready.ok) == ("unchanged", None)
    check = next(row for row in found.checks if row.name == "pods-ready")
    assert check.stages == ("pass: 3/3 pods Ready", NOT_MEASURED, NOT_MEASURED)
    assert (check.verdict, check.ok) == ("pass", True)
    never = next(row for row in found.checks if row.name == "change-holds")
    assert (never.stages, never.verdict) == ((NOT_MEASURED,) * 3, "not run yet")


def test_a_failed_stage_shows_what_got_worse() -> None:
    op = _operation().execute().validate().validate(ok=False)
    found = measurements(OperationRecord(op.record), DELAYS)
    assert [s.verdict for s in found.stages] == ["passed", "FAILED", "not run yet"]
    ready = next(row for row in found.figures if row.name == "Ready pods")
    assert ready.stages[:2] == ("3", "1")
    assert (ready.verdict, ready.ok) == ("-2", False)
    check = next(row for row in found.checks if row.name == "pods-ready")
    assert (check.verdict, check.ok) == ("FAIL", False)


def test_usage_rows_appear_when_metrics_were_served() -> None:
    op = _operation()
    op.step(
        "execution-started",
        "executing",
        {"pre": {"pods": 2, "ready": 1, "restarts": 7, "cpu": "120m", "memory": "250Mi"}},
    )
    found = measurements(OperationRecord(op.record), DELAYS)
    assert [row.name for row in found.figures][-2:] == ["CPU used", "Memory used"]
    assert found.figures[-1].before == "250Mi"
    assert found.figures[-1].stages == (NOT_MEASURED,) * 3


def test_the_operation_s_own_delays_win_over_the_policy_s() -> None:
    record = OperationRecord(_operation().record)
    assert [s.label for s in measurements(record, (30.0,)).stages] == [
        "1 min after",
        "5 min after",
        "1 h after",
    ]  # the builder records the policy's delays in the operation's header
