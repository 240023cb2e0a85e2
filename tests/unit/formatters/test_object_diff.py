"""The operation page's diff of the object: what the write really changed, read from the record."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from kubemedic.formatters.object_diff import executed_diff
from kubemedic.models.operation_record import OperationRecord
from tests.unit.governance.records_builder import (
    ADA,
    DEPLOYMENT,
    LIN,
    MORE_MEMORY,
    OperationBuilder,
)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def _approved() -> OperationBuilder:
    return OperationBuilder("OP-20260601-00000a", MORE_MEMORY, requester=LIN, at=T0).approve(ADA)


def test_the_diff_shows_the_changed_limit_and_not_the_moved_metadata() -> None:
    after = copy.deepcopy(DEPLOYMENT)
    after["metadata"] |= {"resourceVersion": "4712", "generation": 4}
    after["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "512Mi"
    op = _approved()
    op.step("execution-started", "executing", {"prior_object": DEPLOYMENT})
    op.step("executed", "executed", {"after_object": after})
    lines = executed_diff(OperationRecord(op.record))
    changed = [(line.text[0], line.text[1:].strip()) for line in lines if line.kind != "same"]
    assert changed[1:] == [("-", "memory: 256Mi"), ("+", "memory: 512Mi")]
    assert lines[0].kind == "hunk"
    assert any(line.kind == "same" and "limits:" in line.text for line in lines)


def test_nothing_is_shown_before_execution() -> None:
    assert executed_diff(OperationRecord(_approved().record)) == ()
