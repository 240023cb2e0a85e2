"""``kubemedic records list|show|verify|audit`` and ``kubemedic stats``: the audit trail.

With ``--server``, ``list``, ``show`` and ``stats`` read a kubemedic server's records; ``verify``
and ``audit`` check a repository's git history, so they run on a local clone only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kubemedic.cli.governed import EXIT_CODES, JsonOption, RecordsOption, workspace
from kubemedic.cli.session import runs_locally, server_client
from kubemedic.errors import EXIT_FINDINGS, InputError

app = typer.Typer(
    help="The records repository: the append-only audit trail of incidents and operations.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
)


class Kind(StrEnum):
    INCIDENT = "incident"
    OPERATION = "operation"
    REPORT = "report"


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("list", epilog=EXIT_CODES)
def list_command(
    ctx: typer.Context,
    kind: Annotated[Kind | None, typer.Option("--kind", help="Only this kind.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only records in this state (open, pending-approval, ...)."),
    ] = None,
    output: Annotated[ListFormat, typer.Option("--output", "-o")] = ListFormat.TABLE,
    records: RecordsOption = None,
) -> None:
    """List records, newest first."""
    import orjson

    from kubemedic.formatters.record_json import record_row
    from kubemedic.formatters.trail import records_text
    from kubemedic.models.records import RecordKind

    wanted = RecordKind(kind.value) if kind else None
    client = server_client(ctx, local_only={"--records": records})
    if client is not None:
        with client:
            found = client.records(wanted, status)
    else:
        with workspace(ctx, records=records) as (ws, _):
            found = [r for r in ws.store.all(wanted) if status is None or r.state == status]
    found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    if output is ListFormat.JSON:
        rows = [record_row(r) | {"path": r.path} for r in found]
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(records_text(found))


@app.command("show", epilog=EXIT_CODES)
def show_command(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
    records: RecordsOption = None,
) -> None:
    """Print a record: its Markdown, or its header and sections as JSON."""
    import orjson

    from kubemedic.formatters.record_json import record_document
    from kubemedic.services.records import path_of

    client = server_client(ctx, local_only={"--records": records})
    if client is not None:
        with client:
            text, data = client.record(record_id)
    else:
        with workspace(ctx, records=records) as (ws, _):
            record = ws.store.load(record_id)
            text = ws.store.repo.read_text(path_of(record_id)) or ""
        data = record_document(record)
    if not as_json:
        typer.echo(text, nl=False)
        return
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@app.command("verify", epilog=EXIT_CODES)
def verify_command(ctx: typer.Context, records: RecordsOption = None) -> None:
    """Check the trail is intact: hash chains, append-only history, witnessed commits,
    signed decisions (with allowed_signers). Exit 1 names each tampered record and commit."""
    from kubemedic.formatters.trail import problems_text
    from kubemedic.services.trail import verify_trail

    runs_locally(ctx, "records verify")
    with workspace(ctx, records=records) as (ws, _):
        check = verify_trail(ws)
    typer.echo(problems_text(check.problems, check.records))
    if check.problems:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("audit", epilog=EXIT_CODES)
def audit_command(ctx: typer.Context, records: RecordsOption = None) -> None:
    """Check every operation followed its rules; prints a checklist, exit 1 on a violation."""
    from kubemedic.formatters.trail import audit_text
    from kubemedic.services.trail import audit_trail

    runs_locally(ctx, "records audit")
    with workspace(ctx, records=records) as (ws, _):
        result = audit_trail(ws)
    typer.echo(audit_text(result))
    if not result.ok:
        raise typer.Exit(EXIT_FINDINGS)


def stats_command(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Window: 30d, 12h, 90m ...")] = "30d",
    output: Annotated[ListFormat, typer.Option("--output", "-o")] = ListFormat.TABLE,
    records: RecordsOption = None,
) -> None:
    """MTTD, MTTR, approval latency per tier, SLA compliance, outcomes — from the records."""
    from datetime import timedelta

    from kubemedic._internal.timeutils import parse_duration
    from kubemedic.formatters.operations import to_json
    from kubemedic.formatters.trail import figures_text
    from kubemedic.services.trail import trail_figures

    window = parse_duration(since)
    if window is None:
        raise InputError(f"--since {since}: not a duration like 30d, 12h, 90m")
    client = server_client(ctx, local_only={"--records": records})
    if client is not None:
        with client:
            result = client.figures(since)
    else:
        with workspace(ctx, records=records) as (ws, _):
            result = trail_figures(ws, ws.now() - timedelta(seconds=window))
    typer.echo(to_json(result) if output is ListFormat.JSON else figures_text(result))
