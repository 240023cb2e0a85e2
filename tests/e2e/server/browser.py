"""The dashboard in a real browser for the browser tests: Debian's chromium driven by
Playwright, signing in, and screenshots that must not come out blank."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.server.conftest import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TESTS = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or shutil.which("chromium") is None,
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
]
"""The marks of a module of browser tests (its ``pytestmark``)."""
BLANK_PNG_BYTES = 8_000
"""A screenshot of an empty page compresses below this; any rendered page is far above it."""


@contextmanager
def chromium(shots: Path) -> Iterator[Browser]:
    """A headless chromium, closed when the block exits; then every screenshot the test took
    in ``shots`` must show a rendered page."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()
    for shot in shots.iterdir():
        assert shot.stat().st_size > BLANK_PNG_BYTES, f"{shot.name} looks blank"


def sign_in(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def shoot(page: Page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
