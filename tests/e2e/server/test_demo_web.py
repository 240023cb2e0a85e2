"""`make demo-web` serves the dashboard on the sandbox with an approval waiting for the printed
architect account, and Ctrl-C stops the server and the sandbox."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
OPEN = re.compile(
    r"Open (http://127\.0\.0\.1:\d+/) and sign in as ada \(architect\) with password (\S+)"
)


def test_the_web_demo_shows_a_pending_approval_and_stops_on_ctrl_c() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "kubemedic.cli.demo_web"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"},
    ) as demo:
        lines: list[str] = []
        reader = threading.Thread(target=_read, args=(demo, lines))
        reader.start()
        code = _decide_then_stop(demo, lines)
        reader.join(timeout=10)
    out = "".join(lines)
    assert "sandbox stopped" in out, out
    assert code in (0, 130), out
    assert "Traceback" not in out


def _read(demo: subprocess.Popen[str], lines: list[str]) -> None:
    assert demo.stdout is not None
    for line in demo.stdout:
        lines.append(line)


def _decide_then_stop(demo: subprocess.Popen[str], lines: list[str]) -> int:
    try:
        url, password = _wait_for_url(lines)
        with httpx.Client(base_url=url, timeout=30) as browser:
            _wait_until_ready(browser)
            form = browser.get("/login").text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            signed = browser.post(
                "/login", data={"name": "ada", "password": password, "csrf": csrf}
            )
            assert signed.status_code == 303, signed.text
            pending = browser.get("/api/v1/approvals").json()
        assert [p["tier"] for p in pending] == ["medium"]
        assert "deployment/backend" in pending[0]["summary"]
    finally:
        demo.send_signal(signal.SIGINT)
    return demo.wait(timeout=60)


def _wait_for_url(lines: list[str]) -> tuple[str, str]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = OPEN.search("".join(lines))
        if found:
            return found.group(1), found.group(2)
        time.sleep(0.5)
    raise AssertionError("the demo printed no URL:\n" + "".join(lines))


def _wait_until_ready(browser: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if browser.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the demo's server did not answer")
