"""Serve kubemedic's agent tools and docs over MCP (stdio or streamable HTTP).

Built on the official SDK's low-level ``Server``: the tool list, input schemas and
descriptions come from ``services.agent_tools`` unchanged, each result is returned both as
structured content and as its JSON text, and every failure — bad arguments, an unknown tool,
an unreachable cluster — becomes a tool error the agent can read, never a crashed server.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import anyio
import mcp_types as types
import orjson
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from kubemedic import __version__
from kubemedic.errors import KubemedicError
from kubemedic.services.agent_resources import doc_resources, read_doc
from kubemedic.services.agent_tools import ToolContext, call_tool, tools

log = logging.getLogger(__name__)
Transport = Literal["stdio", "http"]

INSTRUCTIONS = (
    "kubemedic diagnoses Kubernetes workloads deterministically: cite finding ids and their "
    "evidence. Changes go through propose_change, which records a proposal a person must "
    "approve; nothing here approves or executes a change."
)


def build_server(ctx: ToolContext, *, read_only: bool) -> Server[Any]:
    """An MCP server offering the agent tools (without ``propose_change`` when read-only)."""
    offered = tools(read_only=read_only)

    async def list_tools(
        _: ServerRequestContext[Any], __: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=t.name,
                    description=t.description,
                    input_schema=t.input_schema(),
                    annotations=types.ToolAnnotations(
                        read_only_hint=t.read_only, destructive_hint=False
                    ),
                )
                for t in offered
            ]
        )

    async def call(
        _: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            data = await anyio.to_thread.run_sync(
                lambda: call_tool(ctx, params.name, params.arguments, read_only=read_only)
            )
        except KubemedicError as exc:
            return _error(exc.message + (f"\nhint: {exc.hint}" if exc.hint else ""))
        except Exception as exc:  # an agent gets an answer, the server keeps serving
            log.exception("tool %s failed", params.name)
            return _error(f"internal error in kubemedic: {type(exc).__name__}: {exc}")
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=data
        )

    async def list_resources(
        _: ServerRequestContext[Any], __: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=r.uri, name=r.name, description=r.description, mime_type="text/markdown"
                )
                for r in doc_resources()
            ]
        )

    async def read_resource(
        _: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        text = read_doc(uri)
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="text/markdown", text=text)]
        )

    return Server(
        "kubemedic",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"error: {message}")], is_error=True
    )


def serve(
    ctx: ToolContext,
    *,
    transport: Transport = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    read_only: bool = False,
) -> None:
    """Serve until stdin closes (stdio) or the process is interrupted (HTTP, at ``/mcp``)."""
    server = build_server(ctx, read_only=read_only)
    if transport == "stdio":
        anyio.run(_stdio, server)
        return
    import uvicorn

    app = server.streamable_http_app(host=host)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()


async def _stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
