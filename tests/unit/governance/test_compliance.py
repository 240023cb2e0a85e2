"""``records audit`` passes a trail that kept the rules and names each operation that broke one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubemedic.governance.compliance import CHECKS, AuditResult, audit
from kubemedic.models.identity import Actor
from kubemedic.models.operations import ActionRequest, ApprovalRule
from kubemedic.models.policy import DEFAULT_RULES, Policy
from kubemedic.models.severity import RiskTier
from tests.unit.governance.records_builder import (
    ADA,
    BO,
    LIN,
    MORE_MEMORY,
    PAUSE,
    PEOPLE,
    POLICY,
    SAM,
    SCALE_DOWN,
    SCALE_TO_ZERO,
    IncidentBuilder,
    OperationBuilder,
)

MON = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday
LATER = MON + timedelta(days=1)
OP = "OP-20260601-abcdef"


def _audit(*builders: OperationBuilder | IncidentBuilder, now: datetime = LATER) -> AuditResult:
    return audit([b.record for b in builders], POLICY, now)


def _only(result: AuditResult) -> dict[str, tuple[str, ...]]:
    return {name: found for name, found in result.violations.items() if found}


def _op(request: ActionRequest = MORE_MEMORY, *, policy: Policy = POLICY) -> OperationBuilder:
    return OperationBuilder(OP, request, requester=LIN, at=MON, policy=policy)


def test_a_trail_that_followed_the_rules_passes_every_check() -> None:
    critical = OperationBuilder("OP-20260601-000001", SCALE_TO_ZERO, requester=LIN, at=MON)
    critical.approve(ADA).approve(SAM).execute().validate().validate()
    medium = OperationBuilder("OP-20260601-000002", MORE_MEMORY, requester=ADA, at=MON)
    medium.approve(BO).execute().validate(ok=False).roll_back("OP-20260601-000005", seconds=80)
    low = OperationBuilder("OP-20260601-000003", SCALE_DOWN, requester=LIN, at=MON)
    low.note("sla-breached", {"due_at": "2026-06-01T10:05:00Z", "late_seconds": 60.0})
    low.approve(SAM).start().fail()
    trivial = OperationBuilder("OP-20260601-000004", PAUSE, requester=LIN, at=MON)
    trivial.execute().validate()
    revert = OperationBuilder(
        "OP-20260601-000005", MORE_MEMORY, requester=ADA, at=MON, rollback_of=medium.id
    )
    revert.execute().validate()
    pending = OperationBuilder("OP-20260601-000006", SCALE_TO_ZERO, requester=LIN, at=MON)
    pending.approve(ADA)
    rejected = OperationBuilder("OP-20260601-000007", SCALE_TO_ZERO, requester=LIN, at=MON)
    rejected.approve(SAM).reject(BO)
    expired = OperationBuilder("OP-20260601-000008", MORE_MEMORY, requester=LIN, at=MON)
    expired.expire()
    incident = IncidentBuilder("INC-20260601-000001", onset=MON, detected=MON)
    result = _audit(critical, medium, low, trivial, revert, pending, rejected, expired, incident)
    assert result.checked == 8  # operations only
    assert _only(result) == {}
    assert result.ok
    assert set(result.violations) == {name for name, _ in CHECKS}


def test_a_step_the_lifecycle_forbids_is_named() -> None:
    op = _op().start()  # executed while still pending approval
    found = _only(_audit(op))
    assert found["lifecycle"] == (
        f"{OP}: section 2: execution-started from pending-approval to executing is not allowed",
    )
    assert found["approved-before-execution"] == (f"{OP}: medium change executed with no approval",)


def test_an_unknown_event_stops_the_replay() -> None:
    op = _op().step("teleported", "executed", {})
    assert _only(_audit(op))["lifecycle"] == (f"{OP}: section 2 has unknown event 'teleported'",)


def test_a_critical_change_executed_with_one_approval_is_reported() -> None:
    op = _op(SCALE_TO_ZERO).approve(ADA, complete=True).execute().validate()
    found = _only(_audit(op))
    assert found["approved-before-execution"] == (
        f"{OP}: executed with 1 approval(s); the critical rule needs 1 more approval "
        "(role security)",
    )
    assert found["approval-rule"] == (
        f"{OP}: approvals do not meet the rule: 1 more approval (role security)",
    )


def test_an_approval_given_after_execution_started_does_not_count() -> None:
    op = _op(SCALE_TO_ZERO).approve(ADA, complete=True).start()
    op.approve(SAM, complete=True).complete().validate()
    found = _only(_audit(op))
    assert "executed with 1 approval(s)" in found["approved-before-execution"][0]
    assert "approval-rule" not in found


def test_the_policy_rule_applies_not_a_weaker_one_the_header_claims() -> None:
    weak = dict(DEFAULT_RULES)
    weak[RiskTier.CRITICAL] = ApprovalRule(RiskTier.CRITICAL, approvers=1, sla_minutes=120)
    lax = Policy(people=PEOPLE, rules=weak)
    op = _op(SCALE_TO_ZERO, policy=lax).approve(ADA).execute().validate()
    assert op.record.header["approval"]["approvers"] == 1
    found = _only(_audit(op))
    assert set(found) == {"approved-before-execution", "approval-rule"}


def test_an_approval_without_the_tier_role_does_not_meet_the_rule() -> None:
    kim = Actor("Kim", "kim@example.com", frozenset(), configured=True)
    op = _op().approve(kim, complete=True)
    op.execute().validate()
    found = _only(_audit(op))
    assert found["approval-rule"] == (
        f"{OP}: approvals do not meet the rule: 1 more approval (role architect)",
    )
    assert found["approved-before-execution"] == (
        f"{OP}: executed with 1 approval(s); the medium rule needs 1 more approval "
        "(role architect)",
    )


def test_the_same_person_approving_twice_is_reported() -> None:
    op = _op(SCALE_TO_ZERO).approve(SAM).approve(SAM, complete=True).execute().validate()
    found = _only(_audit(op))
    assert f"{OP}: the same person approved twice" in found["approval-rule"]


def test_an_incomplete_approval_of_a_waiting_operation_is_not_a_violation() -> None:
    pending = _op(SCALE_TO_ZERO).approve(BO)
    assert _audit(pending).ok


def test_self_approval_is_reported() -> None:
    op = _op().approve(ADA).execute().validate()
    mine = _op(SCALE_DOWN).approve(LIN).execute().validate()
    assert _audit(op).ok
    assert _only(_audit(mine)) == {"no-self-approval": (f"{OP}: Lin approved their own request",)}


def test_conditions_must_hold_when_execution_starts() -> None:
    window = ("window=Sat 02:00-04:00 UTC",)
    saturday = datetime(2026, 6, 6, 2, 30, tzinfo=UTC)
    kept = _op().approve(ADA, conditions=window)
    kept.execute(at=saturday).validate()
    assert kept.record.state == "validated"
    assert _audit(kept, now=saturday + timedelta(days=1)).ok
    broken = _op().approve(ADA, conditions=(*window, "max-memory=256Mi"))
    broken.execute(at=MON + timedelta(hours=1)).validate()
    found = _only(_audit(broken))
    assert found == {
        "conditions-held": (
            f"{OP}: window=Sat 02:00-04:00 UTC: now is 2026-06-01T11:00:00Z, outside the window; "
            "max-memory=256Mi: the change sets 512Mi",
        )
    }


def test_an_execution_must_be_validated_once_a_validation_is_due() -> None:
    op = _op().approve(ADA).execute(at=MON + timedelta(minutes=10))
    executed = op.at  # the first stage is due 60 s later, and may take 60 s
    assert _audit(op, now=executed + timedelta(seconds=120)).ok
    assert _only(_audit(op, now=executed + timedelta(seconds=121))) == {
        "validated": (f"{OP}: executed but never validated",)
    }


def test_a_change_rolled_back_before_its_validation_was_due_needs_none() -> None:
    rolling = _op().approve(ADA).execute()
    rolling.step("rollback-started", "rolling-back", {"operation": "OP-20260601-000009"})
    assert _audit(rolling).ok
    done = _op().approve(ADA).execute().roll_back("OP-20260601-000009", seconds=30)
    assert _audit(done).ok
    late = _op().approve(ADA).execute()
    late.roll_back("OP-20260601-000009", seconds=30, at=late.at + timedelta(hours=1))
    assert _only(_audit(late)) == {"validated": (f"{OP}: executed but never validated",)}


def test_a_rollback_must_restore_within_five_minutes() -> None:
    fast = _op().approve(ADA).execute().validate(ok=False)
    fast.roll_back("OP-20260601-000009", seconds=300)
    assert _audit(fast).ok
    slow = _op().approve(ADA).execute().validate(ok=False)
    slow.roll_back("OP-20260601-000009", seconds=301)
    assert _only(_audit(slow)) == {
        "rollback-in-time": (f"{OP}: rollback took 301 s (target 300 s)",)
    }


def test_each_violation_names_its_operation() -> None:
    first = OperationBuilder("OP-20260601-000001", MORE_MEMORY, requester=LIN, at=MON).start()
    second = OperationBuilder("OP-20260601-000002", SCALE_DOWN, requester=LIN, at=MON)
    second.approve(LIN).execute().validate()
    found = _only(_audit(first, second))
    assert found["lifecycle"][0].startswith("OP-20260601-000001: ")
    assert found["no-self-approval"] == ("OP-20260601-000002: Lin approved their own request",)
