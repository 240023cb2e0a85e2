"""``kubemedic schedule print``: the in-cluster schedule (CronJobs, collector, read-only RBAC,
storage) rendered with the user's settings, for ``kubectl apply -f -``. ``deploy/`` holds the
same objects with the default values as a kustomize base (docs/reports.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kubemedic.cli.session import session_of

EPILOG = """\
Examples:
  kubemedic schedule print | kubectl apply -f -
  kubemedic schedule print --namespace ops > kubemedic-schedule.yaml
  kubectl kustomize deploy/        # the same objects with the default values

Exit codes:
  0   printed
  2   bad usage or settings
"""

app = typer.Typer(help="Run reports, audits and collection on a schedule in the cluster.",
                  no_args_is_help=True)  # fmt: skip


@app.command("print", epilog=EPILOG)
def print_command(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Namespace to run kubemedic in (default: kubemedic).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the Namespace, RBAC, settings, storage, collector and CronJobs as YAML."""
    from kubemedic import __version__
    from kubemedic.config import load_settings
    from kubemedic.services.schedule import render, schedule_values

    settings = load_settings(config_file=session_of(ctx).config_file)
    sys.stdout.write(render(schedule_values(settings, version=__version__, namespace=namespace)))
