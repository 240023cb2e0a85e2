"""The dashboard in a real browser (Debian's chromium driven by Playwright): an OOM on the
sandbox is proposed as a medium fix, its requester cannot approve it, an architect approves it
with a condition, executes and validates it, and the record shows every step."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import PASSWORD, RunningServer, ServerFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or shutil.which("chromium") is None,
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]
PEOPLE = [
    {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
    {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
]
BLANK_PNG_BYTES = 8_000
"""A screenshot of an empty page compresses below this; any rendered page is far above it."""


def serve_on_sandbox(
    start_server: ServerFactory,
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> RunningServer:
    """The server on the sandbox, Lin requesting, validation stages 1 s and 2 s after."""
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "people": PEOPLE,
                "user": "Lin",
                "policy": {"validation_delays": ["1s", "2s"], "validation_timeout": "40s"},
            }
        )
    )
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    return start_server()


def _oom_fix(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> str:
    sandbox.server.simulation.break_scenario("oom", target=None, namespace=None)  # type: ignore[union-attr]
    sandbox.wait_for(
        lambda: "OOMKilled" in sandbox.kubectl("get", "pods", "-n", "todo", "-o", "yaml").stdout,
        timeout=60,
        what="an OOMKilled container",
    )
    capsys.readouterr()
    run(["diagnose", "-n", "todo", "--propose"])
    line = next(r for r in capsys.readouterr().out.splitlines() if "→ OP-" in r)
    assert "(medium, pending-approval)" in line
    return line.split("→ ")[1].split(" ")[0]


def test_an_oom_fix_is_decided_executed_and_validated_in_the_browser(
    start_server: ServerFactory,
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    server = serve_on_sandbox(start_server, sandbox, tmp_path, monkeypatch)
    op = _oom_fix(sandbox, capsys)
    shots = tmp_path / "screenshots"

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            requester = browser.new_page(viewport={"width": 390, "height": 844})
            _sign_in(requester, server.url, "lin")
            requester.goto(f"{server.url}/operations/{op}")
            requester.get_by_role("button", name="Approve").click()
            refusal = requester.get_by_role("alert")
            assert f"lin requested operation {op} and cannot approve it" in refusal.inner_text()

            page = browser.new_page(viewport={"width": 1200, "height": 900})
            _sign_in(page, server.url, "ada")
            pending = page.get_by_role("list", name="Pending approvals")
            assert op in pending.inner_text()
            assert "medium" in pending.inner_text()
            assert "Requested by Lin" in pending.inner_text()
            _shoot(page, shots / "dashboard.png")

            page.get_by_role("link", name=op).first.click()
            page.get_by_label("Reason", exact=True).fill("the limit is too low for the load")
            page.get_by_label("Conditions (one a line, optional)").fill("before=2099-01-01T00:00Z")
            _shoot(page, shots / "operation.png")
            page.get_by_role("button", name="Approve").click()
            assert page.locator("#state").inner_text() == "conditionally-approved"
            page.get_by_role("button", name="Execute").click()
            assert page.locator("#state").inner_text() == "executed"
            page.get_by_role("button", name="Validate").click()
            assert page.locator("#state").inner_text() == "validated"
            history = page.locator("ol.history").inner_text()
            for event in ("decision-refused", "approved", "executed", "validation-passed"):
                assert event in history
            _shoot(page, shots / "record.png")
            for name in ("incidents", "stats"):
                page.goto(f"{server.url}/{name}")
                _shoot(page, shots / f"{name}.png")
        finally:
            browser.close()
    for shot in shots.iterdir():
        assert shot.stat().st_size > BLANK_PNG_BYTES, f"{shot.name} looks blank"


def _sign_in(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def _shoot(page: Page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
