"""``kubemedic diagnose``: find out why pods and workloads fail, from a cluster or from files.

Arguments become a ``SourceRequest``; the services load the view and run the analyzers; the
chosen formatter writes the report to stdout; ``--fail-on`` turns findings into exit code 1.
Services and settings are imported inside the command, and a formatter's module only when
it writes, so that ``--help`` never loads the Kubernetes client, pydantic-settings, YAML or
rich; a diagnosis that sets nothing below the command line never loads pydantic
(``plain_settings``, ``conversions``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubemedic._internal.gcpause import paused_gc
from kubemedic.cli.governed import AsOption, RecordsOption, workspace
from kubemedic.cli.session import session_of
from kubemedic.cli.targets import parse_target, resolve_target
from kubemedic.errors import EXIT_FINDINGS, EXIT_OK, ConfigError, InputError
from kubemedic.formatters import OutputFormat, writer
from kubemedic.formatters.report import AnalyzerError, Report, Scope
from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.models.severity import Severity

if TYPE_CHECKING:
    from kubemedic.config import Settings
    from kubemedic.services.diagnose import Diagnosis


class FailOn(StrEnum):
    """``--fail-on`` choices: a severity, or ``none`` to always exit 0 after a clean run."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    NONE = "none"


EPILOG = """\
Examples:
  kubemedic diagnose -n shop
  kubemedic diagnose deploy/api -n shop -o markdown
  kubemedic diagnose --from-file dump/ --fail-on high

Exit codes:
  0   ran; no finding at or above --fail-on
  1   findings at or above --fail-on
  2   bad usage, settings or input file (or no Kubernetes object in it)
  3   cluster unreachable, unauthorized, forbidden, object not found, or not a
      Kubernetes API server
  4   sandbox error
  70  internal error: a bug in kubemedic (--debug shows the traceback)
"""


def diagnose_command(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="POD|KIND/NAME",
            help="Diagnose one object: a pod name, or KIND/NAME such as deploy/api, sts/db, "
            "job/backup, svc/web, pvc/data, node/worker-1. Default: everything in scope.",
            show_default=False,
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Namespace to diagnose. Default: the kubeconfig context's namespace (live) "
            "or all namespaces in the files (--from-file).",
            show_default=False,
        ),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Diagnose every namespace.")
    ] = False,
    from_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-file",
            "-f",
            help="Read the cluster from a YAML/JSON file or directory (kubectl get -o yaml, "
            "kubectl cluster-info dump) instead of the API. Repeatable.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        OutputFormat | None,
        typer.Option("--output", "-o", help="Output format (default: text).", show_default=False),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding has this severity or a worse one (default: none).",
            show_default=False,
        ),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option("--context", help="kubeconfig context to use.", show_default=False),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", help="kubeconfig file to use.", show_default=False),
    ] = None,
    request_timeout: Annotated[
        float | None,
        typer.Option(
            "--request-timeout",
            help="Seconds to wait for each API request (default: 10).",
            show_default=False,
        ),
    ] = None,
    propose: Annotated[
        bool,
        typer.Option(
            "--propose",
            help="Open an incident record per problem (medium severity and worse) and propose "
            "each machine-applicable fix as an operation for approval (live clusters only).",
        ),
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Add a plain-language explanation written by the configured language model "
            "(docs/agents.md); labelled as generated, the findings stay the source of truth.",
        ),
    ] = False,
    show_prompt: Annotated[
        bool,
        typer.Option(
            "--show-prompt", help="With --explain: print what would be sent; send nothing."
        ),
    ] = False,
    records: RecordsOption = None,
    as_: AsOption = None,
) -> None:
    """Diagnose failing pods and workloads: root cause, evidence and fix for each problem."""
    with paused_gc():  # importing allocates only objects that live as long as the process
        from kubemedic import __version__
        from kubemedic.plain_settings import diagnose_settings
        from kubemedic.services.diagnose import diagnose
        from kubemedic.services.sources import SourceRequest, load_view

    if namespace and all_namespaces:
        raise InputError("--namespace and --all-namespaces cannot be used together")
    ref = parse_target(target, namespace) if target else None
    if propose and from_file:
        raise InputError(
            "--propose needs a live cluster: fixes are dry-run and applied there",
            hint="drop --from-file, or drop --propose to only diagnose the files",
        )
    if ref and all_namespaces:
        raise InputError(
            "a named object cannot be diagnosed across all namespaces",
            hint="give its namespace with -n NAMESPACE instead of -A",
        )
    given: dict[str, Any] = {
        "config_file": session_of(ctx).config_file,
        "output": output,
        "fail_on": fail_on,
        "context": context,
        "kubeconfig": kubeconfig,
        "request_timeout": request_timeout,
    }
    full = _load_settings(given) if explain else None
    settings = full or diagnose_settings(**given) or _load_settings(given)
    if full is not None and not show_prompt:
        _llm_configured(full)
    files = tuple(from_file or ())
    view = load_view(
        SourceRequest(
            files=files,
            namespace=namespace,
            all_namespaces=all_namespaces,
            target=ref,
            context=settings.context,
            kubeconfig=settings.kubeconfig,
            request_timeout=settings.request_timeout,
        )
    )
    if ref:
        ref = resolve_target(view, ref, offline=bool(files))
    result = diagnose(view, target=ref)
    report = build_report(
        result,
        version=__version__,
        target=ref,
        namespace=namespace if files else None,
    )
    writer(settings.output)(report, sys.stdout)
    if full is not None:
        _explain(report, full, show_prompt=show_prompt)
    for warning in view.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for error in report.analyzer_errors:
        typer.echo(f"warning: analyzer {error.analyzer} failed: {error.error}", err=True)
    if propose:
        _propose_fixes(
            ctx,
            result,
            records=records,
            as_=as_,
            to_stderr=settings.output.value == "json",
            context=settings.context,
            kubeconfig=settings.kubeconfig,
        )
    raise typer.Exit(exit_code(report.findings, settings.fail_on))


def _load_settings(given: Mapping[str, Any]) -> Settings:
    """Every setting, from every source (pydantic's model; see ``plain_settings``)."""
    from kubemedic.config import load_settings

    return load_settings(**given)


def _llm_configured(settings: Settings) -> None:
    """Refuse ``--explain`` before scanning when no language model is configured (exit 2)."""
    import os

    from kubemedic.services.assistant import HOW_TO_CONFIGURE, llm_config

    if llm_config(settings, os.environ) is None:
        raise ConfigError(
            "--explain needs a language model, and none is configured", hint=HOW_TO_CONFIGURE
        )


def _explain(report: Report, settings: Settings, *, show_prompt: bool) -> None:
    """The generated explanation after the report (on stderr when the report is JSON)."""
    import os

    import orjson

    from kubemedic.formatters.json import document
    from kubemedic.services.assistant import explain

    done = explain(document(report), settings, os.environ, send=not show_prompt)
    to_stderr = settings.output.value == "json"
    if done.text is None:
        typer.echo(orjson.dumps(done.request, option=orjson.OPT_INDENT_2).decode(), err=to_stderr)
        return
    typer.echo(
        f"\nExplanation (generated by {done.model}; the findings above are the source of truth):",
        err=to_stderr,
    )
    typer.echo(done.text.strip(), err=to_stderr)


def _propose_fixes(
    ctx: typer.Context,
    result: Diagnosis,
    *,
    records: Path | None,
    as_: str | None,
    to_stderr: bool,
    context: str | None,
    kubeconfig: Path | None,
) -> None:
    """An incident per problem, and an operation per machine-applicable fix."""
    from kubemedic.services.remediate import remedy_all

    with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
        ws,
        actor,
    ):
        remedies = remedy_all(ws, result, actor)
    lines = ["", "Proposals:"] if remedies else []
    for done in remedies:
        if done.operation:
            lines.append(
                f"  {done.incident} → {done.operation} ({done.tier}, {done.state}): {done.note}"
            )
        else:
            lines.append(f"  {done.incident}: {done.note}")
    for line in lines:
        typer.echo(line, err=to_stderr)


def build_report(
    result: Diagnosis,
    *,
    version: str,
    target: ObjectRef | None = None,
    namespace: str | None = None,
) -> Report:
    """The formatters' report for a diagnosis, narrowed to ``namespace`` when one is given.

    Files hold every namespace they were dumped with, so ``-n`` narrows what is reported
    rather than what is read.
    """
    view = result.view
    findings = result.findings
    namespaces = view.namespaces
    objects = result.object_counts()
    if namespace:
        findings = tuple(f for f in findings if _concerns_namespace(f, namespace))
        namespaces = (namespace,)
        counts = {kind: len(view.objects(kind, namespace)) for kind in view.kinds}
        objects = {kind: count for kind, count in counts.items() if count}
    scope = Scope(
        source=view.source,
        namespaces=namespaces,
        observed_at=view.observed_at,
        objects=objects,
        analyzers=result.analyzers,
        target=target,
    )
    errors = tuple(AnalyzerError(f.analyzer, f.error) for f in result.failures)
    return Report(scope, findings, version, errors, view.warnings)


def exit_code(findings: tuple[Finding, ...], fail_on: Severity | None) -> int:
    """1 when any finding is at least as severe as ``fail_on``, else 0."""
    if fail_on is not None and any(f.severity.at_least(fail_on) for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _concerns_namespace(finding: Finding, namespace: str) -> bool:
    return finding.object.namespace == namespace or any(
        pod.namespace == namespace for pod in finding.affected
    )
