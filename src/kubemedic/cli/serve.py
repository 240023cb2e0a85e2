"""``kubemedic serve``: the API and dashboard on uvicorn (docs/server.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kubemedic.cli.governed import ContextOption, KubeconfigOption, RecordsOption
from kubemedic.cli.session import session_of


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8080,
    records: RecordsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    users_file: Annotated[
        Path | None,
        typer.Option(
            "--users-file", help="Local accounts (default: server.users_file).", show_default=False
        ),
    ] = None,
) -> None:
    """Serve the governed workflow: JSON API under /api/v1 and the web dashboard."""
    from kubemedic.config import load_settings
    from kubemedic.services.accounts import accounts_in
    from kubemedic.web.app import create_app, http_server

    settings = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
    if users_file is not None:
        server = settings.server.model_copy(update={"users_file": users_file})
        settings = settings.model_copy(update={"server": server})
    accounts_in(settings.server.users_path())  # a file that cannot be read stops the start
    typer.echo(f"kubemedic serving on http://{host}:{port}/ (API: /api/v1/docs)", err=True)
    http_server(create_app(settings), host, port).run()
