"""``kubemedic user add``: local accounts for signing in to the dashboard (docs/server.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kubemedic.cli.session import session_of

app = typer.Typer(help="Local accounts of the kubemedic server.", no_args_is_help=True)


@app.command("add")
def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name (what the person signs in with).")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="viewer, operator, architect, security or admin. Repeatable."),
    ],
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            help="Email recorded with decisions (default NAME@localhost).",
            show_default=False,
        ),
    ] = None,
    users_file: Annotated[
        Path | None,
        typer.Option(
            "--users-file", help="Accounts file (default: server.users_file).", show_default=False
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create or replace an account; the password is asked for (or read from stdin)."""
    import sys

    from kubemedic.config import load_settings
    from kubemedic.services.accounts import add_account

    settings = load_settings(config_file=session_of(ctx).config_file)
    path = users_file or settings.server.users_path()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    add_account(path, name, password, tuple(role), email or f"{name}@localhost")
    typer.echo(f"account {name} ({', '.join(role)}) saved in {path}")
