"""Execute an approved operation exactly once, and resume one a crash interrupted.

Under the operation's lock: refuse unless approved with every condition holding and the target
unchanged since the proposal; dry-run server-side; record the full prior state and pre-change
metrics (``execution-started``); apply with the resourceVersion read; record the object after
(``executed``). The dry run's result says what the object will look like, so a run that died
between the two records can tell on resume whether its write landed: it completes the record
if so, applies once if not, and refuses if someone else changed the object meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions._common import change_fingerprint
from kubemedic.actions.checks import restart_counts
from kubemedic.adapters.helm import Helm, HelmFailed
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import ClusterError, Refused
from kubemedic.governance.conditions import unmet
from kubemedic.governance.lifecycle import Event, next_state
from kubemedic.models.identity import Actor
from kubemedic.models.k8s import dig
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ChangeVerb, OperationState
from kubemedic.models.outcomes import Execution
from kubemedic.services.apply import apply_unchanged
from kubemedic.services.notifications import notify
from kubemedic.services.operation_steps import append_step
from kubemedic.services.operations import expire_if_due
from kubemedic.services.rollouts import helm
from kubemedic.services.snapshot import usage_snapshot, workload_pods
from kubemedic.services.targets import read_or_none
from kubemedic.services.workspace import Workspace

LOCK_TIMEOUT = 60.0


def execute(ws: Workspace, record_id: str, actor: Actor) -> Execution:
    """Apply an approved operation (or finish an interrupted one); never twice."""
    with ws.store.repo.lock(f"execute-{record_id}", timeout=LOCK_TIMEOUT):
        op = OperationRecord(ws.store.load(record_id))
        if op.state is OperationState.EXECUTING:
            return _resume(ws, op, actor)
        if expire_if_due(ws, op):
            raise Refused(f"operation {record_id} has expired", hint="propose it again")
        next_state(record_id, op.state, Event.START)
        problems = unmet(op.conditions, op.facts, ws.now())
        if problems:
            raise Refused(
                f"operation {record_id} cannot run now: " + "; ".join(problems),
                hint=f"run kubemedic execute {record_id} again when its conditions hold",
            )
        writer = ws.cluster()
        current = read_or_none(writer, op.change.target)
        if current is None and op.change.verb is not ChangeVerb.CREATE:
            raise Refused(
                f"{op.change.target} no longer exists; operation {record_id} cannot run",
                hint=f"cancel it: kubemedic cancel {record_id} --reason ...",
            )
        if change_fingerprint(current, op.change) != dict(
            op.header.get("target_fingerprint") or {}
        ):
            raise Refused(
                f"{op.target} changed since operation {record_id} was proposed; "
                "what was approved no longer describes it",
                hint=f"cancel it and propose again: kubemedic propose {_cli_words(op)}",
            )
        return _start_and_apply(ws, op, actor, writer, current)


def _start_and_apply(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    writer: ClusterWriter,
    current: dict[str, Any] | None,
) -> Execution:
    if op.change.verb is ChangeVerb.HELM_ROLLBACK:
        return _run_helm(ws, op, actor, writer, current)
    try:
        preview = apply_unchanged(writer, op.change, current, dry_run=True)
        dry_run_error = None
    except ClusterError as exc:
        preview, dry_run_error = None, str(exc)
    start = _started(writer, op, current, preview, dry_run_error)
    append_step(ws, op, actor, Event.START, start, f"Execution started: {op.plan['summary']}.")
    if dry_run_error is not None:
        return _fail(ws, op, actor, f"the server-side dry run was refused: {dry_run_error}")
    return _apply(ws, op, actor, writer, current, resumed=False)


def _started(
    writer: ClusterWriter,
    op: OperationRecord,
    current: Mapping[str, Any] | None,
    preview: Mapping[str, Any] | None,
    dry_run_error: str | None,
) -> dict[str, Any]:
    """The ``execution-started`` data: the prior state, the dry run, the pre-change figures."""
    return {
        "prior_object": _without_noise(current) if current else None,
        "prior_fingerprint": change_fingerprint(current, op.change),
        "expected_fingerprint": change_fingerprint(preview, op.change) if preview else None,
        "resource_version": dig(current, "metadata", "resourceVersion") if current else None,
        "dry_run": "passed" if dry_run_error is None else f"refused: {dry_run_error}",
        "pre": usage_snapshot(writer, op),
        "restarts_before": _restarts_before(writer, op),
    }


def _run_helm(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    writer: ClusterWriter,
    current: Mapping[str, Any] | None,
) -> Execution:
    """A ``helm-rollback``: helm's dry run, then the rollback, each one's output recorded."""
    installed = helm.require(ws, op.change)  # nothing is recorded when helm is missing
    helm.check_unchanged(installed, op.change, op.id)
    try:
        preview = helm.rollback(installed, writer, op.change, dry_run=True)
    except HelmFailed as exc:
        start = _started(writer, op, current, None, exc.message)
        start["helm_dry_run"] = exc.run.to_data()
        append_step(ws, op, actor, Event.START, start, f"Execution started: {op.plan['summary']}.")
        return _fail(ws, op, actor, f"helm's dry run failed: {exc.message}")
    start = {**_started(writer, op, current, None, None), "helm_dry_run": preview.to_data()}
    append_step(ws, op, actor, Event.START, start, f"Execution started: {op.plan['summary']}.")
    return _helm_apply(ws, op, actor, installed, writer, resumed=False)


def _helm_apply(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    installed: Helm,
    writer: ClusterWriter,
    *,
    resumed: bool,
) -> Execution:
    try:
        run = helm.rollback(installed, writer, op.change, dry_run=False)
    except HelmFailed as exc:
        return _fail(ws, op, actor, exc.message, {"helm": exc.run.to_data()})
    except ClusterError as exc:
        return _fail(ws, op, actor, f"helm rolled back, but unpausing failed: {exc.message}")
    return _complete(ws, op, actor, writer, resumed=resumed, extra={"helm": run.to_data()})


def _resume_helm(ws: Workspace, op: OperationRecord, actor: Actor) -> Execution:
    """Finish an interrupted ``helm-rollback``: helm's history says whether it ran."""
    installed, writer = helm.require(ws, op.change), ws.cluster()
    ran = helm.landed(installed, op.change)
    if ran is None:
        return _fail(
            ws,
            op,
            actor,
            f"the Helm release of {op.target} was changed by someone else while the execution "
            "was interrupted; nothing was run by kubemedic",
        )
    if not ran:
        return _helm_apply(ws, op, actor, installed, writer, resumed=True)
    try:
        helm.finish(writer, op.change)
    except ClusterError as exc:
        return _fail(ws, op, actor, f"helm rolled back, but unpausing failed: {exc.message}")
    return _complete(ws, op, actor, writer, resumed=True)


def _apply(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    writer: ClusterWriter,
    current: Mapping[str, Any] | None,
    *,
    resumed: bool,
) -> Execution:
    try:
        apply_unchanged(writer, op.change, current, dry_run=False)
    except ClusterError as exc:
        return _fail(ws, op, actor, str(exc))
    return _complete(ws, op, actor, writer, resumed=resumed)


def _complete(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    writer: ClusterWriter,
    *,
    resumed: bool,
    extra: Mapping[str, Any] | None = None,
) -> Execution:
    after = read_or_none(writer, op.change.target)
    data = {
        "after_object": _without_noise(after) if after else None,
        "resource_version": dig(after, "metadata", "resourceVersion") if after else None,
        "resumed": resumed,
        **(extra or {}),
    }
    text = "Executed" + (" (found applied when resuming an interrupted run)" if resumed else "")
    append_step(ws, op, actor, Event.COMPLETE, data, text + ".")
    notify(
        ws,
        op.id,
        "operation.executed",
        title=f"Executed: {op.plan['summary']}",
        text=f"Validation follows: kubemedic validate {op.id} --wait",
        severity=op.tier.value,
    )
    return Execution(op.id, OperationState.EXECUTED, resumed, op.plan["summary"])


def _fail(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    why: str,
    extra: Mapping[str, Any] | None = None,
) -> Execution:
    data = {"error": why, **(extra or {})}
    append_step(ws, op, actor, Event.FAIL, data, f"Execution failed: {why}")
    return Execution(op.id, OperationState.FAILED, False, why)


def _resume(ws: Workspace, op: OperationRecord, actor: Actor) -> Execution:
    """Finish a run that stopped after ``execution-started``: apply once, or record it applied."""
    started = op.record.last(Event.START.value)
    assert started is not None  # the state is executing only after that section
    if op.change.verb is ChangeVerb.HELM_ROLLBACK:
        return _resume_helm(ws, op, actor)
    writer = ws.cluster()
    current = read_or_none(writer, op.change.target)
    if _landed(op, current, started.data):
        return _complete(ws, op, actor, writer, resumed=True)
    if change_fingerprint(current, op.change) == started.data.get("prior_fingerprint"):
        return _apply(ws, op, actor, writer, current, resumed=True)
    return _fail(
        ws,
        op,
        actor,
        f"{op.target} was changed by someone else while the execution was interrupted; "
        "nothing was applied by kubemedic",
    )


def _landed(
    op: OperationRecord, current: Mapping[str, Any] | None, started: Mapping[str, Any]
) -> bool:
    if op.change.verb is ChangeVerb.DELETE:
        prior_uid = (started.get("prior_fingerprint") or {}).get("uid")
        return (
            current is None
            or dig(current, "metadata", "uid") != prior_uid
            or bool(dig(current, "metadata", "deletionTimestamp"))
        )
    expected = started.get("expected_fingerprint") or {}
    if current is None:
        return False
    return change_fingerprint(current, op.change)["desired_sha256"] == expected.get(
        "desired_sha256"
    )


def _restarts_before(writer: ClusterWriter, op: OperationRecord) -> dict[str, int]:
    return restart_counts(workload_pods(writer, op))


def _without_noise(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without managedFields (bulky bookkeeping no reader of the record needs)."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return {**obj, "metadata": meta}


def _cli_words(op: OperationRecord) -> str:
    request = op.request
    ref = f"{request.target.kind.lower()}/{request.target.name}"
    namespace = f" -n {request.target.namespace}" if request.target.namespace else ""
    return f"{request.type.value} {ref}{namespace} ..."
