"""PrometheusUsage against a real Prometheus holding a hand-made history (``shop``).

Every expected figure is computed here from the samples written, independently of PromQL:
quantiles with ``statistics.quantiles(method="inclusive")`` (the same linear interpolation
Prometheus uses), CPU from the per-minute use the counters were built from. At the default
one-minute scrape interval the adapter reads every 5 minutes (its step): CPU as the mean use
over each 5 minutes, memory as the working set at each step, the memory peak from every sample.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage
from kubemedic.errors import MetricsError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import ContainerUsage, UsageWindow
from tests.prometheus import shop
from tests.support.prometheus_server import running_prometheus

pytestmark = pytest.mark.e2e

STEP = 300.0
"""The adapter's step and CPU rate window at a one-minute scrape interval."""
WEB = ObjectRef("Deployment", "web", "shop")
DB = ObjectRef("StatefulSet", "db", "shop")
BATCH = ObjectRef("Deployment", "batch", "shop")
HISTORY = shop.containers()


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("prometheus")
    source = shop.write(workdir / "shop.om", HISTORY)
    with running_prometheus(source, workdir) as url:
        yield url


@pytest.fixture(scope="module")
def usage(prometheus: str) -> list[ContainerUsage]:
    with PrometheusClient(prometheus) as client:
        return PrometheusUsage(client).container_usage(shop.WINDOW, ["shop"], shop.owner)


def one(usages: Sequence[ContainerUsage], workload: ObjectRef, container: str) -> ContainerUsage:
    (found,) = [u for u in usages if u.workload == workload and u.container == container]
    return found


def container(pod: str, name: str) -> shop.Container:
    (found,) = [c for c in HISTORY if c.pod == pod and c.name == name]
    return found


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def steps() -> Iterator[float]:
    """The adapter's read times: every 5 minutes from the window's start to its end (the
    window's edges fall on whole multiples of the step, as Prometheus aligns them)."""
    at, end = shop.WINDOW.start.timestamp(), shop.WINDOW.end.timestamp()
    while at <= end:
        yield at
        at += STEP


def memory_in_window(c: shop.Container) -> list[float]:
    start, end = shop.WINDOW.start.timestamp(), shop.WINDOW.end.timestamp()
    return [m for at, m in zip(c.times, c.memory, strict=True) if start <= at <= end]


def memory_at_steps(c: shop.Container) -> list[float]:
    """The working set at each step (samples fall on whole minutes, so on every step)."""
    at = dict(zip(c.times, c.memory, strict=True))
    return [at[t] for t in steps() if t in at]


def cpu_rates(c: shop.Container) -> list[float]:
    """``rate(counter[5m])`` at each step where 5 full minutes exist: the mean of the five
    per-minute uses (samples sit on the window's edges, so Prometheus extrapolates nothing)."""
    index = {t: i for i, t in enumerate(c.times)}
    return [
        sum(c.cpu[index[t] - 4 : index[t] + 1]) / 5.0
        for t in steps()
        if t in index and t - STEP in index
    ]


def test_one_pod_percentiles_are_those_of_its_samples(usage: list[ContainerUsage]) -> None:
    db = one(usage, DB, "postgres")
    postgres = container(shop.DB, "postgres")
    memory, rates = memory_at_steps(postgres), cpu_rates(postgres)

    assert len(memory) == len(rates) == 61  # minutes 60, 65, ..., 360
    assert (db.memory.p50, db.memory.p95, db.memory.p99) == pytest.approx(
        percentiles(memory), rel=1e-12
    )
    assert db.memory.max == max(memory_in_window(postgres))  # the peak of every sample
    assert (db.cpu.p50, db.cpu.p95, db.cpu.p99) == pytest.approx(percentiles(rates), rel=1e-9)
    assert db.cpu.max == pytest.approx(max(rates), rel=1e-9)
    # Scraped twice (two jobs): counted once. Samples are counted per hour ending at the
    # window's end, each hour open at its start: minutes 61 to 360.
    assert (db.pods, db.samples) == (1, 300)
    assert (db.first, db.last) == (shop.WINDOW.start, shop.WINDOW.end)


def test_cpu_is_the_mean_over_five_minutes_close_to_the_per_minute_use(
    usage: list[ContainerUsage],
) -> None:
    # A 5-minute mean of 5 per-minute values narrows the spread: the median barely moves,
    # the tail comes in by a few percent. That is the price of rates that never miss a
    # sample, and the only tolerance here.
    db = one(usage, DB, "postgres")
    postgres = container(shop.DB, "postgres")
    start = postgres.times.index(shop.WINDOW.start.timestamp())
    p50, p95, _ = percentiles(postgres.cpu[start:])
    assert db.cpu.p50 == pytest.approx(p50, rel=0.03)
    assert db.cpu.p95 == pytest.approx(p95, rel=0.08)


def test_pods_are_pooled_weighted_by_their_samples(usage: list[ContainerUsage]) -> None:
    web = one(usage, WEB, "app")
    a, b = container(shop.POD_A, "app"), container(shop.POD_B, "app")
    memory = memory_at_steps(a) + memory_at_steps(b)

    assert (web.pods, web.samples) == (2, 300 + 181)
    assert web.memory.max == max(memory_in_window(a) + memory_in_window(b))
    # Pooled from each pod's p50/p95/p99/max (PromQL cannot pool samples across series):
    # within 2% of the percentiles of both pods' values together.
    for got, expected in zip(
        (web.memory.p50, web.memory.p95, web.memory.p99), percentiles(memory), strict=True
    ):
        assert got == pytest.approx(expected, rel=0.02)
    rates = cpu_rates(a) + cpu_rates(b)
    assert web.cpu.max == pytest.approx(max(rates), rel=1e-9)
    assert web.cpu.p95 == pytest.approx(percentiles(rates)[1], rel=0.03)
    assert web.first == shop.WINDOW.start


def test_pod_level_and_pause_series_are_left_out(usage: list[ContainerUsage]) -> None:
    assert {u.container for u in usage if u.workload == WEB} == {"app", "sidecar"}
    # The pod-level cgroup series sit at 2 GiB and 5 cores: none of it shows.
    assert max(u.memory.max for u in usage) < 1024 * shop.MIB
    assert max(u.cpu.max for u in usage) < 3.0


def test_history_starts_and_ends_with_the_samples(usage: list[ContainerUsage]) -> None:
    # Estimated from how full the first and last hour of samples are: within a scrape
    # interval of the first and last sample.
    batch = one(usage, BATCH, "worker")
    first = datetime.fromtimestamp(shop.BATCH_START, UTC)
    last = first + timedelta(minutes=shop.BATCH_MINUTES)
    assert abs((batch.first - first).total_seconds()) <= 60
    assert abs((batch.last - last).total_seconds()) <= 60
    assert batch.history_days == pytest.approx(2 / 24, abs=2 / 1440)


def test_restarts_and_ooms_count_only_inside_the_window(usage: list[ContainerUsage]) -> None:
    app = one(usage, WEB, "app")
    assert (app.restarts, app.oom_kills, app.oom_memory_limit) == (2, 1, 256 * shop.MIB)
    # db-0 was OOMKilled before the window; its last termination still says OOMKilled.
    db = one(usage, DB, "postgres")
    assert (db.restarts, db.oom_kills, db.oom_memory_limit) == (0, 0, None)
    # No restart series at all (batch) is no restart, not an error.
    batch = one(usage, BATCH, "worker")
    assert (batch.restarts, batch.oom_kills, batch.oom_memory_limit) == (0, 0, None)


def test_namespaces_and_owner_choose_what_is_read(prometheus: str) -> None:
    with PrometheusClient(prometheus) as client:
        source = PrometheusUsage(client)
        assert source.description == f"prometheus {prometheus}"
        everything = source.container_usage(shop.WINDOW, None, shop.owner)
        assert source.container_usage(shop.WINDOW, [], shop.owner) == []
    namespaces = {u.workload.namespace for u in everything}
    assert namespaces == {"shop", "kube-system", "many"}  # "lonely" has no owner
    bulk = one(everything, ObjectRef("Deployment", "bulk", "many"), "main")
    assert bulk.pods == shop.BULK_PODS


def test_queries_do_not_grow_with_containers(prometheus: str) -> None:
    def run(namespaces: list[str] | None) -> tuple[int, int, int]:
        with PrometheusClient(prometheus) as client:
            source = PrometheusUsage(client)
            found = source.container_usage(shop.WINDOW, namespaces, shop.owner)
            after_usage = client.requests
            source.recent_load(shop.WINDOW, namespaces, shop.owner)
            return sum(u.pods for u in found), after_usage, client.requests

    few, many = run(["shop"]), run(None)
    assert many[0] > few[0] + 2 * shop.BULK_PODS  # 80 more containers ...
    assert many[1:] == few[1:] == (8, 9)  # ... the same queries, and recent load adds one


def test_recent_load_sums_a_workloads_pods_every_30_seconds(prometheus: str) -> None:
    end = shop.WINDOW.end
    window = UsageWindow(end - timedelta(minutes=5), end)
    with PrometheusClient(prometheus) as client:
        loads = PrometheusUsage(client).recent_load(window, ["shop"], shop.owner)

    (web,) = [load for load in loads if load.workload == WEB]
    assert [p.at for p in web.points] == [
        window.start + timedelta(seconds=30 * i) for i in range(11)
    ]
    assert {p.pods for p in web.points} == {2}
    parts = [
        container(pod, name) for pod in (shop.POD_A, shop.POD_B) for name in ("app", "sidecar")
    ]
    last = parts[0].times.index(end.timestamp())
    expected = sum(sum(c.cpu[len(c.times) - 4 :]) / 4.0 for c in parts)
    assert last == len(parts[0].times) - 1
    assert web.points[-1].cores == pytest.approx(expected, rel=1e-9)
    assert {load.workload.name for load in loads} == {"web", "db"}  # batch ended before


def test_a_query_prometheus_rejects_quotes_its_reason(prometheus: str) -> None:
    with PrometheusClient(prometheus) as client, pytest.raises(MetricsError) as caught:
        client.query(
            "rate(container_cpu_usage_seconds_total[5m]",
            at=shop.WINDOW.end,
            purpose="a broken query",
        )
    message = str(caught.value)
    assert f"Prometheus at {prometheus} rejected the query for a broken query" in message
    assert "parse error" in message
    assert caught.value.exit_code == 7


def test_a_window_without_data_names_the_missing_metrics(prometheus: str) -> None:
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    with PrometheusClient(prometheus) as client, pytest.raises(MetricsError) as caught:
        PrometheusUsage(client).container_usage(
            UsageWindow(long_ago, long_ago + timedelta(days=7)), None, shop.owner
        )
    message = str(caught.value)
    assert "container_cpu_usage_seconds_total has no series between 2001-01-01T00:00:00Z" in message
    assert "container_memory_working_set_bytes has no series" in message
    assert "pod_name/container_name" in message
