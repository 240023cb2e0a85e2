"""The root command: version, help, light imports, and how errors end the process."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
import typer

from kubemedic.cli.app import EXIT_INTERNAL, root, run
from kubemedic.errors import Forbidden, SandboxError
from tests.unit.cli.conftest import Invoke


def test_version(kubemedic: Invoke) -> None:
    result = kubemedic("--version")
    assert result.code == 0
    assert result.stdout.startswith("kubemedic ")


def test_help_documents_the_exit_codes(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "--help")
    assert result.code == 0
    for line in ("0   ran; no finding at or above --fail-on", "2   bad usage", "70  internal"):
        assert line in result.stdout


def test_importing_the_cli_loads_no_heavy_library() -> None:
    probe = (
        "import kubemedic.cli.app, sys; print(sorted(m for m in "
        "('kubernetes','yaml','pydantic_settings') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kubemedic", "diagnose", "--from-file", "/nonexistent/dump"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "error: /nonexistent/dump: no such file or directory\n"


def _failing_cli(error: Exception) -> typer.Typer:
    """The real root options over one command that raises ``error``."""
    cli = typer.Typer()
    cli.callback()(root)

    @cli.command()
    def boom() -> None:
        raise error

    return cli


@pytest.mark.parametrize(
    ("error", "code", "lines"),
    [
        (
            Forbidden(
                'pods is forbidden: User "dev" cannot list resource "pods" in the namespace "shop"',
                hint="kubectl auth can-i list pods -n shop",
            ),
            3,
            [
                'error: pods is forbidden: User "dev" cannot list resource "pods" in the '
                'namespace "shop"',
                "hint: kubectl auth can-i list pods -n shop",
            ],
        ),
        (SandboxError("the sandbox did not answer on port 6443"), 4, []),
    ],
)
def test_kubemedic_errors_print_one_message_and_their_exit_code(
    capsys: pytest.CaptureFixture[str], error: Exception, code: int, lines: list[str]
) -> None:
    assert run(["boom"], cli=_failing_cli(error)) == code
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    for line in lines:
        assert line in err.splitlines()


def test_an_unexpected_error_is_one_line_and_points_to_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["boom"], cli=_failing_cli(ZeroDivisionError("division by zero"))) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "error: internal error: ZeroDivisionError: division by zero"
    assert "--debug" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    cli = _failing_cli(ZeroDivisionError("division by zero"))
    assert run(["--debug", "boom"], cli=cli) == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def _logging_cli() -> typer.Typer:
    cli = typer.Typer()
    cli.callback()(root)

    @cli.command()
    def scan() -> None:
        log = logging.getLogger("kubemedic.adapters.kubernetes.live")
        log.warning('secrets is forbidden: User "dev" cannot list resource "secrets"')
        log.debug("24 requests")

    return cli


def test_warnings_logged_below_the_cli_reach_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan"], cli=_logging_cli()) == 0
    assert capsys.readouterr().err == (
        'warning: secrets is forbidden: User "dev" cannot list resource "secrets"\n'
    )


def test_debug_adds_the_debug_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--debug", "scan"], cli=_logging_cli()) == 0
    assert capsys.readouterr().err.splitlines() == [
        'warning: secrets is forbidden: User "dev" cannot list resource "secrets"',
        "debug: 24 requests",
    ]
