"""One record, three readers: the server's API, the MCP tools and ``kubemedic records``
print the same fields of it with the same times (RFC 3339, UTC, ``Z``), whatever the record's
YAML holds a time as."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kubemedic.cli.app import run
from kubemedic.config import load_settings
from kubemedic.models.identity import SYSTEM
from kubemedic.models.records import RecordKind
from kubemedic.services.agent_tools import ToolContext, call_tool
from kubemedic.services.records import RecordStore, Step
from tests.e2e.server.conftest import ServerFactory

OPENED = datetime(2026, 12, 7, 9, 0, 0, 123456, tzinfo=UTC)
CLOSED = OPENED + timedelta(minutes=5)


def _incident() -> str:
    """An incident whose section data holds a time as a YAML timestamp, not a string."""
    store = RecordStore.open(load_settings().records_dir())
    record_id = store.new_id(RecordKind.INCIDENT, OPENED)
    store.create(
        RecordKind.INCIDENT,
        record_id,
        {"created_at": "2026-12-07T09:00:00Z", "finding": {"category": "crashloop"}},
        title="Backend crashes",
        intro="Written by the test.",
        first=Step("opened", "open", {}, "Opened."),
        actor=SYSTEM,
        at=OPENED,
        message=f"{record_id}: opened",
    )
    closing = Step("closed", "closed", {"resolved_at": CLOSED}, "Closed.")
    store.append(record_id, closing, actor=SYSTEM, at=CLOSED, message=f"{record_id}: closed")
    return record_id


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert run(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _tool(name: str, **arguments: str | None) -> Any:
    return call_tool(ToolContext(load_settings()), name, arguments, read_only=True)


def test_the_api_the_mcp_tools_and_the_cli_show_a_record_alike(
    start_server: ServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    record_id = _incident()
    server = start_server()
    viewer, _ = server.signed_in("vic")

    api = viewer.get(f"/api/v1/incidents/{record_id}").json()
    assert api.pop("markdown").startswith("---\n")
    assert (
        api
        == _tool("get_record", id=record_id)
        == _cli(capsys, "records", "show", record_id, "--json")
    )
    assert (api["id"], api["kind"], api["state"], api["title"]) == (
        record_id,
        "incident",
        "closed",
        "Backend crashes",
    )
    assert [(s["event"], s["at"]) for s in api["sections"]] == [
        ("opened", "2026-12-07T09:00:00Z"),
        ("closed", "2026-12-07T09:05:00Z"),
    ]
    assert api["sections"][1]["data"] == {"resolved_at": "2026-12-07T09:05:00Z"}
    assert api["sections"][1]["actor"] == "kubemedic <kubemedic@localhost>"

    row = {
        "id": record_id,
        "kind": "incident",
        "state": "closed",
        "title": "Backend crashes",
        "created_at": "2026-12-07T09:00:00Z",
    }
    assert viewer.get("/api/v1/incidents").json() == [row]
    [listed] = _cli(capsys, "records", "list", "-o", "json")
    assert listed == row | {"path": f"incidents/{record_id}.md"}
    assert _tool("list_incidents", state=None)["incidents"] == [
        row | {"finding": {"category": "crashloop"}}
    ]
