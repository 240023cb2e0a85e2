"""The dashboard in a real browser (Debian's chromium driven by Playwright): an OOM on the
sandbox is proposed as a medium fix, its requester cannot approve it, an architect approves it
with a condition, executes and validates it, and the record shows every step."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server.browser import BROWSER_TESTS, chromium, shoot, sign_in
from tests.e2e.server.conftest import PendingFix

pytestmark = BROWSER_TESTS


def test_an_oom_fix_is_decided_executed_and_validated_in_the_browser(
    pending_oom_fix: PendingFix, tmp_path: Path
) -> None:
    server, op = pending_oom_fix.server, pending_oom_fix.op
    shots = tmp_path / "screenshots"
    with chromium(shots) as browser:
        requester = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(requester, server.url, "lin")
        requester.goto(f"{server.url}/operations/{op}")
        requester.get_by_role("button", name="Approve").click()
        refusal = requester.get_by_role("alert")
        assert f"lin requested operation {op} and cannot approve it" in refusal.inner_text()

        page = browser.new_page(viewport={"width": 1200, "height": 900})
        sign_in(page, server.url, "ada")
        pending = page.get_by_role("list", name="Pending approvals")
        assert op in pending.inner_text()
        assert "medium" in pending.inner_text()
        assert "Requested by Lin" in pending.inner_text()
        shoot(page, shots / "dashboard.png")

        page.get_by_role("link", name=op).first.click()
        page.get_by_label("Reason", exact=True).fill("the limit is too low for the load")
        page.get_by_label("Conditions (one a line, optional)").fill("before=2099-01-01T00:00Z")
        shoot(page, shots / "operation.png")
        page.get_by_role("button", name="Approve").click()
        assert page.locator("#state").inner_text() == "conditionally-approved"
        page.get_by_role("button", name="Execute").click()
        assert page.locator("#state").inner_text() == "executed"
        page.get_by_role("button", name="Validate").click()
        assert page.locator("#state").inner_text() == "validated"
        history = page.locator("ol.history").inner_text()
        for event in ("decision-refused", "approved", "executed", "validation-passed"):
            assert event in history
        shoot(page, shots / "record.png")
        for name in ("incidents", "stats"):
            page.goto(f"{server.url}/{name}")
            shoot(page, shots / f"{name}.png")
