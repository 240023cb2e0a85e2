"""The sandbox's generated history, backfilled into a real Prometheus, read back by workload.

The sandbox (in process, todo-chatbot seed) writes a day of cAdvisor history as OpenMetrics
every 120 s — what ``kubemedic sandbox history`` writes. Prometheus' figures are compared with
percentiles computed here from the raw samples in that very file.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import ContainerUsage, UsageWindow
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.simulation import Simulation
from kubemedic.sandbox.store import Store
from tests.support.prometheus_server import running_prometheus

pytestmark = pytest.mark.e2e

DAYS = 1
STEP = 120.0
"""The sandbox writes a sample every 120 s: that is the scrape interval to tell the adapter."""
READ_STEP = 4 * STEP
LOOKBACK = 300.0
"""How far back Prometheus looks for a sample at a given time (its default)."""
SAMPLE = re.compile(
    r'^(\w+)\{namespace="([^"]+)",pod="([^"]+)",container="([^"]+)"[^}]*\} (\S+) (\S+)$'
)
Key = tuple[str, str, str]


@dataclass(frozen=True)
class History:
    url: str
    window: UsageWindow
    owners: dict[tuple[str, str], ObjectRef]
    memory: dict[Key, list[tuple[float, float]]]
    cpu: dict[Key, list[tuple[float, float]]]

    def owner(self, namespace: str, pod: str) -> ObjectRef | None:
        return self.owners.get((namespace, pod))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    workdir = tmp_path_factory.mktemp("sandbox-history")
    clock = SimClock(200.0)
    store = Store(clock.now)
    sim = Simulation(store, clock, state_dir=workdir / "state")
    sim.seed("todo-chatbot")
    sim.start()
    try:
        deadline = time.monotonic() + 30
        while not _all_ready(store) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _all_ready(store), "the sandbox's pods did not become Ready"
        text = sim.history(DAYS)
        owners = _owners(store)
    finally:
        sim.stop()
    source = workdir / "history.om"
    source.write_text(text, encoding="utf-8")
    memory, cpu = _samples(text)
    last = max(at for points in memory.values() for at, _ in points)
    end = datetime.fromtimestamp(last, UTC)
    window = UsageWindow(end - timedelta(days=DAYS) + timedelta(hours=1), end)
    with running_prometheus(source, workdir) as url:
        yield History(url, window, owners, memory, cpu)


def _all_ready(store: Store) -> bool:
    pods = store.list("Pod", "todo")[0]
    return len(pods) == 5 and all(
        any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p["status"].get("conditions", [])
        )
        for p in pods
    )


def _owners(store: Store) -> dict[tuple[str, str], ObjectRef]:
    """Pod → Deployment (through its ReplicaSet) or StatefulSet, as kubemedic would find it."""
    replica_sets = {
        (rs["metadata"]["namespace"], rs["metadata"]["name"]): rs["metadata"]["ownerReferences"][0]
        for rs in store.list("ReplicaSet")[0]
        if rs["metadata"].get("ownerReferences")
    }
    owners = {}
    for pod in store.list("Pod")[0]:
        meta = pod["metadata"]
        for ref in meta.get("ownerReferences", []):
            top = replica_sets.get((meta["namespace"], ref["name"]), ref)
            owners[(meta["namespace"], meta["name"])] = ObjectRef(
                top["kind"], top["name"], meta["namespace"]
            )
    return owners


def _samples(text: str) -> tuple[dict[Key, list[tuple[float, float]]], ...]:
    memory: dict[Key, list[tuple[float, float]]] = defaultdict(list)
    cpu: dict[Key, list[tuple[float, float]]] = defaultdict(list)
    for line in text.splitlines():
        found = SAMPLE.match(line)
        if found is None:
            continue
        name, namespace, pod, container, value, at = found.groups()
        if name == "container_memory_working_set_bytes":
            memory[(namespace, pod, container)].append((float(at), float(value)))
        elif name == "container_cpu_usage_seconds_total":
            cpu[(namespace, pod, container)].append((float(at), float(value)))
    return memory, cpu


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


@pytest.fixture(scope="module")
def usage(history: History) -> list[ContainerUsage]:
    with PrometheusClient(history.url) as client:
        return PrometheusUsage(client, scrape_interval=STEP).container_usage(
            history.window, None, history.owner
        )


def of(history: History, usage: ContainerUsage) -> list[Key]:
    return [
        key
        for key in history.memory
        if history.owner(key[0], key[1]) == usage.workload and key[2] == usage.container
    ]


def test_every_running_container_is_read_by_workload(
    history: History, usage: list[ContainerUsage]
) -> None:
    expected = {
        (history.owners[(namespace, pod)], container)
        for namespace, pod, container in history.memory
    }
    assert {(u.workload, u.container) for u in usage} == expected
    for found in usage:
        assert found.pods == len(of(history, found))
        assert found.first == history.window.start
        assert found.last == history.window.end


def at_steps(points: list[tuple[float, float]], window: UsageWindow) -> list[float]:
    """The working set as the adapter reads it: the latest sample at each step (every 8
    minutes, 4 scrape intervals, on whole multiples of 8 minutes)."""
    times = [at for at, _ in points]
    start, end = window.start.timestamp(), window.end.timestamp()
    step = math.ceil(start / READ_STEP) * READ_STEP
    values = []
    while step <= end:
        latest = bisect.bisect_right(times, step) - 1
        if latest >= 0 and step - times[latest] <= LOOKBACK:
            values.append(points[latest][1])
        step += READ_STEP
    return values


def test_memory_percentiles_are_those_of_the_generated_samples(
    history: History, usage: list[ContainerUsage]
) -> None:
    start, end = (t.timestamp() for t in (history.window.start, history.window.end))
    for found in usage:
        keys = of(history, found)
        raw = [v for key in keys for at, v in history.memory[key] if start < at <= end]
        pods = [at_steps(history.memory[key], history.window) for key in keys]
        assert found.samples == len(raw)
        assert found.memory.max == max(raw)
        # One pod: exactly its values' percentiles. Several: pooled from each pod's
        # percentiles (PromQL cannot pool across series), within 2% of all values together.
        tolerance = 1e-12 if len(pods) == 1 else 0.02
        for got, expected in zip(
            (found.memory.p50, found.memory.p95, found.memory.p99),
            percentiles([v for pod in pods for v in pod]),
            strict=True,
        ):
            assert got == pytest.approx(expected, rel=tolerance), found


def test_cpu_percentiles_follow_the_generated_use(
    history: History, usage: list[ContainerUsage]
) -> None:
    # The use generated per 120 s interval, from the counter's steps. Prometheus reads it as
    # rate() over 4 scrape intervals (8 minutes) every 8 minutes: an 8-minute mean, so its
    # p95 sits a little below the p95 of 2-minute means — 10% at most on this history.
    start, end = (t.timestamp() for t in (history.window.start, history.window.end))
    for found in usage:
        use = []
        for key in of(history, found):
            points = history.cpu[key]
            use += [
                (v1 - v0) / (t1 - t0)
                for (t0, v0), (t1, v1) in itertools.pairwise(points)
                if start <= t1 <= end
            ]
        p50, p95, _ = percentiles(use)
        assert found.cpu.p50 == pytest.approx(p50, rel=0.1), found
        assert p95 * 0.9 <= found.cpu.p95 <= p95 * 1.01, found
        assert found.cpu.max <= max(use) * 1.01
