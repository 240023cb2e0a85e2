"""The dashboard's live updates, charts and pre/post figures in a real browser on a phone-sized
screen. An OOM on the sandbox is detected and a fix proposed; decided elsewhere, it leaves the
open approvals page by itself, and its open page offers a reload when it is executed. Once
validated, the stats page draws one point per chart (MTTD, MTTR, the medium tier's approval
latency) as inline SVG with a table beside it, and the operation page shows the object's diff
and lines up the figures taken before the change and at each validation stage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.server.browser import BROWSER_TESTS, chromium, shoot, sign_in
from tests.e2e.server.conftest import PendingFix

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = BROWSER_TESTS
PHONE = {"width": 390, "height": 844}


def test_live_updates_charts_and_pre_post_figures_after_a_fix(
    pending_oom_fix: PendingFix, tmp_path: Path
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    server, op = pending_oom_fix.server, pending_oom_fix.op
    ada, csrf = server.signed_in("ada")
    shots = tmp_path / "screenshots"

    def decide(step: str, reason: str = "") -> None:
        done = ada.post(f"/operations/{op}/{step}", data={"csrf": csrf, "reason": reason})
        assert done.status_code == 303, done.text

    with chromium(shots) as browser:
        page = browser.new_page(viewport=PHONE)
        failures: list[str] = []
        page.on("pageerror", lambda error: failures.append(str(error)))
        with _subscribed(page):
            sign_in(page, server.url, "ada")
        # live: the approvals page follows the decision taken elsewhere without a reload
        expect(page.get_by_role("list", name="Pending approvals")).to_contain_text(op)
        decide("approve", "more memory")
        expect(page.get_by_text("Nothing is waiting for a decision.")).to_be_visible()
        # live: an operation's page says when it changed and offers to reload
        with _subscribed(page):
            page.goto(f"{server.url}/operations/{op}")
        decide("execute")
        expect(page.get_by_role("status")).to_contain_text(f"{op} changed")
        page.get_by_role("button", name="Reload").click()
        expect(page.locator("#state")).to_have_text("executed")
        decide("validate")

        page.goto(f"{server.url}/stats")
        charts = page.locator("figure.chart")
        assert charts.count() == 3
        for index, wanted in enumerate(("time to detect", "time to recover", "approval")):
            chart = charts.nth(index)
            svg = chart.locator("svg[role=img]").first
            assert wanted in svg.locator("title").first.text_content().lower()
            assert "1 of " in svg.locator("desc").text_content()
            assert chart.locator("circle.point").count() == 1
            box = svg.bounding_box()
            assert box is not None
            assert 0 < box["width"] <= PHONE["width"]
        assert charts.nth(2).locator("g.series").count() == 1  # the medium tier only
        table = charts.nth(1).locator("table")
        assert table.locator("tbody tr").count() >= 5  # a row per week of the 30 days
        shoot(page, shots / "stats-phone.png")

        page.goto(f"{server.url}/operations/{op}")
        diff = page.get_by_label("Diff of the object before and after the write")
        added = diff.locator("span.add").all_inner_texts()
        assert any(line.strip().endswith("memory: 512Mi") for line in added), added
        figures = page.get_by_role("table", name="The workload's figures before the change")
        header = figures.locator("thead").inner_text()
        for column in ("Before", "1 s after", "2 s after", "Change"):
            assert column in header
        ready = figures.locator("tbody tr", has_text="Ready pods").locator("td")
        assert ready.nth(0).inner_text().isdigit()  # measured before the change
        assert ready.nth(2).inner_text().isdigit()  # and 2 s after
        checks = page.get_by_role("table", name="Validation checks at each stage")
        assert checks.locator("tfoot").inner_text().split()[1:] == ["passed", "passed"]
        assert "FAIL" not in checks.locator("tbody").inner_text()
        shoot(page, shots / "operation-phone.png")
        # without the event stream (an older server: 404) the page stays as it is
        asked: list[str] = []
        page.route("**/api/v1/events", lambda route: route.fulfill(status=404, body="{}"))
        page.on("request", lambda sent: asked.append(sent.url))
        page.goto(f"{server.url}/")
        page.wait_for_timeout(3000)  # a browser retrying the stream would have done so
        assert sum(url.endswith("/api/v1/events") for url in asked) == 1
        expect(page.get_by_role("heading", name="Recent operations")).to_be_visible()
        assert failures == [], failures


@contextmanager
def _subscribed(page: Page) -> Iterator[None]:
    """Let the page's event stream start before the test changes a record."""
    with page.expect_response(lambda answer: answer.url.endswith("/api/v1/events")) as answer:
        yield
    assert answer.value.status == 200
    page.wait_for_timeout(1000)  # the server subscribes just after sending the headers
