"""``kubemedic mcp``: serve kubemedic's tools to AI agents over the Model Context Protocol.

kubectl-ai, kagent or any MCP client starts it (stdio) or connects to it (HTTP); see
docs/agents.md. The command only reads its options and hands them to ``kubemedic.mcp``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kubemedic.cli.governed import AsOption, ContextOption, KubeconfigOption, RecordsOption
from kubemedic.cli.session import session_of


class TransportChoice(StrEnum):
    STDIO = "stdio"
    HTTP = "http"


EPILOG = """\
Examples:
  kubemedic mcp                                  (stdio: the client starts it)
  kubemedic mcp --transport http --port 8765     (streamable HTTP at http://127.0.0.1:8765/mcp)
  kubemedic mcp --read-only                      (no propose_change tool)

Tools: diagnose, health_summary, list_incidents, get_record, recommend_resources,
recommend_scaling, stats, propose_change. No tool approves or executes a change.
"""


def mcp_command(
    ctx: typer.Context,
    transport: Annotated[
        TransportChoice, typer.Option("--transport", help="stdio, or streamable HTTP.")
    ] = TransportChoice.STDIO,
    port: Annotated[int, typer.Option("--port", help="HTTP port (on 127.0.0.1).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="HTTP address to listen on.")] = "127.0.0.1",
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer only tools that change nothing.")
    ] = False,
    from_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--from-file",
            "-f",
            help="Diagnose these YAML/JSON files instead of the live cluster. Repeatable.",
            show_default=False,
        ),
    ] = None,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Serve kubemedic's diagnosis, records and recommendations to AI agents (MCP)."""
    from kubemedic.config import load_settings
    from kubemedic.mcp.server import serve
    from kubemedic.services.agent_tools import ToolContext

    settings = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
    tool_context = ToolContext(settings, files=tuple(from_file or ()), actor=as_)
    serve(
        tool_context,
        transport="http" if transport is TransportChoice.HTTP else "stdio",
        host=host,
        port=port,
        read_only=read_only,
    )
