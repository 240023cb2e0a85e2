"""Validate an executed operation at its delays (1 min, 5 min, 1 h by default).

Each stage polls the operation's checks until they all pass or the stage's timeout runs out,
then appends ``validation-passed`` or ``validation-failed`` with every check's result and the
workload's post-change figures. A failure notifies, and with ``auto_rollback`` (policy or flag)
rolls the change back at once. ``validate --due`` runs the stages that are due, for cron.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from kubemedic._internal.timeutils import human_duration
from kubemedic.actions.checks import ValidationInput, run_checks
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import NotFound, Refused
from kubemedic.governance.lifecycle import Event, next_state
from kubemedic.models.identity import SYSTEM, Actor
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ActionType, OperationState
from kubemedic.models.outcomes import StageOutcome, Validation
from kubemedic.models.records import RecordKind
from kubemedic.recommenders.prices import realised_savings
from kubemedic.recommenders.resources import workload_replicas
from kubemedic.services.incidents import resolve_incident
from kubemedic.services.notifications import notify
from kubemedic.services.operation_steps import append_step
from kubemedic.services.snapshot import usage_snapshot, workload, workload_pods
from kubemedic.services.targets import autoscaler_of
from kubemedic.services.workspace import Workspace

POLL_SECONDS = 1.0
NO_DATA_IS_FINE = frozenset({"usage-within-limits", "error-rate"})
"""Checks whose data may be missing (no metrics-server, no Prometheus) without failing."""
VALIDATING = (OperationState.EXECUTED, OperationState.VALIDATED)


Rollback = Callable[[Workspace, str, Actor], str]


def validate(
    ws: Workspace,
    record_id: str,
    *,
    wait: bool,
    actor: Actor = SYSTEM,
    auto_rollback: bool | None = None,
    rollback: Rollback | None = None,
) -> Validation:
    """Run the due stages (all of them, sleeping until each is due, with ``wait``)."""
    op = OperationRecord(ws.store.load(record_id))
    if op.state not in VALIDATING:
        next_state(record_id, op.state, Event.VALIDATION_OK)  # raises with what is possible
    executed = op.executed_at
    if executed is None:
        raise Refused(f"operation {record_id} has no execution to validate")
    delays = op.validation_delays or ws.policy.validation_delays
    outcomes: list[StageOutcome] = []
    stage = len(op.record.events(Event.VALIDATION_OK.value, Event.VALIDATION_BAD.value))
    while stage < len(delays):
        due = executed + timedelta(seconds=delays[stage])
        if ws.now() < due:
            if not wait:
                return Validation(record_id, op.state, tuple(outcomes), due)
            ws.sleep((due - ws.now()).total_seconds())
        outcome = _run_stage(ws, op, stage, delays[stage], actor)
        outcomes.append(outcome)
        if not outcome.ok:
            return _failed(ws, op, tuple(outcomes), actor, auto_rollback, rollback)
        stage += 1
        op = OperationRecord(ws.store.load(record_id))
    return Validation(record_id, op.state, tuple(outcomes), None)


def validate_due(ws: Workspace, *, rollback: Rollback | None = None) -> tuple[Validation, ...]:
    """Every executed operation's due stages, for a cron job."""
    done = []
    for record in ws.store.all(RecordKind.OPERATION):
        op = OperationRecord(record)
        if op.state in VALIDATING and _has_due_stage(ws, op):
            done.append(validate(ws, op.id, wait=False, rollback=rollback))
    return tuple(done)


def _has_due_stage(ws: Workspace, op: OperationRecord) -> bool:
    delays = op.validation_delays or ws.policy.validation_delays
    stage = len(op.record.events(Event.VALIDATION_OK.value, Event.VALIDATION_BAD.value))
    executed = op.executed_at
    return (
        executed is not None
        and stage < len(delays)
        and ws.now() >= executed + timedelta(seconds=delays[stage])
    )


def _run_stage(
    ws: Workspace, op: OperationRecord, stage: int, delay: float, actor: Actor
) -> StageOutcome:
    writer = ws.cluster()
    timeout = float((op.header.get("validation") or {}).get("timeout") or 60.0)
    deadline = ws.now() + timedelta(seconds=timeout)
    while True:
        results = run_checks(op.checks, _input(writer, op))
        ok = all(r.ok is True or (r.ok is None and r.name in NO_DATA_IS_FINE) for r in results)
        if ok or ws.now() >= deadline:
            break
        ws.sleep(POLL_SECONDS)
    event = Event.VALIDATION_OK if ok else Event.VALIDATION_BAD
    data = {
        "stage": stage + 1,
        "delay_seconds": delay,
        "checks": [r.to_data() for r in results],
        "post": usage_snapshot(writer, op),
    }
    lines = [
        f"- {'pass' if r.ok else 'FAIL' if r.ok is False else 'n/a'} {r.name}: {r.detail}"
        for r in results
    ]
    last = stage + 1 == len(op.validation_delays or ws.policy.validation_delays)
    if ok and last and op.request.type is ActionType.RESOURCES:
        savings = realised_savings(
            op.plan.get("prior") or {}, op.plan.get("after") or {}, _replicas(writer, op), ws.prices
        )
        data["realised_savings"] = savings.to_data()
        lines.append(f"- realised: {savings.describe()} at the configured prices")
    title = f"Validation stage {stage + 1} ({human_duration(delay)} after execution): " + (
        "passed" if ok else "FAILED"
    )
    append_step(ws, op, actor, event, data, title + "\n\n" + "\n".join(lines))
    if ok and op.incident and op.rollback_of is None:
        resolve_incident(ws, op.incident, reason=f"fixed by {op.id}, validated")
    return StageOutcome(stage + 1, delay, ok, results)


def _replicas(writer: ClusterWriter, op: OperationRecord) -> int:
    """Pods the workload runs now: what the realised savings multiply by."""
    obj = workload(writer, op)
    return workload_replicas(obj) if obj is not None else 0


def _input(writer: ClusterWriter, op: OperationRecord) -> ValidationInput:
    obj = workload(writer, op)
    started = op.record.last(Event.START.value)
    try:
        target = writer.get(op.change.target)
    except NotFound:
        target = None
    return ValidationInput(
        workload=obj,
        pods=workload_pods(writer, op, obj) if obj is not None else [],
        after=op.plan.get("after") or {},
        restarts_before=dict(started.data.get("restarts_before") or {}) if started else {},
        hpa=autoscaler_of(writer, op.workload) if op.workload else None,
        pod_metrics=writer.pod_metrics(op.target.namespace) if op.target.namespace else None,
        target=target,
        change=op.change,
    )


def _failed(
    ws: Workspace,
    op: OperationRecord,
    outcomes: tuple[StageOutcome, ...],
    actor: Actor,
    auto_rollback: bool | None,
    rollback: Rollback | None,
) -> Validation:
    failing = [r for r in outcomes[-1].results if r.ok is not True]
    detail = "; ".join(f"{r.name}: {r.detail}" for r in failing)
    roll = ws.policy.auto_rollback if auto_rollback is None else auto_rollback
    notify(
        ws,
        op.id,
        "validation.failed",
        title=f"Validation failed: {op.plan['summary']}",
        text=detail + ("" if roll else f"\nRoll it back: kubemedic rollback {op.id}"),
        severity=op.tier.value,
    )
    revert = None
    if roll and rollback is not None and op.inverse is not None:
        revert = rollback(ws, op.id, actor)
    state = OperationRecord(ws.store.load(op.id)).state
    return Validation(op.id, state, outcomes, None, revert)
