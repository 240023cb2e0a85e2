"""Benchmark the embedded metrics store: load a week of history, write a collect round, and
read the figures right-sizing and scaling read.

Builds (once, under ``$XDG_CACHE_HOME/kubemedic-bench/store``, never in the repository):

- a store of CONTAINERS containers (two per pod, two pods per Deployment, 25 namespaces) with
  DAYS days at one sample a minute — 2,000 × 7 days is 20.2M samples — written by DuckDB from
  a deterministic formula (a daily wave per container, a ramp of memory, pseudo-random noise,
  a few OOM-killed containers), so every run measures the same data;
- an OpenMetrics history of IMPORT_CONTAINERS containers × DAYS days at the sandbox's 2-minute
  step, in the format of ``kubemedic sandbox history``.

Then measures, as medians of RUNS runs: ``collect --import`` of the history (a fresh store
each time), one collect round appended to the big store, ``container_usage`` over the whole
window (target: under 5 s at 2,000 containers × 7 days) and ``recent_load`` over 10 minutes,
and prints the figures.

    .venv/bin/python bench/store.py [--containers 2000] [--days 7] [--import-containers 200]
                                    [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from kubemedic.adapters.metrics_store import MetricsStore, StoreUsage
from kubemedic.models.findings import ObjectRef
from kubemedic.models.samples import StatusSample, UsageSample
from kubemedic.models.usage import UsageWindow
from kubemedic.services.collect import CollectOptions, import_history

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import write_section

BEGIN, END_MARK = "<!-- bench:store:begin -->", "<!-- bench:store:end -->"
HEADING = "## Usage history"

END = datetime(2026, 3, 1, tzinfo=UTC)
CONTAINERS_PER_POD = ("app", "sidecar")
PODS_PER_WORKLOAD = 2
NAMESPACES = 25
HISTORY_STEP = 120

# One row per container: cores and bytes it centres on, and where its daily wave peaks.
_SERIES = """
INSERT INTO series
SELECT i + 1, 'ns-' || (w % $2), 'wl' || w || '-5d8f7c9b4-' || p, c
FROM (
    SELECT i, i // $3 AS w, (i // 2) % $4 AS p, ['app', 'sidecar'][i % 2 + 1] AS c
    FROM range($1) t(i)
)
"""
_DAY = """
INSERT INTO samples
WITH points AS (
    SELECT i, m, 0.02 + (i % 37) / 100 AS cpu, (64 + (i % 53) * 8) * 1048576.0 AS memory,
           (i % 24) / 24 * 2 * pi() AS phase,
           ((i * 2654435761 + m * 40503) % 1000003) / 1000003.0 AS noise
    FROM range($1) t(i), range($3, $4) minutes(m)
)
SELECT i + 1, $2 + m * 60,
       cpu * (1 + 0.4 * sin(2 * pi() * m / 1440 + phase)) * (0.8 + 0.4 * noise),
       memory * (1 + 0.05 * m / 10080) * (0.97 + 0.06 * noise)
FROM points
ORDER BY m, i
"""
_OOMS = """
INSERT INTO statuses
SELECT i + 1, $1 + k * 86400, 2 * k, CASE WHEN k > 0 THEN 'OOMKilled' END,
       CASE WHEN k > 0 THEN 'containerd://' || i || '-' || k END,
       CASE WHEN k > 0 THEN $1 + k * 86400 - 30 END, 256 * 1048576.0
FROM range(0, $2, 40) t(i), range(0, 3) days(k)
"""


def owner(namespace: str, pod: str) -> ObjectRef:
    return ObjectRef("Deployment", pod.rsplit("-", 2)[0], namespace)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kubemedic-bench" / "store"


def build_store(path: Path, containers: int, days: int) -> Path:
    """The big store, built once; a ``.built`` marker says it is complete."""
    marker = path.with_suffix(".built")
    if marker.is_file():
        return path
    path.unlink(missing_ok=True)
    with MetricsStore.open(path):
        pass  # lays out the tables
    start = round((END - timedelta(days=days)).timestamp())
    began = time.perf_counter()
    with duckdb.connect(str(path)) as db:
        per_workload = len(CONTAINERS_PER_POD) * PODS_PER_WORKLOAD
        db.execute(_SERIES, [containers, NAMESPACES, per_workload, PODS_PER_WORKLOAD])
        for day in range(days):
            db.execute(_DAY, [containers, start, day * 1440, (day + 1) * 1440])
            print(f"  built day {day + 1} of {days}", file=sys.stderr)
        db.execute(_OOMS, [start, containers])
        db.execute("CHECKPOINT")
    marker.write_text(f"{time.perf_counter() - began:.1f} s\n")
    return path


def write_history(path: Path, containers: int, days: int) -> Path:
    """An OpenMetrics history like ``kubemedic sandbox history``'s, written once."""
    if path.is_file():
        return path
    end = round(END.timestamp())
    steps = range(end - days * 86400, end + 1, HISTORY_STEP)
    partial = path.with_suffix(".partial")
    with partial.open("w") as out:
        out.write("# HELP container_cpu_usage_seconds Cumulative cpu time consumed in seconds.\n")
        out.write("# TYPE container_cpu_usage_seconds counter\n")
        for i in range(containers):
            labels = _labels(i)
            total = 0.0
            for n, at in enumerate(steps):
                total += (0.05 + (i % 37) / 100 + ((i * 7 + n * 13) % 101) / 2000) * HISTORY_STEP
                out.write(f"container_cpu_usage_seconds_total{labels} {total:.12g} {at}\n")
        out.write("# HELP container_memory_working_set_bytes Current working set in bytes.\n")
        out.write("# TYPE container_memory_working_set_bytes gauge\n")
        for i in range(containers):
            labels = _labels(i)
            for n, at in enumerate(steps):
                memory = (64 + (i % 53) * 8) * 1048576 + ((i * 11 + n * 17) % 997) * 4096
                out.write(f"container_memory_working_set_bytes{labels} {memory} {at}\n")
        out.write("# EOF\n")
    partial.rename(path)
    return path


def _labels(i: int) -> str:
    namespace, pod, container = _key(i)
    return f'{{namespace="{namespace}",pod="{pod}",container="{container}",node="node-{i % 10}"}}'


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


REPORTED: list[str] = []


def report(text: str) -> None:
    """Print a figure and keep it for docs/performance.md."""
    print(text)
    REPORTED.append(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--import-containers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    report(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )

    history = write_history(
        root / f"history-{args.import_containers}x{args.days}d.om",
        args.import_containers,
        args.days,
    )
    with tempfile.TemporaryDirectory() as scratch:

        def load() -> object:
            target = Path(scratch) / f"import-{time.monotonic_ns()}.duckdb"
            options = CollectOptions(store=target, retention=(args.days + 1) * 86400.0)
            return import_history(history, options, now=lambda: END)

        seconds, imported = median_seconds(load, args.runs)
    added = imported.stored.added  # type: ignore[attr-defined]
    report(
        f"import: {history.stat().st_size / 1e6:.0f} MB of OpenMetrics, "
        f"{args.import_containers} containers x {args.days} days: {added:,} samples in "
        f"{seconds:.2f} s ({added / seconds:,.0f} samples/s)"
    )

    store = build_store(
        root / f"metrics-{args.containers}x{args.days}d.duckdb", args.containers, args.days
    )
    copy = Path(tempfile.mkdtemp()) / "metrics.duckdb"
    shutil.copyfile(store, copy)  # the round below writes; the cached store stays as built
    source = StoreUsage(copy)
    window = UsageWindow(END - timedelta(days=args.days), END)
    with duckdb.connect(str(copy), read_only=True) as db:
        (rows,) = db.execute("SELECT count(*) FROM samples").fetchone() or (0,)
    report(
        f"store: {args.containers} containers x {args.days} days at 1 minute: {rows:,} samples, "
        f"{copy.stat().st_size / 1e6:.0f} MB"
    )

    seconds, found = median_seconds(lambda: source.container_usage(window, None, owner), args.runs)
    assert len(found) == args.containers // PODS_PER_WORKLOAD  # type: ignore[arg-type]
    report(f"container_usage, {args.days} days, all namespaces: {seconds:.2f} s (target < 5 s)")
    recent = UsageWindow(END - timedelta(minutes=10), END)
    seconds, _ = median_seconds(lambda: source.recent_load(recent, None, owner), args.runs)
    report(f"recent_load, last 10 minutes: {seconds:.2f} s")

    keys = [_key(i) for i in range(args.containers)]
    rounds = iter(range(1, args.runs + 1))

    def one_round() -> object:
        at = END + timedelta(minutes=next(rounds))
        with MetricsStore.open(copy) as writer:
            stored = writer.append(
                [UsageSample(*key, at, 0.1, 2.0**27) for key in keys],
                [StatusSample(*key, at, restarts=0) for key in keys],
            )
            writer.expire(at - timedelta(days=args.days + 1))
        return stored

    seconds, _ = median_seconds(one_round, args.runs)
    report(f"one collect round ({args.containers} containers) into that store: {seconds:.2f} s")
    shutil.rmtree(copy.parent)
    when = f"{datetime.now(UTC):%Y-%m-%d}, load average {os.getloadavg()[0]:.1f} when done"
    lines = "\n".join(f"- {line}" for line in REPORTED)
    write_section(
        BEGIN, END_MARK, HEADING, f"Embedded store, `bench/store.py` ({when}):\n\n{lines}"
    )
    return 0


def _key(i: int) -> tuple[str, str, str]:
    """Namespace, pod and container of the ``i``-th container (as the store and history have)."""
    workload = i // (len(CONTAINERS_PER_POD) * PODS_PER_WORKLOAD)
    return (
        f"ns-{workload % NAMESPACES}",
        f"wl{workload}-5d8f7c9b4-{(i // 2) % PODS_PER_WORKLOAD}",
        CONTAINERS_PER_POD[i % 2],
    )


if __name__ == "__main__":
    sys.exit(main())
