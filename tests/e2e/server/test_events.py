"""``/api/v1/events`` of a running server: a ``record`` event for each record that changes,
whoever changed it, a client that reconnects with ``Last-Event-ID`` given what it missed once
(or told to reload), and a stream that ends when its client leaves or the server stops."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from kubemedic._internal.timeutils import format_time
from kubemedic.config import load_settings
from kubemedic.models.identity import SYSTEM
from kubemedic.models.records import RecordKind
from kubemedic.services.records import RecordStore, Step
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import RunningServer, SandboxServerFactory, ServerFactory
from tests.e2e.server.flows import CLUSTER_ADMINS_OPERATE, propose_three_frontends

WAIT = 10.0
"""Seconds a stream may stay silent before the test gives up (the feed polls twice a second)."""


def _next_event(lines: Iterator[str]) -> dict[str, str]:
    """The fields of the next event on the stream (comments skipped)."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if fields:
                return fields
            continue
        if not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    raise AssertionError("the stream ended")


def _record_event(lines: Iterator[str], record_id: str) -> dict[str, str]:
    """The data of the ``record`` event about ``record_id`` (others are skipped)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        event = _next_event(lines)
        data = orjson.loads(event["data"]) if event.get("event") == "record" else {}
        if data.get("id") == record_id:
            assert isinstance(data, dict)
            return data
    raise AssertionError(f"no record event about {record_id} within {WAIT}s")


def records_head() -> str:
    head = RecordStore.open(load_settings().records_dir()).repo.head()
    assert head is not None
    return head


def _subscribed(lines: Iterator[str]) -> str:
    """Read the stream's opening (the retry hint, then the commit it starts at): that commit."""
    assert _next_event(lines) == {"retry": "2000"}
    opening = _next_event(lines)
    assert list(opening) == ["id"], opening
    return opening["id"]


def _open_streams(server: RunningServer) -> str:
    metrics = server.client().get("/metrics").text
    return next(line for line in metrics.splitlines() if line.startswith("kubemedic_event_streams"))


def incident_written_elsewhere() -> str:
    """An incident committed to the server's records by another process (as `watch` would)."""
    store = RecordStore.open(load_settings().records_dir())
    now = datetime.now(UTC)
    record_id = store.new_id(RecordKind.INCIDENT, now)
    store.create(
        RecordKind.INCIDENT,
        record_id,
        {"created_at": format_time(now)},
        title=f"Incident {record_id}",
        intro="Written by the test.",
        first=Step("opened", "open", {}, "Opened."),
        actor=SYSTEM,
        at=now,
        message=f"{record_id}: opened",
    )
    return record_id


def test_a_stream_reports_a_new_record_and_ends_when_its_client_leaves(
    start_server: ServerFactory,
) -> None:
    server = start_server()
    viewer, _ = server.signed_in("vic")
    with viewer.stream("GET", "/api/v1/events", timeout=WAIT) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert _subscribed(lines) == records_head()
        record_id = incident_written_elsewhere()
        event = _record_event(lines, record_id)
        assert (event["kind"], event["state"]) == ("incident", "open")
        assert datetime.fromisoformat(event["at"].replace("Z", "+00:00")) <= datetime.now(UTC)
        assert _open_streams(server) == "kubemedic_event_streams 1"
    deadline = time.monotonic() + WAIT
    while _open_streams(server) != "kubemedic_event_streams 0":
        assert time.monotonic() < deadline, "the stream outlived its client"
        time.sleep(0.1)


def test_a_client_that_reconnects_with_its_last_event_id_gets_what_it_missed_once(
    start_server: ServerFactory,
) -> None:
    server = start_server()
    viewer, _ = server.signed_in("vic")
    with viewer.stream("GET", "/api/v1/events", timeout=WAIT) as stream:
        last_event_id = _subscribed(stream.iter_lines())
    other, _ = server.signed_in("vic")  # another dashboard, listening while the first is away
    with other.stream("GET", "/api/v1/events", timeout=WAIT) as stream:
        lines = stream.iter_lines()
        _subscribed(lines)
        missed = incident_written_elsewhere()
        _record_event(lines, missed)  # the server has seen it: it is news from before now

    resume = {"Last-Event-ID": last_event_id}
    with viewer.stream("GET", "/api/v1/events", headers=resume, timeout=WAIT) as stream:
        lines = stream.iter_lines()
        assert _next_event(lines) == {"retry": "2000"}
        replayed = _next_event(lines)
        assert (replayed["event"], replayed["id"]) == ("record", records_head())
        assert orjson.loads(replayed["data"])["id"] == missed
        assert _next_event(lines) == {"id": records_head()}
        later = incident_written_elsewhere()
        live = _next_event(lines)  # the missed incident does not come again
        assert (live["event"], orjson.loads(live["data"])["id"]) == ("record", later)
        assert live["id"] == records_head()


def test_a_client_back_from_an_unknown_commit_is_told_to_reload(
    start_server: ServerFactory,
) -> None:
    server = start_server()
    viewer, _ = server.signed_in("vic")
    for unknown in ("0" * 40, "not-a-commit"):
        resume = {"Last-Event-ID": unknown}
        with viewer.stream("GET", "/api/v1/events", headers=resume, timeout=WAIT) as stream:
            lines = stream.iter_lines()
            assert _next_event(lines) == {"retry": "2000"}
            reload = _next_event(lines)
            assert (reload["event"], reload["id"]) == ("reload", records_head())
            assert "load them again" in orjson.loads(reload["data"])["message"]
            assert _next_event(lines) == {"id": records_head()}


def test_an_open_stream_ends_when_the_server_shuts_down(start_server: ServerFactory) -> None:
    server = start_server()
    assert server.uvicorn_server is not None
    assert server.thread is not None
    viewer, _ = server.signed_in("vic")
    with viewer.stream("GET", "/api/v1/events", timeout=WAIT) as stream:
        lines = stream.iter_lines()
        _subscribed(lines)
        server.uvicorn_server.should_exit = True  # what SIGTERM does
        assert list(lines) == []  # the stream ends instead of holding the server up
    server.thread.join(timeout=WAIT)
    assert not server.thread.is_alive(), "uvicorn did not stop with a stream open"


@pytest.mark.e2e
def test_an_operation_proposed_through_the_api_arrives_as_a_record_event(
    serve_sandbox: SandboxServerFactory, sandbox: Sandbox
) -> None:
    server = serve_sandbox(CLUSTER_ADMINS_OPERATE)
    admin = server.client(sandbox.server.tokens.admin)
    with admin.stream("GET", "/api/v1/events", timeout=WAIT) as stream:
        lines = stream.iter_lines()
        _subscribed(lines)
        proposed = propose_three_frontends(admin, "more traffic")
        assert proposed.status_code == 201, proposed.text
        event = _record_event(lines, proposed.json()["id"])
    assert (event["kind"], event["state"]) == ("operation", "pending-approval")
