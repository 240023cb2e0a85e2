"""``kubemedic rollout guard``: watch a Deployment's rollout and halt it when its first new
replicas fail (docs/rollouts.md).

A live line on stderr while it runs (when stderr is a terminal; otherwise a line per change),
messages and the result on stdout; ``-o json`` writes JSON lines instead. Ctrl-C and SIGTERM
stop the guard cleanly: a write under way is finished, and its hold on the rollout released.
"""

from __future__ import annotations

import signal
import sys
import threading
from enum import StrEnum
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from kubemedic.cli.governed import (
    AsOption,
    ContextOption,
    KubeconfigOption,
    RecordsOption,
    workspace,
)
from kubemedic.cli.prometheus_options import HeaderOption, PrometheusOption, prometheus_headers
from kubemedic.cli.session import session_of
from kubemedic.cli.targets import parse_target
from kubemedic.cli.values import duration, percent
from kubemedic.errors import EXIT_CLUSTER, EXIT_FINDINGS, EXIT_OK, InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.rollouts.judging import Thresholds
from kubemedic.rollouts.outcome import GuardResult, GuardView, Outcome
from kubemedic.rollouts.settings import GuardSettings, OnFailure

if TYPE_CHECKING:
    from kubemedic.config import Settings
    from kubemedic.services.rollouts.start import Start
    from kubemedic.services.rollouts.traffic import PrometheusAccess

EXIT_INTERRUPTED = 130
EXIT_CODES = {
    Outcome.COMPLETED: EXIT_OK,
    Outcome.UNCHANGED: EXIT_OK,
    Outcome.HALTED: EXIT_FINDINGS,
    Outcome.PROPOSED: EXIT_FINDINGS,
    Outcome.SUPERSEDED: EXIT_FINDINGS,
    Outcome.DELETED: EXIT_CLUSTER,
    Outcome.INTERRUPTED: EXIT_INTERRUPTED,
}

EPILOG = """\
Examples:
  kubemedic rollout guard deploy/web -n shop --set-image web=registry/web:2.4.1
  kubemedic rollout guard deploy/web -n shop --on-failure undo -- helm upgrade web ./chart
  kubemedic rollout guard deploy/web -n shop --execute OP-20261206-9372d3 -o json

Exit codes:
  0   the rollout completed and its new replicas passed (or the command changed nothing)
  1   halted: paused or undone (with --propose-only: the halt proposed); or someone else
      changed the template while it was guarded
  2   bad usage or settings
  3   cluster unreachable or forbidden; the Deployment not found, or deleted while guarded
  5   records repository error
  6   refused by governance: the operation to start was rejected, cancelled or expired
  7   Prometheus unusable when the guard started (unreachable, refused, not Prometheus)
  130 stopped (Ctrl-C, SIGTERM); its hold on the rollout released
"""

app = typer.Typer(help="Guard Deployment rollouts: judge the first new replicas, halt bad ones.")


class Output(StrEnum):
    TEXT = "text"
    JSON = "json"


class NoData(StrEnum):
    HALT = "halt"
    PASS = "pass"  # noqa: S105 - a choice, not a secret


@app.command("guard", epilog=EPILOG)
def guard_command(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="deploy/NAME", help="The Deployment.")],
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[-- COMMAND...]",
            help="A command that starts the rollout (helm upgrade ...), run beside the guard.",
            show_default=False,
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace", "-n", help="Namespace (default: the context's).", show_default=False
        ),
    ] = None,
    set_image: Annotated[
        str | None,
        typer.Option(
            "--set-image",
            metavar="CONTAINER=IMAGE",
            help="Start the rollout: propose this image (waiting for approval if its tier needs "
            "one), execute it, and guard it.",
            show_default=False,
        ),
    ] = None,
    execute_id: Annotated[
        str | None,
        typer.Option(
            "--execute",
            metavar="OP-ID",
            help="Start the rollout by executing this approved operation, and guard it.",
            show_default=False,
        ),
    ] = None,
    first: Annotated[
        int,
        typer.Option(
            "--first",
            min=0,
            help="Hold the rollout at this many new replicas "
            "while they are judged (0: never hold).",
        ),
    ] = 3,
    window: Annotated[
        str, typer.Option("--window", help="How long the new replicas are judged.")
    ] = "2m",
    max_error_rate: Annotated[
        str, typer.Option("--max-error-rate", help="Share of 5xx answers that fails a round.")
    ] = "5%",
    min_requests: Annotated[
        float,
        typer.Option("--min-requests", min=0, help="Requests needed to judge the error rate."),
    ] = 50,
    max_latency_ratio: Annotated[
        float,
        typer.Option(
            "--max-latency-ratio", min=1, help="New pods' p95 over the old pods' that fails."
        ),
    ] = 2.0,
    failures: Annotated[
        int, typer.Option("--failures", min=1, help="Failed rounds in a row that halt it.")
    ] = 1,
    on_failure: Annotated[
        OnFailure, typer.Option("--on-failure", help="Pause the rollout, or undo it.")
    ] = OnFailure.PAUSE,
    no_data: Annotated[
        NoData,
        typer.Option(
            "--no-data",
            help="A window that ends without traffic to judge: halt (pause) or pass.",
        ),
    ] = NoData.HALT,
    interval: Annotated[
        str, typer.Option("--interval", help="Time between two rounds of traffic figures.")
    ] = "5s",
    propose_only: Annotated[
        bool,
        typer.Option(
            "--propose-only", help="Change nothing: propose the pause or undo for approval."
        ),
    ] = False,
    prometheus: PrometheusOption = None,
    header: HeaderOption = None,
    requests_metric: Annotated[
        str, typer.Option("--requests-metric", help="Counter of requests, labelled by status.")
    ] = "http_requests_total",
    status_label: Annotated[
        str, typer.Option("--status-label", help="Its label holding the HTTP status.")
    ] = "code",
    latency_metric: Annotated[
        str, typer.Option("--latency-metric", help="Histogram of request durations (seconds).")
    ] = "http_request_duration_seconds",
    output: Annotated[Output, typer.Option("--output", "-o", help="Output format.")] = Output.TEXT,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Watch a Deployment's rollout (under way, next, or started here) and halt it when its
    first new replicas fail: pod signals always, HTTP errors and latency with Prometheus."""
    from kubemedic.config import load_settings
    from kubemedic.services.rollouts.guard import GuardRequest, guard_rollout

    ref = parse_target(target, namespace)
    if ref.kind != "Deployment":
        raise InputError(f"the rollout guard watches Deployments, not {ref.kind.lower()}s")
    settings = GuardSettings(
        first=first,
        window=duration("--window", window),
        interval=duration("--interval", interval),
        thresholds=Thresholds(
            max_error_rate=percent("--max-error-rate", max_error_rate),
            min_requests=min_requests,
            max_latency_ratio=max_latency_ratio,
            failures=failures,
        ),
        on_failure=on_failure,
        no_data_passes=no_data is NoData.PASS,
        propose_only=propose_only,
        requests_metric=requests_metric,
        status_label=status_label,
        latency_metric=latency_metric,
    )
    start = _start(set_image, execute_id, command)
    loaded = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
    metrics = _prometheus(loaded, prometheus, header)
    printer = _Printer(json=output is Output.JSON, live=sys.stderr.isatty())
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
            ws,
            actor,
        ):
            if not ref.namespace:
                ref = ObjectRef(ref.kind, ref.name, ws.cluster().client.config.namespace)
            request = GuardRequest(ref, settings, metrics, start)
            result = guard_rollout(ws, request, actor, stop, say=printer.say, show=printer.show)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        printer.close()
    printer.result(result, ref.kubectl_ref)
    code = EXIT_CODES[result.outcome]
    if code:
        raise typer.Exit(code)


def _start(
    set_image: str | None, execute_id: str | None, command: list[str] | None
) -> Start | None:
    from kubemedic.services.rollouts.start import ExecuteOperation, RunCommand, SetImage

    given = [s for s in (set_image, execute_id, command) if s]
    if len(given) > 1:
        raise InputError("give at most one of --set-image, --execute and -- COMMAND")
    if set_image:
        container, sep, image = set_image.partition("=")
        if not sep or not container or not image:
            raise InputError(f"--set-image expects CONTAINER=IMAGE, got {set_image!r}")
        return SetImage(container, image)
    if execute_id:
        return ExecuteOperation(execute_id)
    return RunCommand(tuple(command)) if command else None


def _prometheus(
    settings: Settings, url: str | None, headers: list[str] | None
) -> PrometheusAccess | None:
    """Where traffic is read: ``--prometheus``, else the settings' URL, else nowhere."""
    from kubemedic.services.rollouts.traffic import PrometheusAccess

    chosen = settings.prometheus
    if not (url or chosen.url):
        return None
    return PrometheusAccess(
        url=str(url or chosen.url),
        token=settings.prometheus_token(),
        headers=prometheus_headers(headers, settings),
        timeout=chosen.timeout,
        verify_tls=chosen.verify_tls,
    )


class _Printer:
    """Messages and the result on stdout; the live view redrawn on stderr (a terminal), or a
    line when it changed; everything as JSON lines with ``-o json``."""

    def __init__(self, *, json: bool, live: bool) -> None:
        self.json, self.live = json, live and not json
        self.last: GuardView | None = None
        self.drawn = False

    def say(self, text: str) -> None:
        from kubemedic.formatters.rollouts import message_json

        self._clear()
        typer.echo(message_json(text) if self.json else text)

    def show(self, view: GuardView) -> None:
        from kubemedic.formatters.rollouts import view_changed, view_json, view_line

        changed = view_changed(self.last, view)
        self.last = view
        if self.json:
            if changed:
                typer.echo(view_json(view))
        elif self.live:
            typer.echo("\r\033[K" + view_line(view), err=True, nl=False)
            self.drawn = True
        elif changed:
            typer.echo(view_line(view), err=True)

    def result(self, result: GuardResult, deployment: str) -> None:
        from kubemedic.formatters.rollouts import result_json, result_text

        typer.echo(result_json(result) if self.json else result_text(result, deployment))

    def close(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.drawn:
            typer.echo("\r\033[K", err=True, nl=False)
            self.drawn = False
