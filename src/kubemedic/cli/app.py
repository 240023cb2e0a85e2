"""The ``kubemedic`` command (also installed as ``kubectl-medic``, a kubectl plugin).

Importing this module loads typer and nothing else: each command's module is imported only when
that command runs (or when ``--help`` lists it), so ``kubemedic diagnose`` never loads the
governance, records or sandbox stacks and ``--version`` answers at once. ``run`` is the one
place errors end: a ``KubemedicError`` becomes ``error: <message>`` on stderr and the exit code
its class documents; anything else is a bug, reported in one line with exit code 70
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from kubemedic import __version__
from kubemedic.cli.conversions import PlainCommand, convert_plainly
from kubemedic.cli.session import Session, runs_locally, session_of
from kubemedic.errors import EXIT_OK, KubemedicError

EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h: kubemedic itself failed


@dataclass(frozen=True, slots=True)
class Command:
    """A command function, as ``module:function``, with the epilog under its help (a
    ``module:attribute`` holding the text)."""

    target: str
    epilog: str | None = None

    def load(self, name: str) -> TyperCommand | TyperGroup:
        single = typer.Typer(add_completion=False)
        epilog = _attribute(self.epilog) if self.epilog else None
        single.command(name, epilog=epilog, cls=PlainCommand)(_attribute(self.target))
        command = typer.main.get_command(single)
        assert isinstance(command, TyperCommand)
        return command


@dataclass(frozen=True, slots=True)
class Group:
    """A typer sub-app of commands, as ``module:app``."""

    target: str

    def load(self, name: str) -> TyperCommand | TyperGroup:
        group = typer.main.get_group(_attribute(self.target))
        group.name = name
        return group


_DECIDE = "kubemedic.cli.decide"
_GOVERNED = "kubemedic.cli.governed:EXIT_CODES"

COMMANDS: Mapping[str, Command | Group] = {
    # One line per command, in the order --help lists them; its module is imported only when
    # the command runs. To add one:
    #     "collect": Command("kubemedic.cli.collect:collect_command"),
    #     "recommend": Group("kubemedic.cli.recommend:app"),
    "diagnose": Command("kubemedic.cli.diagnose:diagnose_command", "kubemedic.cli.diagnose:EPILOG"),
    "watch": Command("kubemedic.cli.watch:watch_command", _GOVERNED),
    "approve": Command(f"{_DECIDE}:approve_command", _GOVERNED),
    "reject": Command(f"{_DECIDE}:reject_command", _GOVERNED),
    "cancel": Command(f"{_DECIDE}:cancel_command", _GOVERNED),
    "execute": Command(f"{_DECIDE}:execute_command", _GOVERNED),
    "validate": Command(f"{_DECIDE}:validate_command", _GOVERNED),
    "rollback": Command(f"{_DECIDE}:rollback_command", _GOVERNED),
    "approvals": Command(f"{_DECIDE}:approvals_command", _GOVERNED),
    "stats": Command("kubemedic.cli.records:stats_command", _GOVERNED),
    "propose": Group("kubemedic.cli.propose:app"),
    "records": Group("kubemedic.cli.records:app"),
    "collect": Command("kubemedic.cli.collect:collect_command", "kubemedic.cli.collect:EPILOG"),
    "recommend": Group("kubemedic.cli.recommend:app"),
    "rollout": Group("kubemedic.cli.rollout:app"),
    "audit": Group("kubemedic.cli.audit:app"),
    "report": Group("kubemedic.cli.report:app"),
    "schedule": Group("kubemedic.cli.schedule:app"),
    "sandbox": Group("kubemedic.cli.sandbox:app"),
    "serve": Command("kubemedic.cli.serve:serve_command"),
    "user": Group("kubemedic.cli.user:app"),
    "mcp": Command("kubemedic.cli.mcp:mcp_command", "kubemedic.cli.mcp:EPILOG"),
    "ask": Command("kubemedic.cli.ask:ask_command", "kubemedic.cli.ask:EPILOG"),
}
"""Every command of ``kubemedic``."""

CLIENT_COMMANDS = (
    "approvals",
    "approve",
    "reject",
    "cancel",
    "execute",
    "validate",
    "rollback",
    "propose",
    "records",
    "stats",
)
"""The commands ``--server`` applies to: they run on a kubemedic server instead of the local
records repository (docs/server.md, "CLI as a client")."""


def _attribute(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


class _Loaded(MutableMapping[str, Any]):
    """The commands of a group, each built on first use from its entry in ``COMMANDS``."""

    def __init__(self, commands: Mapping[str, Command | Group]) -> None:
        self._commands = commands
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._commands[name].load(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of kubemedic are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._commands), **dict.fromkeys(self._built)})

    def __len__(self) -> int:
        return len(set(self._commands) | set(self._built))


class _LazyGroup(TyperGroup):
    """The root group: its commands are ``COMMANDS``, loaded as they are asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        convert_plainly(self.params)  # the global options; each command's, as it is loaded
        self.commands = _Loaded(COMMANDS)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        convert_plainly([option])
        return option


app = typer.Typer(
    name="kubemedic",
    help="Diagnose failing Kubernetes workloads and govern their fixes: proposal, approval, "
    "execution, validation, rollback, with an audit trail in git.",
    epilog="Exit codes: 0 ok; 1 findings at or above --fail-on, or a failed check; 2 bad usage "
    "or input; 3 cluster unreachable or forbidden; 4 sandbox error; 5 records repository error; "
    "6 refused by governance; 7 usage history unreadable; 70 internal error.",
    cls=_LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Run approvals, proposals and listings against this kubemedic server (also the "
            "setting server_url, KUBEMEDIC_SERVER_URL), as the kubeconfig's token proves you: "
            f"{', '.join(CLIENT_COMMANDS)}. Other commands run locally.",
            show_default=False,
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            envvar="KUBEMEDIC_SERVER_TOKEN_FILE",
            help="With a server: present this bearer token instead of the kubeconfig's.",
            show_default=False,
        ),
    ] = None,
    certificate_authority: Annotated[
        Path | None,
        typer.Option(
            "--certificate-authority",
            envvar="KUBEMEDIC_SERVER_CA",
            help="With a server: CA file (PEM) its HTTPS certificate is checked against.",
            show_default=False,
        ),
    ] = None,
    insecure_skip_tls_verify: Annotated[
        bool,
        typer.Option(
            "--insecure-skip-tls-verify",
            help="With a server: do not check its HTTPS certificate (test servers only).",
        ),
    ] = False,
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
    session.server = server
    session.token_file = token_file
    session.certificate_authority = certificate_authority
    session.insecure_skip_tls_verify = insecure_skip_tls_verify
    if ctx.invoked_subcommand not in CLIENT_COMMANDS:
        runs_locally(ctx, str(ctx.invoked_subcommand))


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
