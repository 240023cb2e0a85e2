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
``--breakdown`` also times each query of a read on its own, one after another.

    .venv/bin/python bench/prometheus.py [--containers 2000] [--days 7] [--breakdown]

The issue's target: recommendations in under 10 s with no more than 20 PromQL queries.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import math
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.measure import write_section  # noqa: E402
from tests.support.prometheus_server import backfill, serving  # noqa: E402

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage  # noqa: E402
from kubemedic.models.findings import ObjectRef  # noqa: E402
from kubemedic.models.usage import UsageWindow  # noqa: E402

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
    source = directory / "history.om"
    began = time.perf_counter()
    with source.open("w", encoding="utf-8", buffering=1 << 22) as out:
        samples = generate(out, containers, days)
    generated = time.perf_counter() - began
    size = source.stat().st_size
    print(f"generated {samples:,} samples ({size / 1e9:.2f} GB) in {generated:.1f} s")
    began = time.perf_counter()
    backfill(source, directory / "partial")
    (directory / "partial").rename(tsdb)
    print(f"backfilled with promtool in {time.perf_counter() - began:.1f} s")
    source.unlink()
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


def breakdown(url: str, window: UsageWindow) -> None:
    """Each query of a read, one at a time (a fresh client: labels are looked up again)."""
    with TimedClient(url) as client:
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
            with PrometheusClient(url, timeout=300) as client:
                source = PrometheusUsage(client)
                busy, began = cpu_seconds(url), time.perf_counter()
                usage = source.container_usage(window, None, owner)
                took, busy = time.perf_counter() - began, cpu_seconds(url) - busy
                containers = sum(u.pods for u in usage)
                report(
                    f"container_usage: {took:.2f} s, {client.requests} queries, "
                    f"{len(usage)} workload containers from {containers} pod containers; "
                    f"Prometheus used {busy:.1f} CPU seconds"
                )
                before = client.requests
                recent = UsageWindow(END - timedelta(minutes=5), END)
                began = time.perf_counter()
                loads = source.recent_load(recent, None, owner)
                report(
                    f"recent_load: {time.perf_counter() - began:.2f} s, "
                    f"{client.requests - before} queries, {len(loads)} workloads"
                )
            when = f"{datetime.now(UTC):%Y-%m-%d}, load average {os.getloadavg()[0]:.1f} when done"
            lines = "\n".join(f"- {line}" for line in REPORTED)
            write_section(
                BEGIN,
                END_MARK,
                HEADING,
                f"Prometheus, `bench/prometheus.py`, {args.containers} containers x {args.days} "
                f"days ({when}):\n\n{lines}",
            )
            if args.breakdown:
                print("each query alone:")
                breakdown(url, window)


if __name__ == "__main__":
    main()
