"""``kubemedic collect``: keep a usage history in the embedded store, for clusters without
Prometheus.

Samples in a loop (stopped cleanly by SIGTERM or Ctrl-C between rounds), once (``--once``, for
cron or a CronJob), or loads a history file (``--import``) and exits. One line per round on
stdout; docs/usage-store.md describes the store.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from kubemedic._internal.timeutils import format_time, parse_duration
from kubemedic.cli.governed import ContextOption, KubeconfigOption
from kubemedic.cli.session import session_of
from kubemedic.errors import InputError, KubemedicError

if TYPE_CHECKING:
    from kubemedic.models.samples import Stored
    from kubemedic.services.collect import CollectRound, Imported

DEFAULT_INTERVAL = "30s"

EPILOG = """\
Examples:
  kubemedic collect                       # every 30s until Ctrl-C or SIGTERM
  kubemedic collect --once                # one round, for cron
  kubemedic collect --import week.om      # a `kubemedic sandbox history` file

Exit codes:
  0   done (a loop stopped by SIGTERM or Ctrl-C)
  2   bad usage, settings or history file
  3   cluster unreachable, unauthorized or forbidden
  7   no pod metrics served, or the store is unusable, damaged, newer or in use
  70  internal error: a bug in kubemedic (--debug shows the traceback)
"""


def collect_command(
    ctx: typer.Context,
    interval: Annotated[
        str | None,
        typer.Option(
            "--interval",
            help=f"Time between rounds in a loop, like 30s or 1m (default: {DEFAULT_INTERVAL}).",
            show_default=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Sample once and exit (for cron or a CronJob).")
    ] = False,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Store file. Default: $KUBEMEDIC_STORE, the settings file's 'store', else "
            "$XDG_DATA_HOME/kubemedic/metrics.duckdb.",
            show_default=False,
        ),
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option(
            "--import",
            help="Load an OpenMetrics history (`kubemedic sandbox history --out FILE`) instead "
            "of sampling the cluster, and exit.",
            show_default=False,
        ),
    ] = None,
    retention: Annotated[
        str | None,
        typer.Option(
            "--retention",
            help="Keep samples this long, like 30d (default: the setting store_retention, 30d).",
            show_default=False,
        ),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Only this namespace (repeatable). Default: every namespace.",
            show_default=False,
        ),
    ] = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    request_timeout: Annotated[
        float | None,
        typer.Option(
            "--request-timeout",
            help="Seconds to wait for each API request (default: 10).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Sample pod CPU, memory, restarts and OOM kills into the embedded metrics store."""
    from kubemedic.config import load_settings
    from kubemedic.services.collect import CollectOptions, collect, import_history

    seconds = parse_duration(interval or DEFAULT_INTERVAL)
    if not seconds:
        raise InputError(f"--interval {interval!r} is not a duration like 30s or 1m")
    if import_file and (interval or once):
        raise InputError("--import loads a file and exits: --interval and --once do not apply")
    settings = load_settings(
        config_file=session_of(ctx).config_file,
        store=store,
        store_retention=retention,
        context=context,
        kubeconfig=kubeconfig,
        request_timeout=request_timeout,
    )
    options = CollectOptions(
        store=settings.store_path(),
        retention=settings.store_retention,
        interval=seconds,
        namespaces=tuple(namespace) if namespace else None,
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        request_timeout=settings.request_timeout,
    )
    if import_file:
        _report_import(import_history(import_file, options), options.store)
        return
    stop = threading.Event()
    if not once:
        typer.echo(
            f"collecting every {interval or DEFAULT_INTERVAL} into {options.store} "
            "(Ctrl-C or SIGTERM stops)",
            err=True,
        )
    with _stopped_by_signals(stop, enabled=not once):
        rounds = collect(options, stop, once=once, on_round=_report_round, on_error=_report_error)
    if not once:
        typer.echo(f"stopped after {rounds} round{'s' if rounds != 1 else ''}", err=True)


@contextmanager
def _stopped_by_signals(stop: threading.Event, *, enabled: bool) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop``: the loop ends after the round it is in."""
    if not enabled:
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _report_round(done: CollectRound) -> None:
    stored = done.stored
    parts = [
        f"{format_time(done.at)}  {stored.added} new samples of {stored.containers} containers "
        f"in {done.pods} pods"
    ]
    if stored.duplicates:
        parts.append(f"{stored.duplicates} already stored")
    if stored.status_changes:
        parts.append(f"{stored.status_changes} restart/limit changes")
    if done.expired:
        parts.append(f"{done.expired} expired")
    typer.echo(", ".join(parts))


def _report_error(error: KubemedicError) -> None:
    typer.echo(f"warning: round skipped: {error.message}", err=True)


def _report_import(done: Imported, path: Path) -> None:
    stored = done.stored
    line = (
        f"imported {stored.added} samples of {stored.containers} containers "
        f"({_span(stored)}) into {path}"
    )
    if stored.duplicates:
        line += f"; {stored.duplicates} were already stored"
    if done.expired:
        line += f"; {done.expired} older than the retention were deleted"
    typer.echo(line)
    typer.echo(
        f"the store holds {done.held.added} samples of {done.held.containers} containers "
        f"({_span(done.held)})"
    )


def _span(stored: Stored) -> str:
    if stored.first is None or stored.last is None:
        return "none"
    return f"{format_time(stored.first)} to {format_time(stored.last)}"
