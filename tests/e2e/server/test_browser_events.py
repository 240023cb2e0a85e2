"""The dashboard's event stream in a real browser: when a stream ends, the browser comes back
with the id of the last records commit it was told of (``Last-Event-ID``), and an incident
written meanwhile still reaches the open incidents page without a reload."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kubemedic.web import events
from tests.e2e.server.browser import BROWSER_TESTS, chromium, shoot, sign_in
from tests.e2e.server.conftest import ServerFactory
from tests.e2e.server.test_events import WAIT, incident_written_elsewhere, records_head

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

pytestmark = BROWSER_TESTS


def test_a_dashboard_whose_stream_ended_resumes_from_its_last_event_id(
    start_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    monkeypatch.setattr(events, "MAX_AGE", 1.0)  # streams end every second, as after 5 minutes
    server = start_server()
    shots = tmp_path / "screenshots"
    with chromium(shots) as browser:
        page = browser.new_page()
        sign_in(page, server.url, "vic")
        streams: list[Request] = []

        def note(sent: Request) -> None:
            if sent.url.endswith("/api/v1/events"):
                streams.append(sent)

        page.on("request", note)
        page.goto(f"{server.url}/incidents")
        assert _resumed_from(page, streams) == records_head()
        missed = incident_written_elsewhere()
        expect(page.locator("#main")).to_contain_text(missed, timeout=WAIT * 1000)
        shoot(page, shots / "incidents.png")


def _resumed_from(page: Page, streams: list[Request]) -> str:
    """The ``Last-Event-ID`` of the first stream the page opened again."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for sent in streams:
            resumed = sent.all_headers().get("last-event-id")
            if resumed:
                return resumed
        page.wait_for_timeout(200)
    raise AssertionError(f"the page did not reconnect its stream within {WAIT}s")
