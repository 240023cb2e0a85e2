"""``kubemedic watch``: continuous detection in the foreground, with a live status line.

Stops cleanly on SIGTERM or Ctrl-C: the watchers finish, nothing is left half-written.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer

from kubemedic._internal.timeutils import LONGEST_DURATION
from kubemedic.cli.governed import (
    AsOption,
    ContextOption,
    KubeconfigOption,
    RecordsOption,
    workspace,
)
from kubemedic.cli.rollout import GuardOptions, with_guard_options
from kubemedic.errors import InputError
from kubemedic.models.severity import Severity


@with_guard_options
def watch_command(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Namespace to watch (default: the context's).",
            show_default=False,
        ),
    ] = None,
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A")] = False,
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose each new incident's fix as an operation.")
    ] = False,
    min_severity: Annotated[
        Severity, typer.Option("--min-severity", help="Lowest severity that opens an incident.")
    ] = Severity.MEDIUM,
    close_after: Annotated[
        float,
        typer.Option(
            "--close-after",
            help="Seconds a problem must stay gone before its incident is closed.",
            min=0,
        ),
    ] = 30.0,
    settle: Annotated[
        float, typer.Option("--settle", help="Seconds to let a burst of changes settle.", min=0)
    ] = 1.0,
    guard_rollouts: Annotated[
        bool,
        typer.Option(
            "--guard-rollouts",
            help="Guard each new Deployment rollout (with the options below, over the "
            "settings' rollouts section).",
        ),
    ] = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    *,
    guard_options: GuardOptions,
) -> None:
    """Watch the cluster: open one incident per problem within seconds, close it when gone."""
    from kubemedic.cli.rollout import guard_setup
    from kubemedic.services.rollouts.watching import Guarding
    from kubemedic.services.watch import WatchOptions, WatchStatus, run_watch

    if namespace and all_namespaces:
        raise InputError("--namespace and --all-namespaces cannot be used together")
    for option, seconds in (("--close-after", close_after), ("--settle", settle)):
        if seconds > LONGEST_DURATION:
            raise InputError(f"{option} {seconds:g}: more seconds than a century")
    guarding = None
    if guard_rollouts:
        settings, metrics = guard_setup(
            ctx, guard_options, records=records, context=context, kubeconfig=kubeconfig
        )
        guarding = Guarding(settings, metrics)
    elif guard_options.given():
        raise InputError(f"{', '.join(guard_options.given())}: only with --guard-rollouts")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    live = sys.stderr.isatty()

    def status(s: WatchStatus) -> None:
        line = (
            f"watching: {s.open_incidents} open incidents, {s.opened} opened, {s.closed} closed, "
            f"{s.scans} scans, {s.events} changes"
            + (f", error: {s.last_error}" if s.last_error else "")
        )
        typer.echo(("\r\033[K" + line) if live else line, err=True, nl=not live)

    def change(line: str) -> None:
        if live:
            typer.echo("\r\033[K", err=True, nl=False)
        typer.echo(line)

    options = WatchOptions(
        namespace=namespace,
        all_namespaces=all_namespaces,
        propose=propose,
        min_severity=min_severity,
        close_after=close_after,
        settle=settle,
        guard=guarding,
    )
    try:
        with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
            ws,
            actor,
        ):
            try:
                run_watch(ws, options, stop, actor=actor, on_status=status, on_change=change)
            except KeyboardInterrupt:
                stop.set()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if live:
            typer.echo("", err=True)
