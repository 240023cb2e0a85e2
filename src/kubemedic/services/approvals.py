"""What waits for a decision, how long it has left, and escalation when an SLA is missed.

``kubemedic approvals`` lists pending operations with tier, age and time left;
``kubemedic approvals --escalate`` (for cron) records each SLA breach once, notifies, and
expires operations nobody decided in time.
"""

from __future__ import annotations

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.governance.approvals import still_needed
from kubemedic.models.identity import SYSTEM
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import OperationState
from kubemedic.models.outcomes import Escalation, PendingApproval
from kubemedic.models.records import Record, RecordKind
from kubemedic.services.notifications import notify
from kubemedic.services.operations import expire_if_due
from kubemedic.services.records import Step
from kubemedic.services.workspace import Workspace

SLA_BREACHED = "sla-breached"


def pending(ws: Workspace) -> tuple[PendingApproval, ...]:
    """Operations waiting for approval, the most urgent (least time left) first."""
    now = ws.now()
    waiting = []
    for record in ws.store.per_commit("pending operations", lambda: _waiting(ws)):
        op = OperationRecord(record)
        due = op.due_at or now
        waiting.append(
            PendingApproval(
                id=op.id,
                tier=op.tier.value,
                summary=str(op.plan["summary"]),
                requester=op.requester,
                age_seconds=(now - op.created_at).total_seconds(),
                left_seconds=(due - now).total_seconds(),
                needs=still_needed(op.rule, op.approvals),
                emergency=bool(op.header.get("emergency")),
            )
        )
    return tuple(sorted(waiting, key=lambda p: p.left_seconds))


def _waiting(ws: Workspace) -> tuple[Record, ...]:
    """The operations pending approval (a server keeps them while HEAD stays put)."""
    operations = ws.store.all(RecordKind.OPERATION)
    return tuple(r for r in operations if ws.store.derived(r, _is_pending))


def _is_pending(record: Record) -> bool:
    return OperationRecord(record).state is OperationState.PENDING_APPROVAL


def escalate(ws: Workspace) -> Escalation:
    """Record and notify each SLA breach once; expire what waited past its expiry."""
    breached, expired = [], []
    for record in list(ws.store.all(RecordKind.OPERATION)):
        op = OperationRecord(record)
        if expire_if_due(ws, op):
            expired.append(op.id)
            continue
        due = op.due_at
        if (
            op.state is not OperationState.PENDING_APPROVAL
            or due is None
            or ws.now() < due
            or op.record.events(SLA_BREACHED)
        ):
            continue
        late = (ws.now() - due).total_seconds()
        sla = human_duration(op.rule.sla_minutes * 60)
        text = (
            f"The {op.tier.value} approval SLA ({sla}) ended at {format_time(due)}; "
            f"still needs {still_needed(op.rule, op.approvals)}."
        )
        ws.store.append(
            op.id,
            Step(SLA_BREACHED, None, {"due_at": format_time(due), "late_seconds": late}, text),
            actor=SYSTEM,
            at=ws.now(),
            message=f"{op.id}: approval SLA breached",
        )
        notify(
            ws,
            op.id,
            "operation.sla-breached",
            title=f"Approval overdue ({op.tier.value}): {op.plan['summary']}",
            text=text + f" Decide: kubemedic approve {op.id} / kubemedic reject {op.id}",
            severity=op.tier.value,
        )
        breached.append(op.id)
    return Escalation(tuple(breached), tuple(expired))
