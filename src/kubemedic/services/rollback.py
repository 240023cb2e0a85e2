"""Roll an executed operation back: its recorded inverse, as its own pre-approved operation.

The inverse was computed from the prior state when the change was planned, so the rollback
restores exactly what was approved before. It runs as a new operation linked both ways
(``rollback_of`` in its header, ``rollback-started`` / ``rolled-back`` in the original), is
executed and validated at once, and the original records how long the rollback took from the
decision to the validated restore.
"""

from __future__ import annotations

from dataclasses import replace

from kubemedic._internal.timeutils import format_time
from kubemedic.errors import Refused
from kubemedic.governance.lifecycle import Event, next_state
from kubemedic.governance.tiers import TierDecision
from kubemedic.models.identity import Actor
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ActionRequest, ActionType, OperationState, Plan
from kubemedic.models.outcomes import RollbackOutcome
from kubemedic.services.execution import execute
from kubemedic.services.notifications import notify
from kubemedic.services.operation_steps import append_step
from kubemedic.services.operations import propose
from kubemedic.services.validation import validate
from kubemedic.services.workspace import Workspace


def rollback(ws: Workspace, record_id: str, actor: Actor, *, reason: str = "") -> RollbackOutcome:
    """Apply the inverse of ``record_id`` as a linked operation, then validate it."""
    op = OperationRecord(ws.store.load(record_id))
    inverse = op.inverse
    if inverse is None:
        raise Refused(
            f"operation {record_id} ({op.request.type.value}) has no inverse to apply",
            hint="a restarted pod cannot be un-restarted; its controller already replaced it",
        )
    started = op.record.last(Event.ROLLBACK_START.value)
    earlier = None
    if started is not None and op.state is OperationState.ROLLING_BACK:
        earlier = str(started.data["operation"]), started.at
    if earlier is not None and _can_finish(ws, earlier[0]):
        revert_id, decided = earlier
    else:
        next_state(record_id, op.state, Event.ROLLBACK_START)
        decided = ws.now()
        plan = Plan(
            request=ActionRequest(ActionType.REVERT, inverse.target, {"of": record_id}),
            summary=f"Roll back {record_id}: {op.plan['summary']}",
            change=inverse,
            inverse=op.change,
            facts=replace(
                op.facts,
                action=ActionType.REVERT,
                replicas_before=op.facts.replicas_after,
                replicas_after=op.facts.replicas_before,
            ),
            prior=op.plan.get("after") or {},
            after=op.plan.get("prior") or {},
            checks=("change-holds",),
        )
        proposal = propose(
            ws,
            plan.request,
            actor,
            rollback_of=record_id,
            plan=plan,
            tier=TierDecision(op.tier, f"rolls back {record_id} ({op.tier.value})"),
            validation_delays=(0.0,),
            workload=op.workload,
            reason=reason or f"rollback of {record_id}",
        )
        revert_id = proposal.id
        append_step(
            ws,
            op,
            actor,
            Event.ROLLBACK_START,
            {"operation": revert_id, "reason": reason},
            f"Rollback started as {revert_id}" + (f": {reason}" if reason else "."),
        )
    revert = OperationRecord(ws.store.load(revert_id))
    if revert.state in (OperationState.APPROVED, OperationState.EXECUTING):
        execute(ws, revert_id, actor)
        revert = OperationRecord(ws.store.load(revert_id))
    if revert.state is OperationState.EXECUTED:
        validate(ws, revert_id, wait=True, actor=actor)
        revert = OperationRecord(ws.store.load(revert_id))
    seconds = (ws.now() - decided).total_seconds()
    if revert.state is OperationState.VALIDATED:
        append_step(
            ws,
            op,
            actor,
            Event.ROLLBACK_DONE,
            {
                "operation": revert_id,
                "decided_at": format_time(decided),
                "seconds": round(seconds, 1),
            },
            f"Rolled back by {revert_id} in {seconds:.0f} s (decision to validated restore).",
        )
        notify(
            ws,
            record_id,
            "operation.rolled-back",
            title=f"Rolled back: {op.plan['summary']}",
            text=f"Restored by {revert_id} in {seconds:.0f} s.",
            severity=op.tier.value,
        )
    else:
        append_step(
            ws,
            op,
            actor,
            Event.ROLLBACK_FAIL,
            {"operation": revert_id, "revert_state": revert.state.value},
            f"The rollback operation {revert_id} ended {revert.state.value}; "
            f"see kubemedic records show {revert_id}.",
        )
    state = OperationRecord(ws.store.load(record_id)).state
    return RollbackOutcome(record_id, revert_id, state, seconds)


def _can_finish(ws: Workspace, revert_id: str) -> bool:
    """An earlier revert that can still be executed or validated (else a new one is needed)."""
    state = OperationRecord(ws.store.load(revert_id)).state
    return state in (
        OperationState.APPROVED,
        OperationState.EXECUTING,
        OperationState.EXECUTED,
        OperationState.VALIDATED,
    )


def rollback_for_validation(ws: Workspace, record_id: str, actor: Actor) -> str:
    """The rollback a failed validation triggers; returns the revert operation's id."""
    return rollback(ws, record_id, actor, reason="validation failed").revert_id
