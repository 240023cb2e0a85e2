"""Benchmark ``kubemedic serve`` over a records repository of 10,000 records.

Writes the records (once, under bench/out/) as the record store formats them — header and
sections rendered by ``models.records`` — in a single git commit, since making 10,000 commits one
by one would measure git, not the server. Starts ``kubemedic serve`` as its own process on
127.0.0.1 with a local account, signs in, and measures: the p95 of the listings
(``/api/v1/operations``, ``/incidents``, ``/approvals``) over 200 requests each, in turns with
``/healthz`` (the floor, which says how busy the shared machine was), the dashboard's
first page, and the idle server's resident memory. Every answer is checked (status 200 and the
number of records), so a failing server never looks fast. Figures go to the "Server" section of
docs/performance.md. Targets: listings p95 < 50 ms; dashboard < 200 ms.

    python bench/server.py [--records 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kubemedic.models.records import render_header, render_section
from kubemedic.services.accounts import add_account
from measure import ENV, ROOT, BenchFailure, verdict, write_section
from records import _incident_header, _operation_header

BEGIN, END = "<!-- bench:server:begin -->", "<!-- bench:server:end -->"
PASSWORD = "bench password 1"
PENDING_EVERY = 50
"""One operation in 50 still waits for approval: the approvals listing has rows to show."""
INCIDENT_EVERY = 5
FLOOR = "/healthz"
API_TARGET_MS, PAGE_TARGET_MS = 50.0, 200.0
AUTHOR = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}


def build(root: Path, records: int) -> dict[str, int]:
    """``records`` records (one incident in five), committed at once; the expected counts."""
    incidents = records // INCIDENT_EVERY
    operations = records - incidents
    expected = {
        "/api/v1/operations": operations,
        "/api/v1/incidents": incidents,
        "/api/v1/approvals": len(range(0, operations, PENDING_EVERY)),
    }
    if (root / ".built").is_file():
        return expected
    shutil.rmtree(root, ignore_errors=True)
    for folder in ("operations", "incidents"):
        (root / folder).mkdir(parents=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(incidents):
        record_id = f"INC-20260101-{number:06x}"
        text = render_header(
            {"id": record_id, "kind": "incident", **_incident_header(start)},
            f"Incident {record_id}",
            "Crash loop.",
        )
        text += _section(text, "opened", "open", start)
        (root / "incidents" / f"{record_id}.md").write_text(text)
    for number in range(operations):
        at = start + timedelta(minutes=number)
        record_id = f"OP-20260101-{number:06x}"
        incident = f"INC-20260101-{number // (INCIDENT_EVERY - 1):06x}"
        title = f"Operation {record_id}: Scale deployment/web -n shop from 2 to 3 replicas"
        header = {"id": record_id, "kind": "operation", **_operation_header(at, incident)}
        text = render_header(header, title, "Scale.")
        text += _section(text, "submitted", "pending-approval", at)
        if number % PENDING_EVERY:
            for minute, (event, state) in enumerate(
                (("approved", "approved"), ("executed", "executed"), ("validated", "validated")),
                start=1,
            ):
                text += _section(text, event, state, at + timedelta(minutes=minute))
        (root / "operations" / f"{record_id}.md").write_text(text)
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run(
        [*git, "commit", "-q", "-m", f"{records} records"],
        check=True,
        env=ENV | AUTHOR | {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@e"},
    )
    (root / ".git" / "info" / "exclude").write_text(".built\n")
    (root / ".built").write_text("ok\n")
    return expected


def _section(text: str, event: str, state: str, at: datetime) -> str:
    from kubemedic.models.identity import Author

    actor = Author("Lin", "lin@example.com")
    return render_section(text, event=event, at=at, actor=actor, state=state, data={}, text=event)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def until_ready(client: httpx.Client) -> float:
    """Seconds until ``/readyz`` answers 200 (what a readiness probe waits for)."""
    began = time.monotonic()
    while True:
        try:
            if client.get("/readyz").status_code == 200:
                return time.monotonic() - began
        except httpx.TransportError:
            pass
        if time.monotonic() - began > 120:
            raise BenchFailure("the server did not become ready")
        time.sleep(0.05)


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    done = client.post("/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf})
    if done.status_code != 303:
        raise BenchFailure(f"sign-in failed: {done.status_code} {done.text[:200]}")


def timed(client: httpx.Client, path: str) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    answer = client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    if answer.status_code != 200:
        raise BenchFailure(f"GET {path}: {answer.status_code} {answer.text[:200]}")
    return elapsed, answer


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchFailure(f"no VmRSS for process {pid}")


def listings(client: httpx.Client, expected: dict[str, int], requests: int) -> dict[str, float]:
    """p95 of each listing, taken in turns with ``/healthz`` (the floor: a request doing nothing),
    so a busy machine slows all of them alike and the floor says how busy it was."""
    samples: dict[str, list[float]] = {path: [] for path in [*expected, FLOOR]}
    for _ in range(requests):
        for path in samples:
            elapsed, answer = timed(client, path)
            count = expected.get(path)
            if count is not None and len(answer.json()) != count:
                raise BenchFailure(f"GET {path}: {len(answer.json())} rows, not {count}")
            samples[path].append(elapsed)
    return {f"`GET {path}` p95 (ms)": p95(each) for path, each in samples.items()}


def measure(root: Path, expected: dict[str, int], requests: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as home:
        env = ENV | {"XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data"}
        users = Path(home) / "users.yaml"
        add_account(users, "ada", PASSWORD, ("architect",), "ada@example.com")
        port = free_port()
        command = [sys.executable, "-m", "kubemedic", "serve", "--port", str(port)]
        command += ["--records", str(root), "--users-file", str(users)]
        server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                figures["start-up until /readyz answers 200 (s)"] = until_ready(client)
                sign_in(client)
                time.sleep(2)
                figures["idle RSS (MB), before any listing"] = rss_mb(server.pid)
                first, page = timed(client, "/")
                if "OP-20260101-" not in page.text:
                    raise BenchFailure("the dashboard does not list the operations")
                figures["dashboard, first request (ms)"] = first
                figures["dashboard p95 (ms)"] = p95([timed(client, "/")[0] for _ in range(50)])
                figures |= listings(client, expected, requests)
                time.sleep(2)
                figures["idle RSS (MB), after the listings"] = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    root = ROOT / "bench" / "out" / f"server-records-{args.records}"
    expected = build(root, args.records)
    figures = measure(root, expected, args.requests)
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, by `bench/server.py`: `kubemedic serve` as its own "
        f"process on 127.0.0.1 over a records repository of {args.records:,} records "
        f"({expected['/api/v1/operations']:,} operations, {expected['/api/v1/incidents']:,} "
        f"incidents, {expected['/api/v1/approvals']} pending approvals), signed in with a local "
        f"account. Times are seen by an httpx client on the same machine (so they include the "
        f"loopback round trip), each answer checked for status 200 and its number of rows; the "
        f"listings are p95 over {args.requests} sequential requests each, full lists unpaged, "
        f"taken in turns with `{FLOOR}` (a request that does nothing: how busy the machine "
        f"was). "
        f"Start-up reads every record once, and `/readyz` answers 503 until it has (a "
        f"readiness probe keeps traffic away meanwhile); the dashboard's first request is the "
        f"first page served once ready; memory is the server's resident set size, idle.",
        "",
        "| figure | value | target |",
        "|---|---:|---|",
    ]
    for label, value in figures.items():
        target = ""
        if label.startswith("`GET /api"):
            target = f"< {API_TARGET_MS:.0f} ms: {verdict(value < API_TARGET_MS)}"
        elif label.startswith("dashboard"):
            target = f"< {PAGE_TARGET_MS:.0f} ms: {verdict(value < PAGE_TARGET_MS)}"
        lines.append(f"| {label} | {value:.1f} | {target} |")
    write_section(BEGIN, END, "## Server", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
