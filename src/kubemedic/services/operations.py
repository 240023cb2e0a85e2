"""Propose a change and decide on it: the first half of the governed path.

A proposal reads the target as it is, plans the change (``actions``), derives its tier
(``governance.tiers``), dry-runs it server-side, and writes an operation record whose header
holds the plan, the inverse and the approval rule. Approvals and rejections append sections;
the lifecycle table and the approval rules are checked under the repository lock, so the
record can never hold a step the rules forbid.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.actions import plan_change
from kubemedic.actions._common import change_fingerprint
from kubemedic.errors import InputError, Refused
from kubemedic.governance import approvals as rules
from kubemedic.governance.conditions import check_applicable, parse_condition
from kubemedic.governance.lifecycle import Event, next_state, what_now
from kubemedic.governance.tiers import TierDecision, derive_tier
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import SYSTEM, Actor
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import (
    ActionRequest,
    Approval,
    ChangeVerb,
    OperationState,
    Plan,
    ref_to_data,
)
from kubemedic.models.outcomes import Proposal
from kubemedic.models.records import Record, RecordKind
from kubemedic.models.severity import RiskTier
from kubemedic.services.apply import apply_unchanged
from kubemedic.services.notifications import notify
from kubemedic.services.records import Step
from kubemedic.services.rollouts import helm
from kubemedic.services.targets import plan_context, read_or_none, workload_of
from kubemedic.services.workspace import Workspace


def propose(
    ws: Workspace,
    request: ActionRequest,
    actor: Actor,
    *,
    emergency: bool = False,
    incident: str | None = None,
    reason: str = "",
    rollback_of: str | None = None,
    plan: Plan | None = None,
    tier: TierDecision | None = None,
    validation_delays: tuple[float, ...] | None = None,
    workload: ObjectRef | None = None,
) -> Proposal:
    """Plan, tier and dry-run ``request``, then record it as a new operation.

    A rollback passes its ready ``plan`` (the recorded inverse), the original's ``tier`` and
    the ``workload`` whose pods validated the original.
    """
    if incident:  # refuse an unknown incident, or another kind of record, before writing
        linked = ws.store.load(incident)
        if linked.kind is not RecordKind.INCIDENT:
            raise InputError(
                f"{incident} is a {linked.kind.value}, not an incident",
                hint="a fix links to the incident it fixes (INC-...): kubemedic records list",
            )
    writer = ws.cluster()
    current: dict[str, Any] | None = None
    changed: dict[str, Any] | None = None
    if plan is None:
        current = writer.get(request.target)
        plan = plan_change(request, current, plan_context(writer, request, current))
        changed = current if plan.change.target == request.target else None
    if changed is None:
        changed = read_or_none(writer, plan.change.target)
    if current is None:
        current = changed or {}
    decision = tier or derive_tier(plan.facts, ws.policy)
    rule = ws.policy.rules[decision.tier]
    if plan.change.verb is ChangeVerb.HELM_ROLLBACK:
        dry_run = helm.dry_run_note(ws, plan.change)
    else:
        apply_unchanged(writer, plan.change, changed, dry_run=True)
        dry_run = "passed"
    now = ws.now()
    sla = ws.policy.sla_minutes(decision.tier, emergency=emergency)
    workload = workload or workload_of(writer, request, current)
    record_id = ws.store.new_id(RecordKind.OPERATION, now)
    pre_approved = rule.approvers == 0 or rollback_of is not None
    header = {
        "created_at": format_time(now),
        "requested_by": {"name": actor.name, "email": actor.email},
        "action": {
            "type": request.type.value,
            "target": ref_to_data(request.target),
            "params": dict(request.params),
        },
        "tier": decision.tier.value,
        "tier_reason": decision.reason,
        "emergency": emergency,
        "reason": reason,
        "incident": incident,
        "rollback_of": rollback_of,
        "approval": {
            "approvers": 0 if pre_approved else rule.approvers,
            "required_roles": list(rule.required_roles),
            "any_role": list(rule.any_role),
            "sla_minutes": sla,
            "dry_run_first": rule.dry_run_first,
            "due_at": format_time(now + timedelta(minutes=sla)) if not pre_approved else None,
            "expires_at": format_time(now + timedelta(seconds=ws.policy.expire_after)),
        },
        "plan": {
            "summary": plan.summary,
            "change": plan.change.to_data(),
            "inverse": plan.inverse.to_data() if plan.inverse else None,
            "prior": dict(plan.prior),
            "after": dict(plan.after),
            "checks": ["change-holds", *(c for c in plan.checks if c != "change-holds")],
            "dry_run": dry_run,
        },
        "facts": plan.facts.to_data(),
        "target_fingerprint": change_fingerprint(changed, plan.change),
        "validation": {
            "delays": list(validation_delays or ws.policy.validation_delays),
            "timeout": ws.policy.validation_timeout,
            "workload": ref_to_data(workload) if workload else None,
        },
    }
    if pre_approved:
        why = (
            f"restores the state approved before {rollback_of}"
            if rollback_of
            else f"{decision.tier.value} tier: no approval needed ({decision.reason})"
        )
        first = Step(Event.AUTO_APPROVE.value, OperationState.APPROVED.value, {"why": why}, why)
    else:
        first = Step(
            Event.SUBMIT.value,
            OperationState.PENDING_APPROVAL.value,
            {"needs": rules.still_needed(rule, ())},
            f"Waiting for {rules.still_needed(rule, ())}; decide within "
            f"{human_duration(sla * 60)}.",
        )
    ws.store.create(
        RecordKind.OPERATION,
        record_id,
        header,
        title=f"Operation {record_id}: {plan.summary}",
        intro=_intro(plan, decision.reason, decision.tier, reason),
        first=first,
        actor=actor,
        at=now,
        message=f"{record_id}: proposed ({decision.tier.value}) {request.describe()}",
    )
    if incident:
        _link_incident(ws, incident, record_id, actor, now, plan.summary)
    state = OperationState(first.state or "")
    if not pre_approved:
        notify(
            ws,
            record_id,
            "operation.proposed",
            title=f"Approval needed ({decision.tier.value}): {plan.summary}",
            text=f"Requested by {actor.name}. Decide within {human_duration(sla * 60)}: "
            f"kubemedic approve {record_id} / kubemedic reject {record_id} --reason ...",
            severity=decision.tier.value,
        )
    needs = "nothing" if pre_approved else rules.still_needed(rule, ())
    approvers = () if pre_approved else ws.policy.approvers_for(rule, actor.email)
    return Proposal(
        record_id, decision.tier, state, plan.summary, needs, decision.reason, approvers
    )


def _intro(plan: Plan, tier_reason: str, tier: RiskTier, reason: str) -> str:
    lines = [
        plan.summary + ".",
        "",
        f"Tier **{tier.value}**: {tier_reason}.",
    ]
    if reason:
        lines += ["", f"Why: {reason}"]
    lines += ["", "| field | now | after |", "| --- | --- | --- |"]
    for key in sorted(set(plan.prior) | set(plan.after)):
        lines.append(f"| {key} | {plan.prior.get(key)} | {plan.after.get(key)} |")
    return "\n".join(lines)


def _link_incident(
    ws: Workspace, incident: str, record_id: str, actor: Actor, now: datetime, summary: str
) -> None:
    ws.store.append(
        incident,
        Step("operation-proposed", None, {"operation": record_id}, f"Fix proposed: {summary}"),
        actor=actor,
        at=now,
        message=f"{incident}: fix proposed as {record_id}",
    )


def approve(
    ws: Workspace,
    record_id: str,
    actor: Actor,
    *,
    reason: str = "",
    conditions: tuple[str, ...] = (),
) -> OperationState:
    """Add ``actor``'s approval; the operation is approved once the tier's rule is complete."""
    for condition in conditions:
        parse_condition(condition)
    op = OperationRecord(ws.store.load(record_id))
    check_applicable(conditions, op.facts)
    _expire_if_due(ws, op)
    now = ws.now()

    def decide(record: Record) -> Step:
        current = OperationRecord(record)
        given = current.approvals
        rules.check_approver(
            record_id, current.rule, current.requester_email, given, actor, ws.policy
        )
        mine = (*given, _approval(actor, now, reason, conditions))
        if rules.is_complete(current.rule, mine):
            conditional = any(a.conditions for a in mine)
            wanted = (
                OperationState.CONDITIONALLY_APPROVED if conditional else OperationState.APPROVED
            )
            state = next_state(record_id, current.state, Event.APPROVE, wanted)
            event = Event.APPROVE
        else:
            state = next_state(record_id, current.state, Event.APPROVE_PARTLY, current.state)
            event = Event.APPROVE_PARTLY
        data = {
            "roles": sorted(actor.roles),
            "reason": reason,
            "conditions": list(conditions),
            "still_needed": rules.still_needed(current.rule, mine),
        }
        text = f"Approved by {actor.name}" + (f": {reason}" if reason else ".")
        if conditions:
            text += "\n\nConditions: " + ", ".join(conditions)
        return Step(event.value, state.value, data, text)

    ws.store.append(
        record_id,
        decide,
        actor=actor,
        at=now,
        message=f"{record_id}: approved by {actor.name}",
        sign=ws.store.repo.signing_configured(),
    )
    after = OperationRecord(ws.store.load(record_id))
    if after.state is not OperationState.PENDING_APPROVAL:
        notify(
            ws,
            record_id,
            "operation.approved",
            title=f"Approved: {after.plan['summary']}",
            text=f"Approved by {', '.join(a.name for a in after.approvals)}. "
            + what_now(record_id, after.state),
            severity=after.tier.value,
        )
    return after.state


def _approval(actor: Actor, now: datetime, reason: str, conditions: tuple[str, ...]) -> Approval:
    return Approval(actor.name, actor.email, actor.roles, now, reason, conditions)


def reject(ws: Workspace, record_id: str, actor: Actor, *, reason: str) -> None:
    """Reject a pending operation (any configured approver other than the requester)."""
    if not reason.strip():
        raise Refused("a rejection needs a reason (--reason)")
    op = OperationRecord(ws.store.load(record_id))
    _expire_if_due(ws, op)

    def decide(record: Record) -> Step:
        current = OperationRecord(record)
        state = next_state(record_id, current.state, Event.REJECT)
        if not actor.configured:
            raise Refused(
                f"{actor.name} <{actor.email}> is not a configured approver",
                hint="approvers are listed under 'people' in the settings file",
            )
        if actor.email.lower() == current.requester_email.lower():
            raise Refused(
                f"{actor.name} requested operation {record_id} and cannot decide on it",
                hint=f"withdraw it instead: kubemedic cancel {record_id} --reason ...",
            )
        return Step(Event.REJECT.value, state.value, {"reason": reason}, f"Rejected: {reason}")

    ws.store.append(
        record_id,
        decide,
        actor=actor,
        at=ws.now(),
        message=f"{record_id}: rejected by {actor.name}",
        sign=ws.store.repo.signing_configured(),
    )
    notify(
        ws,
        record_id,
        "operation.rejected",
        title=f"Rejected: {op.plan['summary']}",
        text=f"Rejected by {actor.name}: {reason}",
        severity=op.tier.value,
    )


def cancel(ws: Workspace, record_id: str, actor: Actor, *, reason: str) -> None:
    """Withdraw an operation that has not started (its requester or a configured person)."""

    def decide(record: Record) -> Step:
        current = OperationRecord(record)
        if not actor.configured and actor.email.lower() != current.requester_email.lower():
            raise Refused(f"only {current.requester} or a configured approver may cancel it")
        state = next_state(record_id, current.state, Event.CANCEL)
        return Step(Event.CANCEL.value, state.value, {"reason": reason}, f"Cancelled: {reason}")

    ws.store.append(record_id, decide, actor=actor, at=ws.now(), message=f"{record_id}: cancelled")


def _expire_if_due(ws: Workspace, op: OperationRecord) -> None:
    """Expire a waiting operation past its expiry, then refuse the step that found it."""
    if expire_if_due(ws, op):
        raise Refused(
            f"operation {op.id} expired at {format_time(op.expires_at or ws.now())}",
            hint="propose the change again if it is still needed",
        )


def expire_if_due(ws: Workspace, op: OperationRecord) -> bool:
    """Mark a pending or approved operation past its expiry time as expired; True if done."""
    expires = op.expires_at
    waiting = op.state in (
        OperationState.PENDING_APPROVAL,
        OperationState.APPROVED,
        OperationState.CONDITIONALLY_APPROVED,
    )
    if not waiting or expires is None or ws.now() < expires:
        return False

    def decide(record: Record) -> Step:
        state = next_state(op.id, OperationRecord(record).state, Event.EXPIRE)
        return Step(
            Event.EXPIRE.value,
            state.value,
            {"expired_at": format_time(expires)},
            f"Expired: not executed by {format_time(expires)}.",
        )

    ws.store.append(op.id, decide, actor=SYSTEM, at=ws.now(), message=f"{op.id}: expired")
    notify(
        ws,
        op.id,
        "operation.expired",
        title=f"Expired: {op.plan['summary']}",
        text="The operation expired before it was executed; propose it again if still needed.",
        severity=op.tier.value,
    )
    return True
