"""``kubemedic rollout guard``: watch a Deployment's rollout and halt it when its first new
replicas fail (docs/rollouts.md).

A live line on stderr while it runs (when stderr is a terminal; otherwise a line per change),
messages and the result on stdout; ``-o json`` writes JSON lines instead. Ctrl-C and SIGTERM
stop the guard cleanly: a write under way is finished, and its hold on the rollout released.
"""

from __future__ import annotations

import inspect
import signal
import sys
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

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
from kubemedic.rollouts.settings import GuardSettings, HelmRollback, OnFailure

if TYPE_CHECKING:
    from kubemedic.config import RolloutsSetting, Settings
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

The settings file's rollouts section changes the defaults shown (docs/rollouts.md#settings).

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


@dataclass(frozen=True, slots=True)
class GuardOptions:
    """The guard's options as given on a command line; None: not given, the settings' ``rollouts``
    section (else the guard's own default) decides."""

    first: int | None = None
    window: str | None = None
    max_error_rate: str | None = None
    min_requests: float | None = None
    max_latency_ratio: float | None = None
    failures: int | None = None
    on_failure: OnFailure | None = None
    helm_rollback: HelmRollback | None = None
    no_data: NoData | None = None
    interval: str | None = None
    requests_metric: str | None = None
    status_label: str | None = None
    latency_metric: str | None = None
    prometheus: str | None = None
    header: tuple[str, ...] = ()

    def given(self) -> list[str]:
        """The judging options given (not Prometheus', which the environment may set)."""
        return [
            "--" + name.replace("_", "-") for name in _JUDGING if getattr(self, name) is not None
        ]

    def settings(self, defaults: RolloutsSetting, *, propose_only: bool = False) -> GuardSettings:
        def pick(name: str) -> Any:
            value = getattr(self, name)
            return getattr(defaults, name) if value is None else value

        return GuardSettings(
            first=pick("first"),
            window=duration("--window", self.window) if self.window else defaults.window,
            interval=duration("--interval", self.interval) if self.interval else defaults.interval,
            thresholds=Thresholds(
                max_error_rate=percent("--max-error-rate", self.max_error_rate, at_most=1.0)
                if self.max_error_rate
                else defaults.max_error_rate,
                min_requests=pick("min_requests"),
                max_latency_ratio=pick("max_latency_ratio"),
                failures=pick("failures"),
            ),
            on_failure=OnFailure(pick("on_failure")),
            helm_rollback=HelmRollback(pick("helm_rollback")),
            no_data_passes=NoData(pick("no_data")) is NoData.PASS,
            propose_only=propose_only,
            requests_metric=pick("requests_metric"),
            status_label=pick("status_label"),
            latency_metric=pick("latency_metric"),
        )


def _option(*names: str, help: str, **more: Any) -> Any:
    return typer.Option(*names, help=help, show_default=False, **more)


_GUARD_OPTIONS: tuple[tuple[str, Any], ...] = (
    (
        "first",
        Annotated[
            int | None,
            _option(
                "--first",
                min=0,
                help="Hold the rollout at this many new replicas while they are judged "
                "(0: never hold). Default 3.",
            ),
        ],
    ),
    (
        "window",
        Annotated[
            str | None,
            _option("--window", help="How long the new replicas are judged. Default 2m."),
        ],
    ),
    (
        "max_error_rate",
        Annotated[
            str | None,
            _option(
                "--max-error-rate", help="Share of 5xx answers that fails a round. Default 5%."
            ),
        ],
    ),
    (
        "min_requests",
        Annotated[
            float | None,
            _option(
                "--min-requests", min=0, help="Requests needed to judge the error rate. Default 50."
            ),
        ],
    ),
    (
        "max_latency_ratio",
        Annotated[
            float | None,
            _option(
                "--max-latency-ratio",
                min=1,
                help="New pods' p95 over the old pods' that fails. Default 2.",
            ),
        ],
    ),
    (
        "failures",
        Annotated[
            int | None,
            _option("--failures", min=1, help="Failed rounds in a row that halt it. Default 1."),
        ],
    ),
    (
        "on_failure",
        Annotated[
            OnFailure | None,
            _option("--on-failure", help="Pause the rollout, or undo it. Default pause."),
        ],
    ),
    (
        "helm_rollback",
        Annotated[
            HelmRollback | None,
            _option(
                "--helm-rollback",
                help="Undoing a Helm release's rollout (helm installed): pause it and propose "
                "helm rollback for approval, or run it at once. Default propose.",
            ),
        ],
    ),
    (
        "no_data",
        Annotated[
            NoData | None,
            _option(
                "--no-data",
                help="A window that ends without traffic to judge: halt (pause) or pass. "
                "Default halt.",
            ),
        ],
    ),
    (
        "interval",
        Annotated[
            str | None,
            _option("--interval", help="Time between two rounds of traffic figures. Default 5s."),
        ],
    ),
    ("prometheus", PrometheusOption),
    ("header", HeaderOption),
    (
        "requests_metric",
        Annotated[
            str | None,
            _option(
                "--requests-metric",
                help="Counter of requests, labelled by status. Default http_requests_total.",
            ),
        ],
    ),
    (
        "status_label",
        Annotated[
            str | None,
            _option("--status-label", help="Its label holding the HTTP status. Default code."),
        ],
    ),
    (
        "latency_metric",
        Annotated[
            str | None,
            _option(
                "--latency-metric",
                help="Histogram of request durations (seconds). "
                "Default http_request_duration_seconds.",
            ),
        ],
    ),
)
"""The guard's options, declared once for ``rollout guard``, ``execute --guard`` and ``watch
--guard-rollouts``: (parameter, annotation), each defaulting to None."""
_JUDGING = tuple(name for name, _ in _GUARD_OPTIONS if name not in ("prometheus", "header"))

Command = TypeVar("Command", bound=Callable[..., None])


def with_guard_options(command: Command) -> Command:
    """Add the guard's options to a typer command; it receives them as ``guard_options``."""
    hints = typing.get_type_hints(command, include_extras=True)
    own = [
        p.replace(annotation=hints[p.name])
        for p in inspect.signature(command).parameters.values()
        if p.name != "guard_options"
    ]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint)
        for name, hint in _GUARD_OPTIONS
    ]

    def with_options(*args: Any, **values: Any) -> None:
        given = {name: values.pop(name, None) for name, _ in _GUARD_OPTIONS}
        given["header"] = tuple(given["header"] or ())
        command(*args, guard_options=GuardOptions(**given), **values)

    with_options.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
    with_options.__doc__ = command.__doc__
    with_options.__name__ = command.__name__
    return typing.cast(Command, with_options)


def guard_setup(
    ctx: typer.Context,
    options: GuardOptions,
    *,
    propose_only: bool = False,
    records: Path | None = None,
    context: str | None = None,
    kubeconfig: Path | None = None,
) -> tuple[GuardSettings, PrometheusAccess | None]:
    """The guard's settings (the options over the settings' ``rollouts`` section) and where
    it reads traffic (``--prometheus``, else the settings' ``prometheus.url``, else nowhere)."""
    from kubemedic.config import load_settings

    loaded = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
    settings = options.settings(loaded.rollouts, propose_only=propose_only)
    return settings, _prometheus(loaded, options.prometheus, list(options.header))


@app.command("guard", epilog=EPILOG)
@with_guard_options
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
    propose_only: Annotated[
        bool,
        typer.Option(
            "--propose-only", help="Change nothing: propose the pause or undo for approval."
        ),
    ] = False,
    output: Annotated[Output, typer.Option("--output", "-o", help="Output format.")] = Output.TEXT,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    *,
    guard_options: GuardOptions,
) -> None:
    """Watch a Deployment's rollout (under way, next, or started here) and halt it when its
    first new replicas fail: pod signals always, HTTP errors and latency with Prometheus."""
    ref = parse_target(target, namespace)
    if ref.kind != "Deployment":
        raise InputError(f"the rollout guard watches Deployments, not {ref.kind.lower()}s")
    start = _start(set_image, execute_id, command)
    run_guard(
        ctx,
        ref,
        guard_options,
        start,
        propose_only=propose_only,
        output=output,
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
    )


def run_guard(
    ctx: typer.Context,
    ref: ObjectRef,
    options: GuardOptions,
    start: Start | None,
    *,
    propose_only: bool = False,
    output: Output = Output.TEXT,
    records: Path | None = None,
    as_: str | None = None,
    context: str | None = None,
    kubeconfig: Path | None = None,
) -> None:
    """Guard ``ref``'s rollout (the one ``start`` causes) and exit with the outcome's code."""
    from kubemedic.services.rollouts.guard import GuardRequest, guard_rollout

    settings, metrics = guard_setup(
        ctx,
        options,
        propose_only=propose_only,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
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
