"""Global options (``--debug``, ``--config``, ``--server`` ...) handed from the root command to
every command, and the choice a governed command makes between local records and a server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kubemedic.errors import InputError

if TYPE_CHECKING:
    from kubemedic.services.remote import Remote


@dataclass(slots=True)
class Session:
    """What the root command parsed, kept on the click context for the commands below it."""

    debug: bool = False
    config_file: Path | None = None
    server: str | None = None
    """``--server``: run the governed commands against this kubemedic server."""
    token_file: Path | None = None
    certificate_authority: Path | None = None
    insecure_skip_tls_verify: bool = False


def session_of(ctx: typer.Context) -> Session:
    """The session of this invocation (a fresh default one when run without ``app.run``)."""
    session: Session = ctx.ensure_object(Session)
    return session


def server_client(
    ctx: typer.Context,
    *,
    context: str | None = None,
    kubeconfig: Path | None = None,
    local_only: Mapping[str, object] | None = None,
) -> Remote | None:
    """A client of the kubemedic server when ``--server`` (or the ``server_url`` setting) names
    one, else None: the command then runs on the local records repository.

    ``local_only`` are this command's options that only the local records repository
    understands (``--as``: the server knows you by your token; ``--records``, ``--due`` ...);
    any of them given with a server is refused.
    """
    from kubemedic.config import load_settings

    session = session_of(ctx)
    settings = load_settings(
        config_file=session.config_file, context=context, kubeconfig=kubeconfig
    )
    url = session.server or settings.server_url
    if url is None:
        return None
    given = [name for name, value in (local_only or {}).items() if value not in (None, False)]
    if given:
        raise InputError(
            f"{', '.join(given)} cannot be used with the kubemedic server {url}: the server "
            "keeps its own records and knows you by your token",
            hint="drop it, or run without --server (and server_url) on the local records",
        )
    from kubemedic.services.remote import ClientOptions, connect

    options = ClientOptions(
        url,
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        token_file=session.token_file,
        ca_file=session.certificate_authority,
        verify_tls=not session.insecure_skip_tls_verify,
    )
    return connect(options, os.environ)


def runs_locally(ctx: typer.Context, command: str) -> None:
    """Refuse ``--server`` for ``command``: it works on local files or the local records
    repository (the ``server_url`` setting alone leaves such commands local)."""
    if session_of(ctx).server is not None:
        raise InputError(
            f"--server does not apply to 'kubemedic {command}': it runs locally",
            hint="`kubemedic --help` lists under --server the commands a kubemedic server "
            "runs (docs/server.md)",
        )
