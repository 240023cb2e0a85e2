"""``kubemedic report health``: the weekly cluster health report, for people and for git.

Reads the cluster once (or a dump of it, ``--from-file``), adds Prometheus latency and error
rates and right-sizing when they are configured, compares with the last recorded report, and
writes Markdown, HTML or JSON to stdout or ``--out``; ``--record`` stores it as a report record.
The services are imported inside the command so ``--help`` stays light.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kubemedic.cli.governed import ContextOption, KubeconfigOption, RecordsOption
from kubemedic.cli.prometheus_options import HeaderOption, PrometheusOption, prometheus_headers
from kubemedic.cli.session import session_of
from kubemedic.errors import InputError

EPILOG = """\
Examples:
  kubemedic report health -A
  kubemedic report health -n shop -o html --out health.html
  kubemedic report health -A --prometheus http://prometheus:9090 --record
  kubemedic report health --from-file dump/ -o html --out health.html

Exit codes:
  0   report written (and recorded, with --record)
  2   bad usage, settings or input file (a malformed manifest names its file and line)
  3   cluster unreachable, unauthorized or forbidden
  5   records repository error (--record)
  70  internal error: a bug in kubemedic (--debug shows the traceback)
"""


class HealthFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"


app = typer.Typer(help="Cluster reports: health, with trends.", no_args_is_help=True)


@app.command("health", epilog=EPILOG)
def health_command(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Namespace to report on. Default: the kubeconfig context's.",
            show_default=False,
        ),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Report on every namespace.")
    ] = False,
    from_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-file",
            "-f",
            help="Report on a dump (YAML/JSON files or directories) instead of a cluster; "
            "repeatable. Node usage, latency and right-sizing need a live cluster and become "
            "notes.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[HealthFormat, typer.Option("--output", "-o", help="Output format.")] = (
        HealthFormat.MARKDOWN
    ),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the report to this file instead of stdout.", show_default=False
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option("--record", help="Store the report (Markdown) as a report record."),
    ] = False,
    prometheus: PrometheusOption = None,
    header: HeaderOption = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Embedded metrics store for right-sizing when no Prometheus is given.",
            show_default=False,
        ),
    ] = None,
    records: RecordsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Pods, nodes, workloads, latency, capacity, findings, right-sizing, security; with trend."""
    from kubemedic import __version__
    from kubemedic.config import load_settings
    from kubemedic.formatters import health_html, health_markdown
    from kubemedic.models.security import AuditOptions, PodSecurityLevel
    from kubemedic.services.recommend import HistorySource
    from kubemedic.services.records import RecordStore
    from kubemedic.services.report import HealthAsk, health, record_report
    from kubemedic.services.sources import SourceRequest
    from kubemedic.services.workspace import utc_now

    if namespace and all_namespaces:
        raise InputError("--namespace and --all-namespaces cannot be used together")
    files = tuple(from_file or ())
    if files and namespace:
        raise InputError(
            "--namespace cannot be used with --from-file",
            hint="the report covers every namespace the files hold; give only that "
            "namespace's files",
        )
    settings = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
        store=store,
    )
    chosen = settings.prometheus
    audit = settings.audit
    ask = HealthAsk(
        source=SourceRequest(
            files=files,
            namespace=namespace,
            all_namespaces=all_namespaces,
            context=settings.context,
            kubeconfig=settings.kubeconfig,
            request_timeout=settings.request_timeout,
        ),
        history=HistorySource(
            store=settings.store_path(),
            prometheus_url=prometheus or chosen.url,
            token=settings.prometheus_token(),
            headers=prometheus_headers(header, settings),
            timeout=chosen.timeout,
            verify_tls=chosen.verify_tls,
            scrape_interval=chosen.scrape_interval,
        ),
        right_sizing=settings.right_sizing(),
        audit=AuditOptions(
            level=PodSecurityLevel(audit.level),
            allowed_registries=audit.allowed_registries,
            complete=bool(files),
            tls_expiry_days=audit.tls_expiry_days,
        ),
        records=settings.records_dir(),
    )
    report = health(ask, now=utc_now(), version=__version__)
    if output is HealthFormat.HTML:
        text = health_html.render(report)
    elif output is HealthFormat.JSON:
        text = json.dumps(report.to_data(), indent=2) + "\n"
    else:
        text = health_markdown.render(report)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", path=str(out)) from None
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if record:
        body = health_markdown.render(report, with_title=False)
        store_ = RecordStore.open(settings.records_dir(), remote=settings.records_remote)
        record_id = record_report(store_, report, body, ask.source)
        typer.echo(f"recorded {record_id}", err=True)
