"""The MCP tools that read the records and the health report, through a real MCP session.

An incident is opened for the sandbox's crash loop and a health report is recorded, as a
watch and a weekly job would; then an agent lists the incidents, reads the record, asks for
the figures and the health summary — whose trend compares with the recorded report and which,
being read only, records nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from kubemedic.cli.app import run
from kubemedic.config import Settings
from kubemedic.models.records import RecordKind
from kubemedic.services.diagnose import diagnose
from kubemedic.services.incidents import open_incident
from kubemedic.services.sources import SourceRequest, load_view
from kubemedic.services.workspace import open_workspace

from .conftest import Sandbox
from .test_mcp import _environment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _open_crash_incident(sandbox: Sandbox, settings: Settings) -> str:
    view = load_view(SourceRequest(namespace="todo", kubeconfig=sandbox.kubeconfig))
    crash = next(f for f in diagnose(view).findings if f.category.value.startswith("crashloop"))
    return open_incident(open_workspace(settings), crash, view=view).id


def _record_health_report(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    code = run(
        ["--config", env["KUBEMEDIC_CONFIG_FILE"], "report", "health", "-n", "todo",
         "--kubeconfig", env["KUBECONFIG"], "--records", env["KUBEMEDIC_RECORDS"], "--record"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    return err.split("recorded ", 1)[1].split()[0]


def test_an_agent_reads_incidents_records_figures_and_the_health_summary(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.break_into_a_crash_loop()
    env = _environment(sandbox, tmp_path)
    settings = Settings(records=Path(env["KUBEMEDIC_RECORDS"]))
    incident = _open_crash_incident(sandbox, settings)
    recorded = _record_health_report(env, capsys)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "kubemedic", "mcp", "--read-only"], env=env
    )

    async def session() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            calls = {
                "list_incidents": await client.call_tool("list_incidents", {}),
                "get_record": await client.call_tool("get_record", {"id": incident}),
                "stats": await client.call_tool("stats", {"since": "1d"}),
                "health_summary": await client.call_tool("health_summary", {"namespace": "todo"}),
                "missing": await client.call_tool("get_record", {"id": "INC-20200101-000000"}),
                "bad_since": await client.call_tool("stats", {"since": "soon"}),
            }
            return {
                name: result if result.is_error else result.structured_content
                for name, result in calls.items()
            }

    got = anyio.run(session)

    listed = got["list_incidents"]["incidents"]
    assert [i["id"] for i in listed] == [incident]
    assert listed[0]["state"] == "open"
    assert listed[0]["finding"]["category"].startswith("crashloop")
    record = got["get_record"]
    assert record["kind"] == "incident"
    assert record["header"]["object"]["namespace"] == "todo"
    assert [s["event"] for s in record["sections"]] == ["opened"]
    assert got["stats"]["incidents"] == 1
    assert got["stats"]["mttd"]["count"] == 1

    summary = got["health_summary"]
    assert summary["namespaces"] == ["todo"]
    assert 0 <= summary["score"]["value"] < 100
    assert summary["score"]["status"] in ("healthy", "degraded", "critical")
    assert summary["change_since_last"]["previous"]["record"] == recorded
    assert summary["key_figures"]["pods"] == sum(summary["pods_by_phase"].values())
    pods, _ = sandbox.server.store.list("Pod", "todo")
    assert summary["key_figures"]["pods"] == len(pods)
    assert any(f["id"].startswith("KM-") and "CRASH" in f["id"] for f in summary["findings"])
    assert {"score", "grade", "counts"} <= set(summary["security"])

    assert got["missing"].is_error
    assert "INC-20200101-000000" in got["missing"].content[0].text
    assert got["bad_since"].is_error
    assert "not a duration" in got["bad_since"].content[0].text
    reports = list(open_workspace(settings).store.all(RecordKind.REPORT))
    assert [r.id for r in reports] == [recorded], "health_summary must not record"
