"""``kubemedic approve | reject | cancel | execute | validate | rollback | approvals``.

Each command is one step of an operation's lifecycle, done by the acting person (``--as`` or
the settings' ``user``); a step the rules forbid is refused with exit code 6 and nothing is
written. With ``--server`` the step is asked of a kubemedic server, as the person the token
proves, and printed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubemedic.cli.governed import (
    AsOption,
    ContextOption,
    JsonOption,
    KubeconfigOption,
    RecordsOption,
    workspace,
)
from kubemedic.cli.rollout import GuardOptions, with_guard_options
from kubemedic.cli.session import server_client
from kubemedic.errors import EXIT_FINDINGS, InputError
from kubemedic.models.operations import OperationState

if TYPE_CHECKING:
    from kubemedic.models.outcomes import Execution, Validation

IdArgument = Annotated[str, typer.Argument(metavar="ID", help="Operation record id (OP-...).")]


def approve_command(
    ctx: typer.Context,
    record_id: IdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why you approve.")] = "",
    condition: Annotated[
        list[str] | None,
        typer.Option(
            "--condition",
            help="A condition checked at execution: window='Sat 02:00-04:00 UTC', "
            "max-replicas=6, max-memory=1Gi, max-cpu=2, after=TIME, before=TIME. Repeatable.",
            show_default=False,
        ),
    ] = None,
    records: RecordsOption = None,
    as_: AsOption = None,
) -> None:
    """Approve an operation (it is approved once its tier's rule is complete)."""
    from kubemedic.governance.lifecycle import what_now
    from kubemedic.services.operations import approve

    conditions = tuple(condition or ())
    client = server_client(ctx, local_only={"--records": records, "--as": as_})
    if client is not None:
        with client:
            state = client.approve(record_id, reason=reason, conditions=conditions)
            actor = client.me()
    else:
        with workspace(ctx, records=records, as_=as_) as (ws, actor):
            state = approve(ws, record_id, actor, reason=reason, conditions=conditions)
    typer.echo(f"{record_id} approved by {actor.name}: now {state.value}")
    typer.echo(what_now(record_id, state))


def reject_command(
    ctx: typer.Context,
    record_id: IdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why you reject (required).")],
    records: RecordsOption = None,
    as_: AsOption = None,
) -> None:
    """Reject a pending operation; it can never be executed."""
    from kubemedic.services.operations import reject

    client = server_client(ctx, local_only={"--records": records, "--as": as_})
    if client is not None:
        with client:
            client.reject(record_id, reason=reason)
            actor = client.me()
    else:
        with workspace(ctx, records=records, as_=as_) as (ws, actor):
            reject(ws, record_id, actor, reason=reason)
    typer.echo(f"{record_id} rejected by {actor.name}")


def cancel_command(
    ctx: typer.Context,
    record_id: IdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")] = "",
    records: RecordsOption = None,
    as_: AsOption = None,
) -> None:
    """Withdraw an operation that has not started."""
    from kubemedic.services.operations import cancel

    client = server_client(ctx, local_only={"--records": records, "--as": as_})
    if client is not None:
        with client:
            client.cancel(record_id, reason=reason)
    else:
        with workspace(ctx, records=records, as_=as_) as (ws, actor):
            cancel(ws, record_id, actor, reason=reason)
    typer.echo(f"{record_id} cancelled")


@with_guard_options
def execute_command(
    ctx: typer.Context,
    record_id: IdArgument,
    wait: Annotated[
        bool, typer.Option("--wait", help="Then validate at each delay (1 min, 5 min, 1 h).")
    ] = False,
    guard: Annotated[
        bool,
        typer.Option(
            "--guard",
            help="Run it under the rollout guard (the options below): the Deployment rollout "
            "it starts is halted when its first new replicas fail.",
        ),
    ] = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
    *,
    guard_options: GuardOptions,
) -> None:
    """Apply an approved operation: dry-run, prior state recorded, applied once, recorded."""
    from kubemedic.services.execution import execute
    from kubemedic.services.rollback import rollback_for_validation
    from kubemedic.services.validation import validate

    local_only = {"--records": records, "--as": as_, "--guard": guard}
    client = server_client(ctx, context=context, kubeconfig=kubeconfig, local_only=local_only)
    if client is not None:
        with client:
            result = client.execute(record_id)
            _print_execution(result, as_json=as_json)
            if wait:
                _print_validation(client.validate(record_id, wait=True), as_json=as_json)
        return
    if guard:
        if wait:
            raise InputError("give --wait or --guard, not both: the guard judges the rollout")
        _execute_guarded(
            ctx, record_id, guard_options, records, as_, context, kubeconfig, as_json=as_json
        )
        return
    if guard_options.given():
        raise InputError(f"{', '.join(guard_options.given())}: only with --guard")
    with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
        ws,
        actor,
    ):
        result = execute(ws, record_id, actor)
        _print_execution(result, as_json=as_json)
        if wait:
            outcome = validate(ws, record_id, wait=True, rollback=rollback_for_validation)
            _print_validation(outcome, as_json=as_json)


def _print_execution(result: Execution, *, as_json: bool) -> None:
    """An execution's outcome; exit 1 when it failed."""
    from kubemedic.formatters.operations import execution_text, to_json

    typer.echo(to_json(result) if as_json else execution_text(result))
    if result.state is OperationState.FAILED:
        raise typer.Exit(EXIT_FINDINGS)


def _print_validation(outcome: Validation, *, as_json: bool) -> None:
    """A validation's outcome; exit 1 when a stage failed."""
    from kubemedic.formatters.operations import to_json, validation_text

    typer.echo(to_json(outcome) if as_json else validation_text(outcome))
    if not all(stage.ok for stage in outcome.stages):
        raise typer.Exit(EXIT_FINDINGS)


def _execute_guarded(
    ctx: typer.Context,
    record_id: str,
    options: GuardOptions,
    records: Path | None,
    as_: str | None,
    context: str | None,
    kubeconfig: Path | None,
    *,
    as_json: bool,
) -> None:
    """``kubemedic rollout guard deploy/NAME --execute ID`` on the Deployment it changes."""
    from kubemedic.cli.rollout import Output, run_guard
    from kubemedic.services.rollouts.start import ExecuteOperation, deployment_started_by

    with workspace(ctx, records=records, as_=as_) as (ws, _):
        deployment = deployment_started_by(ws, record_id)
    run_guard(
        ctx,
        deployment,
        options,
        ExecuteOperation(record_id),
        output=Output.JSON if as_json else Output.TEXT,
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
    )


def validate_command(
    ctx: typer.Context,
    record_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Operation to validate.", show_default=False),
    ] = None,
    due: Annotated[
        bool, typer.Option("--due", help="Validate every operation with a stage due (for cron).")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for every remaining stage.")] = False,
    auto_rollback: Annotated[
        bool | None,
        typer.Option(
            "--auto-rollback/--no-auto-rollback",
            help="Roll back at once when a stage fails (default: the policy's auto_rollback).",
            show_default=False,
        ),
    ] = None,
    records: RecordsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run an executed operation's due validation stages (checks, post-change figures)."""
    from kubemedic.formatters.operations import to_json, validation_text

    if (record_id is None) == (not due):
        raise InputError("give an operation ID or --due (not both)")
    local_only = {"--records": records, "--due": due, "--auto-rollback": auto_rollback}
    client = server_client(ctx, context=context, kubeconfig=kubeconfig, local_only=local_only)
    if client is not None:
        with client:
            outcomes: Sequence[Validation] = (client.validate(str(record_id), wait=wait),)
    else:
        outcomes = _validate_locally(
            ctx, record_id, due, wait, auto_rollback, records, context, kubeconfig
        )
    if as_json:
        typer.echo(to_json(list(outcomes)))
    else:
        typer.echo("\n".join(validation_text(o) for o in outcomes) or "No validation is due.")
    if any(not stage.ok for o in outcomes for stage in o.stages):
        raise typer.Exit(EXIT_FINDINGS)


def _validate_locally(
    ctx: typer.Context,
    record_id: str | None,
    due: bool,
    wait: bool,
    auto_rollback: bool | None,
    records: Path | None,
    context: str | None,
    kubeconfig: Path | None,
) -> Sequence[Validation]:
    from kubemedic.services.rollback import rollback_for_validation
    from kubemedic.services.validation import validate, validate_due

    with workspace(ctx, records=records, context=context, kubeconfig=kubeconfig) as (ws, actor):
        if due:
            outcomes = validate_due(ws, rollback=rollback_for_validation)
        else:
            outcomes = (
                validate(
                    ws,
                    str(record_id),
                    wait=wait,
                    actor=actor,
                    auto_rollback=auto_rollback,
                    rollback=rollback_for_validation,
                ),
            )
    return outcomes


def rollback_command(
    ctx: typer.Context,
    record_id: IdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why it is rolled back.")] = "",
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply the recorded inverse as a linked, pre-approved operation, then validate it."""
    from kubemedic.formatters.operations import rollback_text, to_json
    from kubemedic.services.rollback import rollback

    local_only = {"--records": records, "--as": as_}
    client = server_client(ctx, context=context, kubeconfig=kubeconfig, local_only=local_only)
    if client is not None:
        with client:
            outcome = client.rollback(record_id, reason=reason)
    else:
        with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
            ws,
            actor,
        ):
            outcome = rollback(ws, record_id, actor, reason=reason)
    typer.echo(to_json(outcome) if as_json else rollback_text(outcome))
    if outcome.state is not OperationState.ROLLED_BACK:
        raise typer.Exit(EXIT_FINDINGS)


def approvals_command(
    ctx: typer.Context,
    escalate: Annotated[
        bool,
        typer.Option("--escalate", help="Record and notify SLA breaches, expire overdue (cron)."),
    ] = False,
    records: RecordsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Operations waiting for approval, with tier, age and time left before their SLA."""
    from kubemedic.formatters.operations import approvals_text, escalation_text, to_json
    from kubemedic.services.approvals import escalate as run_escalation
    from kubemedic.services.approvals import pending

    client = server_client(ctx, local_only={"--records": records, "--escalate": escalate})
    if client is not None:
        with client:
            waiting = client.pending()
    else:
        with workspace(ctx, records=records) as (ws, _):
            if escalate:
                done = run_escalation(ws)
                typer.echo(to_json(done) if as_json else escalation_text(done))
                return
            waiting = pending(ws)
    typer.echo(to_json(list(waiting)) if as_json else approvals_text(waiting))
