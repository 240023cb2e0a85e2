"""The ``kubemedic`` command (also installed as ``kubectl-medic``, a kubectl plugin).

Importing this module loads typer and nothing heavy, so ``--help`` and ``--version`` answer at
once. ``run`` is the one place errors end: a ``KubemedicError`` becomes ``error: <message>``
on stderr and the exit code its class documents; anything else is a bug, reported in one line
with exit code 70 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from kubemedic import __version__
from kubemedic.cli import decide
from kubemedic.cli.diagnose import EPILOG as DIAGNOSE_EPILOG
from kubemedic.cli.diagnose import diagnose_command
from kubemedic.cli.governed import EXIT_CODES as GOVERNED_EPILOG
from kubemedic.cli.propose import app as propose_app
from kubemedic.cli.records import app as records_app
from kubemedic.cli.records import stats_command
from kubemedic.cli.sandbox import app as sandbox_app
from kubemedic.cli.session import Session, session_of
from kubemedic.cli.watch import watch_command
from kubemedic.errors import EXIT_OK, KubemedicError

EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h: kubemedic itself failed

app = typer.Typer(
    name="kubemedic",
    help="Diagnose failing Kubernetes workloads and govern their fixes: proposal, approval, "
    "execution, validation, rollback, with an audit trail in git.",
    epilog="Exit codes: 0 ok; 1 findings at or above --fail-on, or a failed check; 2 bad usage "
    "or input; 3 cluster unreachable or forbidden; 4 sandbox error; 5 records repository error; "
    "6 refused by governance; 70 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("diagnose", epilog=DIAGNOSE_EPILOG)(diagnose_command)
app.command("watch", epilog=GOVERNED_EPILOG)(watch_command)
app.add_typer(propose_app, name="propose")
app.command("approve", epilog=GOVERNED_EPILOG)(decide.approve_command)
app.command("reject", epilog=GOVERNED_EPILOG)(decide.reject_command)
app.command("cancel", epilog=GOVERNED_EPILOG)(decide.cancel_command)
app.command("execute", epilog=GOVERNED_EPILOG)(decide.execute_command)
app.command("validate", epilog=GOVERNED_EPILOG)(decide.validate_command)
app.command("rollback", epilog=GOVERNED_EPILOG)(decide.rollback_command)
app.command("approvals", epilog=GOVERNED_EPILOG)(decide.approvals_command)
app.add_typer(records_app, name="records")
app.command("stats", epilog=GOVERNED_EPILOG)(stats_command)
app.add_typer(sandbox_app, name="sandbox")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kubemedic {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="KUBEMEDIC_DEBUG",
            help="Show debug messages, and the traceback of internal errors.",
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (YAML). Default: $XDG_CONFIG_HOME/kubemedic/config.yaml "
            "if it exists; also KUBEMEDIC_CONFIG_FILE.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Keep Kubernetes workloads healthy, with a human in the loop."""
    session = session_of(ctx)
    session.debug = debug
    session.config_file = config


def run(argv: Sequence[str] | None = None, *, cli: typer.Typer = app) -> int:
    """Run ``cli`` with ``argv`` (default: ``sys.argv[1:]``) and return its exit code."""
    session = Session()
    command = typer.main.get_command(cli)
    try:
        with _log_to_stderr(session):
            command.main(
                args=list(argv) if argv is not None else None,
                prog_name=_program_name(),
                standalone_mode=True,
                obj=session,
            )
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_OK if done.code is None else 1
    except KubemedicError as exc:
        _explain(exc.message, exc.hint, debug=session.debug)
        return exc.exit_code
    except Exception as exc:
        _explain(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in kubemedic; run again with --debug for the traceback and report it",
            debug=session.debug,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def main() -> None:
    """Console-script entry point of ``kubemedic`` and ``kubectl-medic``."""
    sys.exit(run())


class _UserFormat(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


@contextmanager
def _log_to_stderr(session: Session) -> Iterator[None]:
    """kubemedic's log reaches the user as ``warning: ...`` lines; ``--debug`` adds the detail.

    Layers below the CLI log what the user should know but that does not stop the run, such
    as a kind RBAC refused to list.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UserFormat())
    handler.addFilter(lambda record: record.levelno >= logging.WARNING or session.debug)
    logger = logging.getLogger("kubemedic")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _explain(message: str, hint: str | None, *, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"hint: {hint}", err=True)


def _program_name() -> str:
    """``kubectl medic`` when kubectl runs us as a plugin, so usage lines read right."""
    return "kubectl medic" if Path(sys.argv[0]).name == "kubectl-medic" else "kubemedic"
