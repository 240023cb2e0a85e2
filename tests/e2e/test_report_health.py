"""``kubemedic report health`` on the live sandbox with a broken workload and a real Prometheus
scraping the sandbox: every section is there, the figures are the cluster's, a recorded report
gives the next one its trend, and the HTML page renders with its charts in headless Chromium.
"""

from __future__ import annotations

import json
import os
import struct
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kubemedic.cli.app import run
from kubemedic.formatters.health_markdown import TITLES
from kubemedic.sandbox.runtime import SandboxOptions, SandboxServer
from tests.e2e.conftest import Sandbox
from tests.support.prometheus_server import Scraper, scraping

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


@dataclass
class Reporting:
    sandbox: Sandbox
    prometheus: Scraper
    records: Path
    invoke: Callable[..., Ran]

    def report(self, *args: str | Path) -> Ran:
        return self.invoke(
            "report", "health", "--kubeconfig", self.sandbox.kubeconfig,
            "--prometheus", self.prometheus.url, "--records", self.records, *args,
        )  # fmt: skip


def _has_traffic(url: str) -> bool:
    query = urllib.parse.urlencode({"query": "sum(rate(http_requests_total[5m]))"})
    with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=5) as answer:
        return bool(json.load(answer)["data"]["result"])


@pytest.fixture(scope="module")
def reporting(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Reporting]:
    """One broken sandbox and one Prometheus for the module (start-up takes seconds)."""
    root = tmp_path_factory.mktemp("report")
    server = SandboxServer(
        SandboxOptions(state_dir=root / "state", seed="todo-chatbot", time_scale=10.0)
    )
    server.start()
    sandbox = Sandbox(server, root / "kube-cache")
    sandbox.server.simulation.break_scenario("crashloop", target=None, namespace=None)  # type: ignore[union-attr]
    sandbox.wait_for(lambda: _crash_looping(sandbox), timeout=60, what="a CrashLoopBackOff pod")
    (root / "prometheus").mkdir()
    with (
        pytest.MonkeyPatch.context() as patch,
        scraping(f"127.0.0.1:{sandbox.server.metrics_port}", root / "prometheus") as prometheus,
    ):
        for name in list(os.environ):
            if name.upper().startswith("KUBEMEDIC_"):
                patch.delenv(name)
        patch.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
        patch.setenv("XDG_DATA_HOME", str(root / "data"))
        patch.setenv("HOME", str(root))
        sandbox.wait_for(lambda: _has_traffic(prometheus.url), timeout=60, what="scraped traffic")

        def invoke(*args: str | Path) -> Ran:
            captured = _Capture()
            with captured:
                code = run([str(a) for a in args])
            return Ran(code, captured.out(), captured.err())

        yield Reporting(sandbox, prometheus, root / "records", invoke)
    sandbox.server.stop()


class _Capture:
    """stdout and stderr of one in-process run (capsys is function-scoped; this is not)."""

    def __enter__(self) -> None:
        import io
        import sys

        self._saved = sys.stdout, sys.stderr
        self._out, self._err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = self._out, self._err

    def __exit__(self, *exc: object) -> None:
        import sys

        sys.stdout, sys.stderr = self._saved

    def out(self) -> str:
        return self._out.getvalue()

    def err(self) -> str:
        return self._err.getvalue()


def _crash_looping(sandbox: Sandbox) -> bool:
    pods = sandbox.kubectl_json("get", "pods", "-A")["items"]
    return any(
        (s.get("state", {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
        for p in pods
        for s in p.get("status", {}).get("containerStatuses") or []
    )


def test_the_json_report_has_every_section_with_the_cluster_figures(
    reporting: Reporting,
) -> None:
    ran = reporting.report("-A", "-o", "json")
    assert ran.code == 0, ran.stderr
    report = json.loads(ran.stdout)
    for key in ("score", "trend", "pods", "restarts", "nodes", "capacity", "workloads",
                "services", "findings", "right_sizing", "security", "recommendations"):  # fmt: skip
        assert key in report, key
    pods = reporting.sandbox.kubectl_json("get", "pods", "-A")["items"]
    expected: Counter[tuple[str, str]] = Counter(
        (p["metadata"]["namespace"], p["status"].get("phase", "Unknown")) for p in pods
    )
    reported = Counter(
        {
            (n["namespace"], phase): count
            for n in report["pods"]
            for phase, count in n["phases"].items()
        }
    )
    assert reported == expected
    nodes = reporting.sandbox.kubectl_json("get", "nodes")["items"]
    assert sorted(n["name"] for n in report["nodes"]) == sorted(
        n["metadata"]["name"] for n in nodes
    )
    assert all(n["cpu"]["used"] is not None for n in report["nodes"]), "metrics.k8s.io usage"
    crashing = [f for f in report["findings"] if "CRASH" in f["id"]]
    assert crashing, [f["id"] for f in report["findings"]]
    severities = [f["severity"] for f in report["findings"]]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index), "critical first"
    assert any(r["restarts"] > 0 for r in report["restarts"])
    assert report["services"], "Prometheus gave no service figures"
    for service in report["services"]:
        assert service["requests_per_second"] > 0
        assert 0 <= service["error_ratio"] <= 1
        assert service["p50_seconds"] <= service["p95_seconds"] <= service["p99_seconds"]
    assert report["score"]["parts"]["diagnosis"] < 100
    assert set(report["security"]) >= {"score", "grade", "counts"}
    commands = [r["command"] for r in report["recommendations"]]
    assert any(c.startswith("kubemedic diagnose") and "--propose" in c for c in commands)


def test_a_recorded_report_gives_the_next_one_its_trend_and_markdown(
    reporting: Reporting,
) -> None:
    first = reporting.report("-A", "--record")
    assert first.code == 0, first.stderr
    assert "recorded RPT-" in first.stderr
    for key in TITLES:
        if key != "notes":
            assert f"## {TITLES[key]}" in first.stdout, key
    record = next((reporting.records / "reports").glob("RPT-*.md")).read_text()
    assert "report_type: health" in record
    assert "figures:" in record
    second = reporting.report("-A", "-o", "json")
    trend = json.loads(second.stdout)["trend"]
    assert trend["previous"] is not None
    assert trend["direction"] in ("better", "worse", "unchanged")
    assert len(trend["history"]) == 2


@pytest.mark.slow
def test_the_html_report_renders_with_its_charts_in_chromium(
    reporting: Reporting, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    page_file = tmp_path / "health.html"
    ran = reporting.report("-A", "-o", "html", "--out", page_file)
    assert ran.code == 0, ran.stderr
    html = page_file.read_text()
    for external in ("<link", "<script", "<img", "src=", "url("):
        assert external not in html, f"the page loads an external asset: {external}"
    shot = tmp_path / "health.png"
    with sync_api.sync_playwright() as play:
        browser = play.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_file.as_uri())
            charts = page.locator("svg.chart")
            assert charts.count() == 3
            for index in range(3):
                box = charts.nth(index).bounding_box()
                assert box is not None
                assert box["width"] > 100
                assert box["height"] > 50
            assert page.locator("section").count() >= len(TITLES) - 1
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert len(_pixel_values(shot.read_bytes())) > 20, "the screenshot is blank"


def _pixel_values(png: bytes) -> set[int]:
    """The distinct byte values of a PNG's decompressed image data (a blank page has ~2)."""
    data, at = b"", 8
    while at < len(png):
        length = struct.unpack(">I", png[at : at + 4])[0]
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    return set(zlib.decompress(data))
