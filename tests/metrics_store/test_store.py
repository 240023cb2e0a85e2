"""The store file itself: what goes in comes out as a user of the figures expects, once.

Real DuckDB files in a temporary directory; the rows are written the way collect writes them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from kubemedic.adapters.metrics_store import MetricsStore, StoreUsage
from kubemedic.errors import EXIT_METRICS, MetricsError, StoreCorrupt
from kubemedic.models.findings import ObjectRef
from kubemedic.models.samples import StatusSample
from kubemedic.models.usage import UsageWindow
from tests.metrics_store.conftest import MI, T0, deployment_of, quantile, usage

WEB = ObjectRef("Deployment", "web", "shop")
HOUR = UsageWindow(T0, T0 + timedelta(hours=1))


def _values(count: int, seed: int) -> list[tuple[float, float]]:
    """Deterministic, unordered usage: CPU around 0.2 cores, memory around 100Mi."""
    return [
        (0.2 + ((i * 37 + seed) % 101) / 1000, (100 + (i * 53 + seed) % 97 / 10) * MI)
        for i in range(count)
    ]


def test_percentiles_are_pooled_across_the_pods_of_a_workload(store_file: Path) -> None:
    one, two = _values(60, 1), _values(45, 7)
    with MetricsStore.open(store_file) as store:
        store.append(
            usage("shop", "web-1", "app", one)
            + usage("shop", "web-2", "app", two, start=T0 + timedelta(seconds=7))
            + usage("shop", "web-1", "proxy", [(0.01, 20 * MI)] * 60)
        )

    found = {
        u.container: u for u in StoreUsage(store_file).container_usage(HOUR, None, deployment_of)
    }

    app = found["app"]
    assert app.workload == WEB
    pooled = one + two
    for q, cpu, memory in (
        (0.5, app.cpu.p50, app.memory.p50),
        (0.95, app.cpu.p95, app.memory.p95),
        (0.99, app.cpu.p99, app.memory.p99),
    ):
        assert cpu == pytest.approx(quantile([c for c, _ in pooled], q), rel=1e-12)
        assert memory == pytest.approx(quantile([m for _, m in pooled], q), rel=1e-12)
    assert app.cpu.max == max(c for c, _ in pooled)
    assert app.memory.max == max(m for _, m in pooled)
    assert (app.samples, app.pods) == (105, 2)
    assert app.first == T0
    assert app.last == T0 + timedelta(minutes=59)
    assert (app.restarts, app.oom_kills, app.oom_memory_limit) == (0, 0, None)
    assert found["proxy"].pods == 1
    assert found["proxy"].cpu.p95 == pytest.approx(0.01)


def test_writing_the_same_samples_again_adds_nothing(store_file: Path) -> None:
    rows = usage("shop", "web-1", "app", _values(30, 3))
    with MetricsStore.open(store_file) as store:
        first = store.append(rows)
    with MetricsStore.open(store_file) as store:  # as a restarted collect would
        again = store.append(
            rows[10:] + usage("shop", "web-1", "app", [(1.0, MI)], start=T0 + timedelta(minutes=30))
        )
        held = store.summary()

    assert (first.added, first.duplicates) == (30, 0)
    assert (again.added, again.duplicates) == (1, 20)
    assert (held.added, held.containers) == (31, 1)
    with duckdb.connect(str(store_file), read_only=True) as db:
        assert db.execute(
            "SELECT count(*) = count(DISTINCT (series, sampled_at)) FROM samples"
        ).fetchone() == (True,)


def test_owner_and_namespaces_choose_the_pods(store_file: Path) -> None:
    with MetricsStore.open(store_file) as store:
        store.append(
            usage("shop", "web-1", "app", _values(5, 1))
            + usage("shop", "job-1", "task", _values(5, 2))
            + usage("blog", "web-1", "app", _values(5, 3))
        )
    source = StoreUsage(store_file)

    everywhere = source.container_usage(HOUR, None, deployment_of)
    in_shop = source.container_usage(HOUR, ["shop"], deployment_of)
    nowhere = source.container_usage(HOUR, ["shop", "blog"], lambda ns, pod: None)

    assert sorted(str(u.workload) for u in everywhere) == [
        "Deployment blog/web",
        "Deployment shop/web",
    ]
    assert [u.workload for u in in_shop] == [WEB]
    assert nowhere == []


def _status(pod: str, minutes: float, restarts: int, **last: object) -> StatusSample:
    return StatusSample(
        namespace="shop",
        pod=pod,
        container="app",
        at=T0 + timedelta(minutes=minutes),
        restarts=restarts,
        **last,  # type: ignore[arg-type]
    )


def _terminated(reason: str, instance: str, minutes: float, limit_mi: float) -> dict[str, object]:
    return {
        "last_termination_reason": reason,
        "last_termination_id": instance,
        "last_terminated_at": T0 + timedelta(minutes=minutes),
        "memory_limit_bytes": limit_mi * MI,
    }


def test_restarts_and_oom_kills_inside_the_window(store_file: Path) -> None:
    rounds = [
        [
            _status("web-1", -30, 0, memory_limit_bytes=128 * MI),
            _status("web-4", -30, 6, **_terminated("Error", "e1", -45, 128)),
        ],
        # before the window: two restarts that must not count
        [_status("web-1", -10, 2, **_terminated("Error", "c-old", -20, 128))],
        # web-4 did not change: only web-1 is stored
        [
            _status("web-1", 1, 3, **_terminated("OOMKilled", "c1", 0.8, 128)),
            _status("web-4", 1, 6, **_terminated("Error", "e1", -45, 128)),
        ],
        [_status("web-1", 2, 3, **_terminated("OOMKilled", "c1", 0.8, 128))],
        # two more restarts, the last one OOMKilled; web-4 was recreated (its count starts over)
        [
            _status("web-1", 3, 5, **_terminated("OOMKilled", "c3", 2.9, 128)),
            _status("web-4", 3, 1, **_terminated("Error", "e2", 2.5, 128)),
        ],
        # the limit was raised; no new termination
        [_status("web-1", 4, 5, **_terminated("OOMKilled", "c3", 2.9, 256))],
        # first seen inside the window: its last termination (inside) counts, older ones not
        [
            _status("web-2", 5, 4, **_terminated("OOMKilled", "d1", 4, 192)),
            _status("web-3", 5, 7, **_terminated("Error", "f1", -2 * 24 * 60, 192)),
        ],
        # after the window
        [_status("web-2", 90, 9, **_terminated("OOMKilled", "d9", 89, 192))],
    ]
    with MetricsStore.open(store_file) as store:
        store.append(
            [
                sample
                for pod in ("web-1", "web-2", "web-3", "web-4")
                for sample in usage("shop", pod, "app", _values(3, 5))
            ]
        )
        changes = [store.append([], statuses).status_changes for statuses in rounds]

    [app] = StoreUsage(store_file).container_usage(HOUR, None, deployment_of)

    assert changes == [2, 1, 1, 0, 2, 1, 2, 1]
    assert app.restarts == 3 + 1 + 1  # web-1: 1 + 2, web-4: the new pod's 1, web-2: 1
    assert app.oom_kills == 3  # c1, c3, d1
    assert app.oom_memory_limit == 192 * MI  # the limit in force at the latest OOM kill


def test_recent_load_adds_up_the_pods_at_each_step(store_file: Path) -> None:
    with MetricsStore.open(store_file) as store:
        store.append(
            usage("shop", "web-1", "app", [(0.1, MI), (0.3, MI), (0.5, MI)], step=20)
            + usage("shop", "web-1", "proxy", [(0.05, MI)], start=T0 + timedelta(seconds=5))
            + usage(
                "shop",
                "web-2",
                "app",
                [(0.2, MI), (0.4, MI)],
                start=T0 + timedelta(seconds=10),
                step=30,
            )
        )

    [load] = StoreUsage(store_file).recent_load(HOUR, ["shop"], deployment_of)

    assert load.workload == WEB
    assert [(p.at - T0).total_seconds() for p in load.points] == [0, 30]
    # 0-30 s: web-1 app averages 0.1 and 0.3, plus its proxy; web-2 app 0.2
    assert load.points[0].cores == pytest.approx(0.2 + 0.05 + 0.2)
    assert load.points[0].pods == 2
    assert load.points[1].cores == pytest.approx(0.5 + 0.4)


def test_recent_load_steps_at_the_interval_the_samples_were_collected_at(
    store_file: Path,
) -> None:
    # As `collect --interval 1m` writes them: each pod once a minute, the pods a few seconds
    # apart. Steps of 30 s would see one pod in one half-minute and the other in the next.
    with MetricsStore.open(store_file) as store:
        store.append(
            usage("shop", "web-1", "app", [(0.1, MI)] * 10, start=T0 + timedelta(seconds=5))
            + usage("shop", "web-2", "app", [(0.2, MI)] * 10, start=T0 + timedelta(seconds=40))
        )
    source = StoreUsage(store_file)

    [load] = source.recent_load(HOUR, ["shop"], deployment_of)
    assert [(p.at - T0).total_seconds() for p in load.points] == [60.0 * i for i in range(10)]
    assert {(p.pods, round(p.cores, 9)) for p in load.points} == {(2, 0.3)}

    # A window with one sample per pod: the minutes before it tell the interval.
    last_minute = UsageWindow(T0 + timedelta(minutes=9), T0 + timedelta(minutes=10))
    [load] = source.recent_load(last_minute, ["shop"], deployment_of)
    assert [(p.at - T0, p.pods) for p in load.points] == [(timedelta(minutes=9), 2)]


def test_retention_deletes_what_is_older(store_file: Path) -> None:
    old = usage("shop", "web-1", "app", _values(10, 1), start=T0 - timedelta(days=40))
    recent = usage("shop", "web-2", "app", _values(10, 2))
    with MetricsStore.open(store_file) as store:
        store.append(old + recent)
        expired = store.expire(T0 - timedelta(days=30))
        held = store.summary()

    assert expired == 10
    assert (held.added, held.containers, held.first) == (10, 1, T0)
    everything = UsageWindow(T0 - timedelta(days=60), T0 + timedelta(hours=1))
    [app] = StoreUsage(store_file).container_usage(everything, None, deployment_of)
    assert app.pods == 1


@pytest.mark.parametrize(
    "content", [b"time,cpu\n1,2\n", bytes(range(256)) * 64, b""], ids=["text", "binary", "empty"]
)
def test_a_file_that_is_not_a_store_is_refused_and_left_alone(
    store_file: Path, content: bytes
) -> None:
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(content)

    with pytest.raises(StoreCorrupt) as writing:
        MetricsStore.open(store_file)
    with pytest.raises(StoreCorrupt) as reading:
        StoreUsage(store_file).container_usage(HOUR, None, deployment_of)

    assert str(store_file) in writing.value.message
    assert str(store_file) in reading.value.message
    assert writing.value.exit_code == EXIT_METRICS
    assert store_file.read_bytes() == content
    assert sorted(p.name for p in store_file.parent.iterdir()) == [store_file.name]


def test_another_duckdb_database_is_not_taken_over(store_file: Path) -> None:
    store_file.parent.mkdir(parents=True)
    with duckdb.connect(str(store_file)) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")

    with pytest.raises(StoreCorrupt, match="not a kubemedic metrics store"):
        MetricsStore.open(store_file)

    with duckdb.connect(str(store_file), read_only=True) as db:
        assert db.execute("SHOW TABLES").fetchall() == [("invoices",)]


def test_a_missing_store_says_how_to_make_one(store_file: Path) -> None:
    with pytest.raises(MetricsError) as missing:
        StoreUsage(store_file).container_usage(HOUR, None, deployment_of)

    assert f"no metrics store at {store_file}" in missing.value.message
    assert "kubemedic collect" in str(missing.value.hint)
    assert not store_file.parent.exists()


def test_a_store_of_a_newer_kubemedic_is_refused(store_file: Path) -> None:
    with MetricsStore.open(store_file):
        pass
    with duckdb.connect(str(store_file)) as db:
        db.execute("UPDATE kubemedic_store SET value = '99' WHERE key = 'schema_version'")

    with pytest.raises(MetricsError, match="schema version 99") as newer:
        StoreUsage(store_file).container_usage(HOUR, None, deployment_of)

    assert not isinstance(newer.value, StoreCorrupt)
    assert newer.value.hint == "upgrade kubemedic to read it"


def test_a_store_held_by_another_process_is_named(store_file: Path) -> None:
    with MetricsStore.open(store_file):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; db = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(store_file),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(MetricsError) as busy:
            MetricsStore.open(store_file, lock_timeout=0.3)
    finally:
        holder.communicate(timeout=10)

    assert busy.value.message == (
        f"the metrics store {store_file} is in use by another process (process {holder.pid})"
    )
    with MetricsStore.open(store_file, lock_timeout=0.3) as store:  # free again
        assert store.summary().added == 0
