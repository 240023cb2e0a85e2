"""``records audit``: did every change follow the rules it was bound by?

Replays each operation's trail against the lifecycle table and its tier's approval rule (the
policy's, never a weaker one a header might claim): approvals complete before execution started,
two distinct people incl. security for critical, nobody approving their own request, conditions
true at the moment execution started, a validation recorded once one was due, rollbacks done
within five minutes. Each check reports the operations that broke it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kubemedic.governance import approvals as rules
from kubemedic.governance.conditions import unmet
from kubemedic.governance.lifecycle import Event, is_legal
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ApprovalRule, OperationState
from kubemedic.models.policy import Policy
from kubemedic.models.records import Record, RecordKind
from kubemedic.models.severity import RiskTier

ROLLBACK_TARGET_SECONDS = 300.0
NOTES = frozenset({"sla-breached", "notification-failed", "rollout-guarded"})

CHECKS = (
    ("lifecycle", "every step followed the lifecycle"),
    ("approved-before-execution", "medium and critical changes were approved before execution"),
    ("approval-rule", "approvals met the tier's rule (count, roles, two-person for critical)"),
    ("no-self-approval", "nobody approved their own request"),
    ("conditions-held", "approval conditions held when execution started"),
    ("validated", "executed changes have a recorded validation once one was due"),
    ("rollback-in-time", "rollbacks restored the prior state within 5 minutes"),
)


@dataclass(frozen=True, slots=True)
class AuditResult:
    checked: int
    violations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())


def audit(records: Iterable[Record], policy: Policy, now: datetime) -> AuditResult:
    found: dict[str, list[str]] = {name: [] for name, _ in CHECKS}
    checked = 0
    for record in records:
        if record.kind is not RecordKind.OPERATION:
            continue
        checked += 1
        op = OperationRecord(record)
        for name, message in _operation(op, policy, now):
            found[name].append(f"{op.id}: {message}")
    return AuditResult(checked, {k: tuple(v) for k, v in found.items()})


def _operation(op: OperationRecord, policy: Policy, now: datetime) -> Iterable[tuple[str, str]]:
    yield from _lifecycle(op)
    started = op.record.first(Event.START.value)
    approvals = op.approvals
    before = tuple(a for a in approvals if started is None or a.at <= started.at)
    rule = _rule(op, policy)
    if started is not None and op.rollback_of is None:
        if op.tier in (RiskTier.MEDIUM, RiskTier.CRITICAL) and not before:
            yield "approved-before-execution", f"{op.tier.value} change executed with no approval"
        elif not rules.is_complete(rule, before):
            yield (
                "approved-before-execution",
                f"executed with {len(before)} approval(s); the {op.tier.value} rule needs "
                + rules.still_needed(rule, before),
            )
    if approvals and not rules.is_complete(rule, approvals) and op.state not in _WAITING:
        yield (
            "approval-rule",
            f"approvals do not meet the rule: {rules.still_needed(rule, approvals)}",
        )
    emails = [a.email.lower() for a in approvals]
    if len(set(emails)) != len(emails):
        yield "approval-rule", "the same person approved twice"
    if op.requester_email.lower() in emails:
        yield "no-self-approval", f"{op.requester} approved their own request"
    if started is not None:
        problems = unmet(op.conditions, op.facts, started.at)
        if problems:
            yield "conditions-held", "; ".join(problems)
    yield from _validated(op, now)
    yield from _rollback(op)


_WAITING = (
    OperationState.PENDING_APPROVAL,
    OperationState.EXPIRED,
    OperationState.CANCELLED,
    OperationState.REJECTED,
)


def _rule(op: OperationRecord, policy: Policy) -> ApprovalRule:
    """The policy's rule for the tier, unless the operation restores an approved state."""
    if op.rollback_of is not None:
        return op.rule
    return policy.rules[op.tier]


def _lifecycle(op: OperationRecord) -> Iterable[tuple[str, str]]:
    state = OperationState.PROPOSED
    for section in op.record.sections:
        if section.event in NOTES or section.state is None:
            continue
        try:
            event = Event(section.event)
            after = OperationState(section.state)
        except ValueError:
            yield "lifecycle", f"section {section.seq} has unknown event {section.event!r}"
            return
        if not is_legal(state, event, after):
            yield (
                "lifecycle",
                f"section {section.seq}: {section.event} from {state.value} to {after.value} "
                "is not allowed",
            )
        state = after
    if op.record.state and state.value != op.record.state:
        yield "lifecycle", "the recorded state does not follow from the sections"


def _validated(op: OperationRecord, now: datetime) -> Iterable[tuple[str, str]]:
    executed = op.executed_at
    delays: Sequence[float] = op.validation_delays
    if executed is None or not delays:
        return
    timeout = float((op.header.get("validation") or {}).get("timeout") or 60.0)
    due = executed + timedelta(seconds=delays[0] + timeout)
    has = op.record.first(Event.VALIDATION_OK.value, Event.VALIDATION_BAD.value)
    rollback = op.record.first(Event.ROLLBACK_START.value)
    # a rollback decided before the validation was due replaces it (whether done or not yet)
    if has is None and (rollback.at if rollback else now) > due:
        yield "validated", "executed but never validated"


def _rollback(op: OperationRecord) -> Iterable[tuple[str, str]]:
    done = op.record.first(Event.ROLLBACK_DONE.value)
    if done is None:
        return
    seconds = float(done.data.get("seconds") or 0.0)
    if seconds > ROLLBACK_TARGET_SECONDS:
        yield (
            "rollback-in-time",
            f"rollback took {seconds:.0f} s (target {ROLLBACK_TARGET_SECONDS:.0f} s)",
        )
