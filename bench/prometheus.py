"""Read 7 days of usage for 2,000 containers from a real Prometheus: time and query count.

Generates (once, cached under ``~/.cache/kubemedic-bench/prometheus``, never in the
repository) a synthetic, reproducible history — ``--containers`` containers (2 per pod, 5 pods
per Deployment, 10 Deployments per namespace) over ``--days`` days at one-minute resolution:
cAdvisor CPU and memory, kube-state-metrics restarts (7% of the containers restart once,
2% OOMKilled), last termination reasons and memory limits — backfills it with ``promtool``,
starts ``prometheus`` on it and times
``PrometheusUsage.container_usage`` (all namespaces, the whole window) and ``recent_load``
(the last 5 minutes), printing the seconds, the number of HTTP requests each made and the
CPU time Prometheus spent (wall time depends on how many cores are free; CPU time does not).
``--runs`` reads are timed, interleaved with as many reads made the way kubemedic made them
before, one query per quantile (the baseline: what reading several quantiles in one
evaluation saves, measured in the same run on the same server). ``--accuracy`` compares the
p95 read for a sample of workloads with the p95 of all their pods' values together, computed
here from the raw samples. ``--breakdown`` also times each query of a read on its own, one
after another.

    .venv/bin/python bench/prometheus.py [--containers 2000] [--days 7] [--runs 3]
                                         [--accuracy] [--breakdown]

The issue's target: recommendations in under 10 s with no more than 20 PromQL queries.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.measure import write_section  # noqa: E402
from tests.support.prometheus_server import backfill, serving  # noqa: E402

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage  # noqa: E402
from kubemedic.adapters.prometheus.queries import (  # noqa: E402
    CPU_METRIC,
    CURRENT,
    MEMORY_METRIC,
    UsageQueries,
    containers,
    duration,
)
from kubemedic.models.findings import ObjectRef  # noqa: E402
from kubemedic.models.usage import ContainerUsage, UsageWindow  # noqa: E402

CACHE = Path.home() / ".cache" / "kubemedic-bench" / "prometheus"
END = datetime(2026, 1, 5, tzinfo=UTC)
"""Fixed, so the generated history (and its cache) is the same on every run."""
STEP = 60
CONTAINERS_PER_POD, PODS_PER_WORKLOAD, WORKLOADS_PER_NAMESPACE = 2, 5, 10
MIB = 1024 * 1024


def pod_names(containers: int) -> Iterator[tuple[str, str, str]]:
    """(namespace, pod, container) for every container of the synthetic cluster."""
    pods = math.ceil(containers / CONTAINERS_PER_POD)
    made = 0
    for index in range(pods):
        workload = index // PODS_PER_WORKLOAD
        namespace = f"ns{workload // WORKLOADS_PER_NAMESPACE:03d}"
        pod = f"app{workload:04d}-7d9f8c6b5-{index % PODS_PER_WORKLOAD:05d}"
        for name in ("main", "proxy")[: min(CONTAINERS_PER_POD, containers - made)]:
            made += 1
            yield namespace, pod, name


def reason_of(n: int) -> str | None:
    """How the n-th container last terminated, mid-way: 2% OOMKilled, 5% Error, most never."""
    if n % 50 == 7:
        return "OOMKilled"
    return "Error" if n % 20 == 3 else None


def owner(namespace: str, pod: str) -> ObjectRef | None:
    return ObjectRef("Deployment", pod.split("-")[0], namespace)


def generate(out: TextIO, containers: int, days: int) -> int:
    """Write the history as OpenMetrics; returns the number of samples written."""
    points = days * 86_400 // STEP + 1
    start = int(END.timestamp()) - (points - 1) * STEP
    stamps = [f" {start + i * STEP}\n" for i in range(points)]
    # Shared shapes, shifted per series: a daily wave and a noise table (seeded by position).
    wave = [math.sin(2 * math.pi * i * STEP / 86_400) for i in range(points)]
    noise = [((i * 2_654_435_761) % 1_000_003) / 1_000_003 for i in range(points + 997)]
    names = list(pod_names(containers))
    written = 0

    def family(name: str, kind: str) -> None:
        out.write(f"# HELP {name} {name}\n# TYPE {name} {kind}\n")

    def series(sample: str, labels: str, values: list[str], first: int = 0) -> None:
        nonlocal written
        prefix = f"{sample}{{{labels}}} "
        out.write("".join([prefix + v + t for v, t in zip(values, stamps[first:], strict=True)]))
        written += len(values)

    def labels_of(namespace: str, pod: str, container: str) -> str:
        return f'namespace="{namespace}",pod="{pod}",container="{container}"'

    family("container_cpu_usage_seconds", "counter")
    for n, (namespace, pod, container) in enumerate(names):
        base, swing, shift = 0.05 + (n % 17) * 0.02, 0.02 + (n % 5) * 0.01, n % 997
        total, values = 1000.0, []
        for i in range(points):
            total += (base + swing * wave[i] + 0.05 * noise[i + shift]) * STEP
            values.append(f"{total:.3f}")
        series("container_cpu_usage_seconds_total", labels_of(namespace, pod, container), values)
    family("container_memory_working_set_bytes", "gauge")
    for n, (namespace, pod, container) in enumerate(names):
        base, shift = (64 + (n % 23) * 16) * MIB, (n * 7) % 997
        values = [
            str(int(base * (1 + 0.1 * wave[i] + 0.2 * noise[i + shift]))) for i in range(points)
        ]
        series("container_memory_working_set_bytes", labels_of(namespace, pod, container), values)
    family("kube_pod_container_status_restarts", "counter")
    middle = points // 2  # the restarted containers restart once, mid-way
    for n, (namespace, pod, container) in enumerate(names):
        once = ["0"] * middle + ["1"] * (points - middle) if reason_of(n) else ["0"] * points
        series(
            "kube_pod_container_status_restarts_total", labels_of(namespace, pod, container), once
        )
    family("kube_pod_container_resource_limits", "gauge")
    for n, (namespace, pod, container) in enumerate(names):
        limit = str((256 + (n % 23) * 32) * MIB)
        labels = labels_of(namespace, pod, container) + ',resource="memory",unit="byte"'
        series("kube_pod_container_resource_limits", labels, [limit] * points)
    family("kube_pod_container_status_last_terminated_reason", "gauge")
    for n, (namespace, pod, container) in enumerate(names):
        reason = reason_of(n)
        if reason:
            labels = labels_of(namespace, pod, container) + f',reason="{reason}"'
            series(
                "kube_pod_container_status_last_terminated_reason",
                labels,
                ["1"] * (points - middle),
                middle,
            )
    out.write("# EOF\n")
    return written


def tsdb_for(containers: int, days: int) -> Path:
    """The backfilled TSDB for these parameters, generated and backfilled when not cached."""
    source = "".join(inspect.getsource(part) for part in (pod_names, reason_of, generate))
    digest = hashlib.sha256(f"{source}{END}{STEP}".encode()).hexdigest()[:12]
    directory = CACHE / f"{containers}x{days}d-{digest}"
    tsdb = directory / "tsdb"
    if tsdb.is_dir():
        print(f"history: cached in {directory}")
        return tsdb
    directory.mkdir(parents=True, exist_ok=True)
    openmetrics = directory / "history.om"
    began = time.perf_counter()
    with openmetrics.open("w", encoding="utf-8", buffering=1 << 22) as out:
        samples = generate(out, containers, days)
    generated = time.perf_counter() - began
    size = openmetrics.stat().st_size
    print(f"generated {samples:,} samples ({size / 1e9:.2f} GB) in {generated:.1f} s")
    began = time.perf_counter()
    backfill(openmetrics, directory / "partial")
    (directory / "partial").rename(tsdb)
    print(f"backfilled with promtool in {time.perf_counter() - began:.1f} s")
    openmetrics.unlink()
    return tsdb


class TimedClient(PrometheusClient):
    """Notes how long each request took, by its purpose."""

    def __init__(self, url: str) -> None:
        super().__init__(url, timeout=300)
        self.took: dict[str, float] = {}

    def _call(self, endpoint: str, fields: dict[str, str], purpose: str, expr: str) -> Any:
        began = time.perf_counter()
        try:
            return super()._call(endpoint, fields, purpose, expr)
        finally:
            self.took[purpose] = time.perf_counter() - began


def cpu_seconds(url: str) -> float:
    """The CPU time the Prometheus process has used so far (its own process metrics)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=30) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("process_cpu_seconds_total "):
                return float(line.split()[1])
    raise RuntimeError("prometheus reports no process_cpu_seconds_total")


def previous_read(client: PrometheusClient, window: UsageWindow) -> None:
    """The baseline: the read as kubemedic made it before ``queries.Levels`` — CPU p50, p95,
    p99 and peak and memory p50, p95 and p99 as seven instant queries, then the same memory
    peak, samples and restarts queries as now (without the small OOMKills query), four at a
    time."""
    plan = UsageQueries.plan(CURRENT, None, (window.end - window.start).total_seconds(), 60)
    each_step = f"[{duration(plan.window)}:{duration(plan.step)}]"
    cpu = f"rate({containers(CPU_METRIC, CURRENT)}[{duration(plan.step)}]){each_step}"
    memory = f"{containers(MEMORY_METRIC, CURRENT)}{each_step}"
    by = "max by (namespace, pod, container)"
    instant = [
        f"{by} (quantile_over_time({q}, {subquery}))"
        for q in (0.5, 0.95, 0.99)
        for subquery in (cpu, memory)
    ] + [f"{by} (max_over_time({cpu}))", plan.memory_peak(), plan.restarts()]
    first_hour = window.end - timedelta(seconds=plan.presence_step * (plan.presence_points - 1))
    calls: list[Callable[[], object]] = [
        partial(client.query, e, at=window.end, purpose="baseline") for e in instant
    ]
    calls.append(
        partial(
            client.query_range,
            plan.samples(),
            start=first_hour,
            end=window.end,
            step=plan.presence_step,
            purpose="baseline",
        )
    )
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda call: call(), calls))


def timed_reads(url: str, window: UsageWindow, runs: int) -> list[ContainerUsage]:
    """``runs`` reads interleaved with as many baseline reads (which goes first alternates);
    reports best and median of each, and the ratio of their CPU time."""
    reads: list[tuple[float, float]] = []
    baselines: list[tuple[float, float]] = []
    usage: list[ContainerUsage] = []
    with PrometheusClient(url, timeout=300) as client:
        source = PrometheusUsage(client)
        source.container_usage(window, None, owner)  # warm-up: labels looked up, caches filled

        def read() -> None:
            usage[:] = source.container_usage(window, None, owner)

        pairs: list[tuple[Callable[[], None], list[tuple[float, float]]]] = [
            (read, reads),
            (partial(previous_read, client, window), baselines),
        ]
        for run in range(runs):
            for timed, results in pairs if run % 2 == 0 else pairs[::-1]:
                before, busy, began = client.requests, cpu_seconds(url), time.perf_counter()
                timed()
                results.append((time.perf_counter() - began, cpu_seconds(url) - busy))
                if results is reads:
                    queries = client.requests - before
        recent = UsageWindow(window.end - timedelta(minutes=5), window.end)
        before, began = client.requests, time.perf_counter()
        loads = source.recent_load(recent, None, owner)
        recent_took = time.perf_counter() - began
        recent_queries = client.requests - before

    def figures(timings: list[tuple[float, float]]) -> str:
        walls = ", ".join(f"{w:.1f}" for w, _ in timings)
        return (
            f"best {min(w for w, _ in timings):.2f} s, median "
            f"{statistics.median(w for w, _ in timings):.2f} s of {runs} ({walls} s); "
            f"Prometheus used {min(c for _, c in timings):.1f}–{max(c for _, c in timings):.1f}"
            " CPU seconds per read"
        )

    pods = sum(u.pods for u in usage)
    ratio = statistics.median(c for _, c in reads) / statistics.median(c for _, c in baselines)
    report(
        f"container_usage: {figures(reads)}; {queries} queries after the first read (which adds "
        f"2 label lookups); {len(usage)} workload containers from {pods} pod containers"
    )
    report(f"baseline, the read with one query per quantile (10 queries): {figures(baselines)}")
    report(f"Prometheus CPU time per read, median, against the baseline's: {ratio:.2f}")
    report(f"recent_load: {recent_took:.2f} s, {recent_queries} queries, {len(loads)} workloads")
    return usage


def raw_series(url: str, expr: str, at: datetime) -> dict[tuple[str, str], list[list[Any]]]:
    """An instant query's range vector, by (pod, container): [[unix seconds, "value"], ...]."""
    fields = {"query": expr, "time": f"{at.timestamp():.3f}", "timeout": "300s"}
    body = urllib.request.urlopen(
        f"{url}/api/v1/query", data=urllib.parse.urlencode(fields).encode(), timeout=300
    ).read()
    return {
        (item["metric"]["pod"], item["metric"]["container"]): item["values"]
        for item in orjson.loads(body)["data"]["result"]
    }


def p95(values: list[float]) -> float:
    """Linear interpolation between the closest ranks, as Prometheus and DuckDB compute it."""
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def accuracy(url: str, window: UsageWindow, usage: list[ContainerUsage], every: int) -> None:
    """The p95 read (pooled from each pod's percentiles) against the p95 of all the pods'
    values together, for every ``every``-th workload, from the raw samples."""
    chosen = [u for u in usage if int(u.workload.name.removeprefix("app")) % every == 0]
    pods = "|".join(sorted({f"{u.workload.name}-.*" for u in chosen}))
    seconds = duration((window.end - window.start).total_seconds())
    read = {
        metric: raw_series(url, f'{metric}{{pod=~"{pods}"}}[{seconds}]', window.end)
        for metric in (CPU_METRIC, MEMORY_METRIC)
    }
    step, start, end = 300, window.start.timestamp(), window.end.timestamp()
    errors: dict[str, list[float]] = defaultdict(list)
    for found in chosen:
        cpu_5m: list[float] = []
        cpu_1m: list[float] = []
        memory_5m: list[float] = []
        memory_raw: list[float] = []
        for (pod, container), points in read[CPU_METRIC].items():
            if pod.startswith(f"{found.workload.name}-") and container == found.container:
                at = {int(t): float(v) for t, v in points}
                cpu_5m += [
                    (at[t] - at[t - step]) / step
                    for t in at
                    if t % step == 0 and t - step in at and start <= t <= end
                ]
                cpu_1m += [(at[t] - at[t - 60]) / 60 for t in at if t - 60 in at]
        for (pod, container), points in read[MEMORY_METRIC].items():
            if pod.startswith(f"{found.workload.name}-") and container == found.container:
                memory_5m += [float(v) for t, v in points if int(t) % step == 0]
                memory_raw += [float(v) for _, v in points]
        errors["cpu 5m"].append(found.cpu.p95 / p95(cpu_5m) - 1)
        errors["cpu 1m"].append(found.cpu.p95 / p95(cpu_1m) - 1)
        errors["memory 5m"].append(found.memory.p95 / p95(memory_5m) - 1)
        errors["memory raw"].append(found.memory.p95 / p95(memory_raw) - 1)

    def spread(name: str) -> str:
        found = errors[name]
        worst = max(found, key=abs)
        return f"{statistics.median(found):+.2%} median, {worst:+.2%} at worst"

    report(
        f"accuracy, {len(chosen)} workload containers of {PODS_PER_WORKLOAD} pods (every "
        f"{every}th workload): the p95 read against the p95 of all the pods' values together — "
        f"CPU vs every 5-minute rate: {spread('cpu 5m')}; vs every 1-minute rate: "
        f"{spread('cpu 1m')}; memory vs the working set every 5 minutes: "
        f"{spread('memory 5m')}; vs every sample: {spread('memory raw')}"
    )


def breakdown(url: str, window: UsageWindow) -> None:
    """Each query of a read, one at a time (a fresh client: labels are looked up again)."""
    client = TimedClient(url)
    with client:
        began = time.perf_counter()
        PrometheusUsage(client, parallel=1).container_usage(window, None, owner)
        took = time.perf_counter() - began
        for purpose, seconds in client.took.items():
            print(f"  {seconds:6.2f} s  {purpose}")
        asking = sum(client.took.values())
        print(f"  {asking:6.2f} s  in all, one after another")
        print(f"  {took - asking:6.2f} s  kubemedic's own work (answers read, pods pooled)")


REPORTED: list[str] = []
BEGIN, END_MARK = "<!-- bench:prometheus:begin -->", "<!-- bench:prometheus:end -->"
HEADING = "## Usage history"


def report(text: str) -> None:
    """Print a figure and keep it for docs/performance.md."""
    print(text)
    REPORTED.append(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--containers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="reads timed (best and median)")
    parser.add_argument("--accuracy", action="store_true", help="p95 read vs all values")
    parser.add_argument("--breakdown", action="store_true", help="time each query on its own")
    args = parser.parse_args()
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        sys.exit("prometheus and promtool are needed (apt-get install prometheus)")
    tsdb = tsdb_for(args.containers, args.days)
    window = UsageWindow(END - timedelta(days=args.days), END)
    with tempfile.TemporaryDirectory() as workdir:
        began = time.perf_counter()
        with serving(tsdb, Path(workdir)) as url:
            print(f"prometheus ready in {time.perf_counter() - began:.1f} s")
            usage = timed_reads(url, window, args.runs)
            if args.accuracy:
                accuracy(url, window, usage, every=40)
            when = f"{datetime.now(UTC):%Y-%m-%d}, load average {os.getloadavg()[0]:.1f} when done"
            lines = "\n".join(f"- {line}" for line in REPORTED)
            write_section(
                BEGIN,
                END_MARK,
                HEADING,
                f"Prometheus, `bench/prometheus.py`, {args.containers} containers x {args.days} "
                f"days ({when}, {os.cpu_count()} cores):\n\n{lines}",
            )
            if args.breakdown:
                print("each query alone:")
                breakdown(url, window)


if __name__ == "__main__":
    main()
