"""A real Prometheus for tests: history backfilled from OpenMetrics, served on a loopback port.

``running_prometheus(openmetrics_file, workdir)`` backfills the file with ``promtool tsdb
create-blocks-from openmetrics``, starts ``prometheus`` on a free 127.0.0.1 port over that
TSDB with a config that scrapes nothing, waits until ``/-/ready`` and yields the base URL;
the server stops when the block exits. ``serving(tsdb, workdir)`` serves a TSDB already
backfilled (the benchmark keeps one between runs). The test is skipped, saying why, when the
binaries are missing (``apt-get install prometheus``; ``.ci/run`` installs them). Start-up
takes a moment, so share one server per module (a module-scoped fixture).

``write_openmetrics`` writes series given as (labels, [(unix seconds, value), ...]) lists.

``scraping(target, workdir, interval=1.0)`` starts a Prometheus over an empty TSDB that scrapes
``http://TARGET/metrics`` every ``interval`` seconds (the sandbox's metrics endpoint, say) and
yields a ``Scraper`` whose ``stop()`` kills the server early, for tests of a Prometheus that
goes away.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

READY_TIMEOUT = 60.0
RETENTION = "60d"
"""Retention is reckoned from the newest block, so any past period fits if it is shorter."""
BLOCK_DURATION = "486h"
"""promtool reads the whole file once per block: few large blocks make backfilling ~15x faster
than its default 2-hour blocks."""
CONFIG = "global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n"


@dataclass(frozen=True, slots=True)
class Family:
    """One metric family: its name as declared (counters without ``_total``), its type and
    its series as (labels, [(unix seconds, value), ...])."""

    name: str
    kind: str
    series: Sequence[tuple[Mapping[str, str], Sequence[tuple[float, float]]]]

    @property
    def sample_name(self) -> str:
        return f"{self.name}_total" if self.kind == "counter" else self.name


def write_openmetrics(path: Path, families: Iterable[Family]) -> Path:
    """Write ``families`` as an OpenMetrics file promtool can backfill."""
    with path.open("w", encoding="utf-8") as out:
        for family in families:
            out.write(f"# HELP {family.name} {family.name}\n# TYPE {family.name} {family.kind}\n")
            for labels, points in family.series:
                text = ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())
                prefix = f"{family.sample_name}{{{text}}} "
                out.writelines(f"{prefix}{value!r} {at:.3f}\n" for at, value in points)
        out.write("# EOF\n")
    return path


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def binaries() -> tuple[str, str]:
    """The paths of ``prometheus`` and ``promtool``; skips the test when either is missing."""
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        pytest.skip("prometheus and promtool are not installed (apt-get install prometheus)")
    return prometheus, promtool


def backfill(openmetrics: Path, tsdb: Path) -> None:
    """Turn an OpenMetrics file into TSDB blocks under ``tsdb``."""
    _, promtool = binaries()
    done = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            f"--max-block-duration={BLOCK_DURATION}",
            "--quiet",
            str(openmetrics),
            str(tsdb),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"promtool could not backfill {openmetrics}:\n{done.stderr}")


@contextmanager
def running_prometheus(openmetrics: Path, workdir: Path) -> Iterator[str]:
    """Backfill ``openmetrics`` and serve it; yields ``http://127.0.0.1:PORT``."""
    backfill(openmetrics, workdir / "tsdb")
    with serving(workdir / "tsdb", workdir) as url:
        yield url


@contextmanager
def serving(tsdb: Path, workdir: Path) -> Iterator[str]:
    """Serve an existing TSDB directory (config and log go to ``workdir``)."""
    with _served(tsdb, workdir, CONFIG) as (url, _):
        yield url


@dataclass
class Scraper:
    """A Prometheus scraping one target: its base URL, and a way to stop it mid-test."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        _terminate(self.process)


@contextmanager
def scraping(target: str, workdir: Path, *, interval: float = 1.0) -> Iterator[Scraper]:
    """Serve a fresh TSDB that scrapes ``http://TARGET/metrics`` every ``interval`` seconds."""
    config = (
        f"global:\n  scrape_interval: {interval:g}s\n  evaluation_interval: {interval:g}s\n"
        "scrape_configs:\n"
        f"  - job_name: target\n    static_configs:\n      - targets: ['{target}']\n"
    )
    with _served(workdir / "tsdb", workdir, config) as (url, process):
        yield Scraper(url, process)


@contextmanager
def _served(
    tsdb: Path, workdir: Path, config_text: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    prometheus, _ = binaries()
    config = workdir / "prometheus.yml"
    config.write_text(config_text, encoding="utf-8")
    port = _free_port()
    log_path = workdir / "prometheus.log"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tsdb}",
            f"--storage.tsdb.retention.time={RETENTION}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log_path)
        yield url, process
    finally:
        _terminate(process)
        log.close()


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"prometheus was not ready within {READY_TIMEOUT:g}s:\n{log.read_text()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
