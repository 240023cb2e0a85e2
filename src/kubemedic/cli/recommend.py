"""``kubemedic recommend resources|scaling``: right-sizing and autoscaler advice from history.

Reads the usage history from Prometheus (``--prometheus``) or the embedded store, prints a
table (or JSON, YAML, Markdown), and with ``--propose`` turns each change into a governed
operation that waits for approval.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kubemedic.cli.governed import AsOption, ContextOption, KubeconfigOption, RecordsOption
from kubemedic.cli.prometheus_options import HeaderOption, PrometheusOption, prometheus_headers
from kubemedic.cli.session import session_of
from kubemedic.cli.values import duration, percent
from kubemedic.errors import InputError
from kubemedic.formatters.recommendations import RecommendationFormat

if TYPE_CHECKING:
    from kubemedic.config import Settings
    from kubemedic.services.recommend import HistorySource

EPILOG = """\
Examples:
  kubemedic recommend resources -n shop
  kubemedic recommend resources -A --prometheus http://prometheus:9090 -o markdown
  kubemedic recommend scaling -n shop --threshold 70% --sustained 5m --propose

Exit codes:
  0   recommendations written (and proposed, with --propose)
  2   bad usage or settings
  3   cluster unreachable, unauthorized or forbidden
  5   records repository error (--propose)
  6   refused by governance (--propose)
  7   usage history unreadable: Prometheus unreachable, timed out or refused the query,
      a metric missing, the store missing or corrupt
"""

app = typer.Typer(
    help="Right-size requests/limits and recommend autoscalers from usage history.",
    no_args_is_help=True,
)

NamespaceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--namespace",
        "-n",
        help="Namespace to look at (repeatable). Default: the kubeconfig context's.",
        show_default=False,
    ),
]
AllOption = Annotated[bool, typer.Option("--all-namespaces", "-A", help="Every namespace.")]
HistoryOption = Annotated[
    str, typer.Option("--history", help="How far back to read usage (e.g. 7d, 14d).")
]
OutputOption = Annotated[
    RecommendationFormat, typer.Option("--output", "-o", help="Output format.")
]
ProposeOption = Annotated[
    bool,
    typer.Option("--propose", help="Create a governed operation for each recommended change."),
]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Embedded metrics store, read when no Prometheus URL is given. Default: "
        "$KUBEMEDIC_STORE, the settings' 'store', else $XDG_DATA_HOME/kubemedic/metrics.duckdb.",
        show_default=False,
    ),
]


def _history(
    settings: Settings, prometheus: str | None, headers: list[str] | None
) -> HistorySource:
    from kubemedic.services.recommend import HistorySource

    chosen = settings.prometheus
    return HistorySource(
        store=settings.store_path(),
        prometheus_url=prometheus or chosen.url,
        token=settings.prometheus_token(),
        headers=prometheus_headers(headers, settings),
        timeout=chosen.timeout,
        verify_tls=chosen.verify_tls,
        scrape_interval=chosen.scrape_interval,
    )


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A status line on stderr while the run lasts, when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.console import Console

    with Console(stderr=True).status("starting") as status:
        yield lambda text: status.update(text)


def _ask(namespace: list[str] | None, all_namespaces: bool, history: str) -> Any:
    from datetime import timedelta

    from kubemedic.services.recommend import Ask

    if namespace and all_namespaces:
        raise InputError("--namespace and --all-namespaces cannot be used together")
    span = timedelta(seconds=duration("--history", history))
    return Ask(tuple(namespace or ()), all_namespaces, span)


def _settings(ctx: typer.Context, **given: Any) -> Settings:
    from kubemedic.config import load_settings

    return load_settings(config_file=session_of(ctx).config_file, **given)


def _access(settings: Settings) -> Any:
    from kubemedic.services.recommend import ClusterAccess

    return ClusterAccess(settings.context, settings.kubeconfig, settings.request_timeout)


@app.command("resources", epilog=EPILOG)
def resources_command(
    ctx: typer.Context,
    namespace: NamespaceOption = None,
    all_namespaces: AllOption = False,
    history: HistoryOption = "7d",
    margin: Annotated[
        str | None,
        typer.Option("--margin", help="Headroom over p95 (default 30%).", show_default=False),
    ] = None,
    min_history: Annotated[
        str | None,
        typer.Option(
            "--min-history",
            help="History needed before values are proposed (default 7d).",
            show_default=False,
        ),
    ] = None,
    cpu_limit: Annotated[
        str | None,
        typer.Option(
            "--cpu-limit",
            help="CPU limit policy: none (default), keep, or ratio:X (X × the request).",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = RecommendationFormat.TABLE,
    propose_it: ProposeOption = False,
    prometheus: PrometheusOption = None,
    header: HeaderOption = None,
    store: StoreOption = None,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Right-size requests and limits: request = p95 × (1 + margin), memory never below peak."""
    from kubemedic.models.recommendation_settings import CpuLimitPolicy
    from kubemedic.services.recommend import resources_report

    settings = _settings(ctx, records=records, context=context, kubeconfig=kubeconfig, store=store)
    changes: dict[str, Any] = {}
    if margin is not None:
        changes["margin"] = percent("--margin", margin)
    if min_history is not None:
        changes["min_history_days"] = duration("--min-history", min_history) / 86_400
    if cpu_limit is not None:
        changes["cpu_limit"] = lambda: CpuLimitPolicy.parse(cpu_limit)
    _deliver(
        ctx,
        resources_report,
        _tuned(settings.right_sizing(), changes),
        settings=settings,
        ask=_ask(namespace, all_namespaces, history),
        output=output,
        propose_it=propose_it,
        prometheus=prometheus,
        header=header,
        identity=(records, as_, context, kubeconfig),
    )


@app.command("scaling", epilog=EPILOG)
def scaling_command(
    ctx: typer.Context,
    namespace: NamespaceOption = None,
    all_namespaces: AllOption = False,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            help="CPU share of requests that is high load (default 70%).",
            show_default=False,
        ),
    ] = None,
    sustained: Annotated[
        str | None,
        typer.Option(
            "--sustained",
            help="How long the load must hold (default 5m).",
            show_default=False,
        ),
    ] = None,
    history: HistoryOption = "7d",
    output: OutputOption = RecommendationFormat.TABLE,
    propose_it: ProposeOption = False,
    prometheus: PrometheusOption = None,
    header: HeaderOption = None,
    store: StoreOption = None,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Find workloads under sustained CPU load and recommend an HPA, checked against capacity."""
    from kubemedic.services.recommend import scaling_report

    settings = _settings(ctx, records=records, context=context, kubeconfig=kubeconfig, store=store)
    changes: dict[str, Any] = {}
    if threshold is not None:
        changes["threshold"] = percent("--threshold", threshold)
    if sustained is not None:
        changes["sustained_seconds"] = duration("--sustained", sustained)
    _deliver(
        ctx,
        scaling_report,
        _tuned(settings.scaling(), changes),
        settings=settings,
        ask=_ask(namespace, all_namespaces, history),
        output=output,
        propose_it=propose_it,
        prometheus=prometheus,
        header=header,
        identity=(records, as_, context, kubeconfig),
    )


T = TypeVar("T")


def _tuned(defaults: T, changes: dict[str, Any]) -> T:
    """The settings with the flags' values; a value the settings refuse is bad usage.

    A callable stands for a value that is parsed only here, where its ValueError is caught.
    """
    from dataclasses import replace

    try:
        given = {key: value() if callable(value) else value for key, value in changes.items()}
        return replace(defaults, **given)  # type: ignore[type-var]
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _deliver(
    ctx: typer.Context,
    build: Callable[..., Any],
    tuned: Any,
    *,
    settings: Settings,
    ask: Any,
    output: RecommendationFormat,
    propose_it: bool,
    prometheus: str | None,
    header: list[str] | None,
    identity: tuple[Path | None, str | None, str | None, Path | None],
) -> None:
    """Build the report with progress shown, write it, and propose it when asked."""
    from kubemedic.services.workspace import utc_now

    with _progress(output is RecommendationFormat.TABLE) as progress:
        report = build(
            _access(settings),
            _history(settings, prometheus, header),
            ask,
            tuned,
            now=utc_now(),
            progress=progress,
        )
    _write(report, output)
    if propose_it:
        records, as_, context, kubeconfig = identity
        _propose(ctx, report, records=records, as_=as_, context=context, kubeconfig=kubeconfig)


def _write(report: Any, output: RecommendationFormat) -> None:
    from kubemedic.formatters.recommendations import write

    write(report, output, sys.stdout)


def _propose(
    ctx: typer.Context,
    report: Any,
    *,
    records: Path | None,
    as_: str | None,
    context: str | None,
    kubeconfig: Path | None,
) -> None:
    from kubemedic.cli.governed import workspace
    from kubemedic.models.recommendation_reports import ResourcesReport
    from kubemedic.services.recommend import propose_resources, propose_scaling

    with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
        ws,
        actor,
    ):
        if isinstance(report, ResourcesReport):
            made = [
                (str(ref), f" container {name}", p)
                for ref, name, p in propose_resources(ws, report, actor)
            ]
        else:
            made = [(str(ref), "", p) for ref, p in propose_scaling(ws, report, actor)]
    if not made:
        typer.echo("Nothing to propose.", err=True)
        return
    for ref, what, proposal in made:
        typer.echo(
            f"proposed {proposal.id} ({proposal.tier.value} tier) for {ref}{what}: "
            f"approve with `kubemedic approve {proposal.id}`",
            err=True,
        )
