"""``kubemedic audit security``: the security posture of a cluster, or of manifests in CI.

Arguments become a ``SourceRequest`` and ``AuditOptions``; the service reads the cluster (or
the files), runs every check and escalates critical findings to the configured webhooks; the
chosen format goes to stdout, warnings and notes to stderr; ``--fail-on`` turns findings into
exit code 1. The services are imported inside the command so ``--help`` stays light.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kubemedic.cli.governed import ContextOption, KubeconfigOption
from kubemedic.cli.session import session_of
from kubemedic.errors import EXIT_FINDINGS, EXIT_OK, InputError
from kubemedic.formatters.security import AuditFormat
from kubemedic.models.security import PodSecurityLevel
from kubemedic.models.severity import Severity

EPILOG = """\
Examples:
  kubemedic audit security -A
  kubemedic audit security -n shop --level restricted -o markdown
  kubemedic audit security --from-file k8s/ -o sarif --fail-on high > audit.sarif
  kubemedic audit security -A --allowed-registry ghcr.io/acme --allowed-registry registry.k8s.io

Exit codes:
  0   ran; no finding at or above --fail-on
  1   findings at or above --fail-on
  2   bad usage, settings or input file (a malformed manifest names its file and line)
  3   cluster unreachable, unauthorized, forbidden, or not a Kubernetes API server
  70  internal error: a bug in kubemedic (--debug shows the traceback)
"""


class FailOn(StrEnum):
    """``--fail-on`` choices: a severity, or ``none`` to exit 0 whatever is found."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class Level(StrEnum):
    """``--level``: the Pod Security Standards profile workloads must meet."""

    BASELINE = "baseline"
    RESTRICTED = "restricted"


app = typer.Typer(
    help="Audit the security posture of a cluster or of manifests.", no_args_is_help=True
)


@app.command("security", epilog=EPILOG)
def security_command(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Namespace to audit. Default: the kubeconfig context's (live) or every "
            "namespace in the files (--from-file).",
            show_default=False,
        ),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Audit every namespace.")
    ] = False,
    from_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-file",
            "-f",
            help="Audit YAML/JSON manifests (files or directories) instead of a cluster; "
            "repeatable. What the files do not hold is taken as absent (no NetworkPolicy "
            "means none).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[AuditFormat, typer.Option("--output", "-o", help="Output format.")] = (
        AuditFormat.TEXT
    ),
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when a finding has this severity or a worse one."),
    ] = FailOn.NONE,
    level: Annotated[
        Level | None,
        typer.Option(
            "--level",
            help="Pod Security level every workload must meet (default: the settings' "
            "audit.level, else baseline).",
            show_default=False,
        ),
    ] = None,
    allowed_registry: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-registry",
            help="A registry host (ghcr.io) or repository prefix (ghcr.io/acme) images may "
            "come from; repeatable. Default: the settings' audit.allowed_registries, else any.",
            show_default=False,
        ),
    ] = None,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify/--no-notify",
            help="Send critical findings to the webhooks of the settings (event audit.critical).",
        ),
    ] = True,
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
    """Audit Pod Security levels, RBAC, network policies, Secrets, images, resources and CVEs."""
    from kubemedic import __version__
    from kubemedic.config import load_settings
    from kubemedic.formatters.security import write
    from kubemedic.models.security import AuditOptions
    from kubemedic.services.audit import audit, escalate
    from kubemedic.services.sources import SourceRequest

    if namespace and all_namespaces:
        raise InputError("--namespace and --all-namespaces cannot be used together")
    settings = load_settings(
        config_file=session_of(ctx).config_file,
        context=context,
        kubeconfig=kubeconfig,
        request_timeout=request_timeout,
    )
    files = tuple(from_file or ())
    request = SourceRequest(
        files=files,
        namespace=namespace,
        all_namespaces=all_namespaces,
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        request_timeout=settings.request_timeout,
    )
    chosen = settings.audit
    registries = tuple(
        r.strip() for r in (allowed_registry or chosen.allowed_registries) if r.strip()
    )
    options = AuditOptions(
        level=PodSecurityLevel(level.value if level else chosen.level),
        allowed_registries=registries,
        complete=bool(files),
        tls_expiry_days=chosen.tls_expiry_days,
    )
    result = audit(request, options, version=__version__)
    write(result, output, sys.stdout)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if notify:
        for delivery in escalate(result, settings.webhooks()):
            if not delivery.ok:
                typer.echo(f"warning: critical findings not delivered: {delivery.error}", err=True)
    threshold = None if fail_on is FailOn.NONE else Severity(fail_on.value)
    failing = threshold is not None and any(f.severity.at_least(threshold) for f in result.findings)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)
