"""A real MCP session with the official SDK's client against ``kubemedic mcp`` on a sandbox.

Over stdio (the client starts the server, as kubectl-ai does) and over streamable HTTP:
the tools are listed with their schemas, ``diagnose`` returns structured findings for a
broken workload, ``propose_change`` records a proposal that still needs approval, and bad
arguments come back as tool errors while the server keeps serving.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from kubemedic.config import Settings
from kubemedic.services.records import RecordStore

from .conftest import Sandbox

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _environment(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "kubemedic.yaml"
    people = [{"name": "Ada", "email": "ada@example.com", "roles": ["architect"]}]
    config.write_text(yaml.safe_dump({"people": people, "user": "Ada"}))
    return {
        **os.environ,
        "KUBECONFIG": str(sandbox.kubeconfig),
        "KUBEMEDIC_CONFIG_FILE": str(config),
        "KUBEMEDIC_RECORDS": str(tmp_path / "records"),
        "HOME": str(tmp_path),
    }


async def _diagnose(session: ClientSession) -> dict[str, Any]:
    result = await session.call_tool("diagnose", {"namespace": "todo"})
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def test_stdio_session_diagnoses_and_proposes_without_approving(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.break_into_a_crash_loop()
    env = _environment(sandbox, tmp_path)
    params = StdioServerParameters(command=sys.executable, args=["-m", "kubemedic", "mcp"], env=env)

    async def session() -> tuple[list[str], dict[str, Any], Any, Any, dict[str, Any]]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            listed = await client.list_tools()
            found = await _diagnose(client)
            assert any(f["category"].startswith("crashloop") for f in found["findings"])
            bad = await client.call_tool("diagnose", {"kind": "Deployment"})
            unknown = await client.call_tool("approve", {"id": "OP-1"})
            proposed = await client.call_tool(
                "propose_change",
                {
                    "action": "scale",
                    "kind": "Deployment",
                    "name": "frontend",
                    "namespace": "todo",
                    "params": {"replicas": 3},
                    "reason": "more headroom for the evening peak",
                },
            )
            assert not proposed.is_error, proposed.content
            schemas = {t.name: t.input_schema for t in listed.tools}
            return list(schemas), schemas["diagnose"], bad, unknown, proposed.structured_content

    names, schema, bad, unknown, proposal = anyio.run(session)

    assert names == [
        "diagnose",
        "health_summary",
        "list_incidents",
        "get_record",
        "recommend_resources",
        "recommend_scaling",
        "stats",
        "propose_change",
    ]
    assert set(schema["properties"]) == {"namespace", "all_namespaces", "kind", "name"}
    assert bad.is_error
    assert "give both kind and name" in bad.content[0].text
    assert unknown.is_error
    assert "unknown tool 'approve'" in unknown.content[0].text
    assert proposal["state"] == "pending-approval"
    assert proposal["tier"] == "low"
    assert proposal["needs"] != "nothing"
    store = RecordStore.open(Settings(records=Path(env["KUBEMEDIC_RECORDS"])).records_dir())
    record = store.load(proposal["id"])
    assert record.state == "pending-approval"
    assert "proposed by an AI agent" in record.header["reason"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def http_server(sandbox: Sandbox, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubemedic",
            "mcp",
            "--transport",
            "http",
            "--port",
            str(port),
            "--read-only",
        ],
        env=_environment(sandbox, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        sandbox.wait_for(listening, timeout=30, what="the MCP server to listen")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def test_http_session_read_only_hides_propose_change(sandbox: Sandbox, http_server: str) -> None:
    sandbox.break_into_a_crash_loop()

    async def session() -> tuple[list[str], dict[str, Any], Any]:
        async with (
            streamable_http_client(http_server) as (read, write),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            listed = await client.list_tools()
            found = await _diagnose(client)
            refused = await client.call_tool("propose_change", {})
            return [t.name for t in listed.tools], found, refused

    names, found, refused = anyio.run(session)

    assert "propose_change" not in names
    assert "diagnose" in names
    crash = [f for f in found["findings"] if f["category"].startswith("crashloop")]
    assert crash
    assert crash[0]["object"]["namespace"] == "todo"
    assert crash[0]["evidence"]
    assert refused.is_error
