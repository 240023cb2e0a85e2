"""Global options (``--debug``, ``--config``) handed from the root command to every command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer


@dataclass(slots=True)
class Session:
    """What the root command parsed, kept on the click context for the commands below it."""

    debug: bool = False
    config_file: Path | None = None


def session_of(ctx: typer.Context) -> Session:
    """The session of this invocation (a fresh default one when run without ``app.run``)."""
    session: Session = ctx.ensure_object(Session)
    return session
