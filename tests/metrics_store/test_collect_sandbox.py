"""``kubemedic collect`` against the sandbox cluster: usage from metrics.k8s.io, restarts and
OOM kills from pod status, each sample stored once however collect is run, stopped or killed."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.adapters.metrics_store import StoreUsage
from kubemedic.errors import KubemedicError, Unreachable
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import UsageWindow
from kubemedic.services.collect import CollectOptions, CollectRound, run_collect
from kubemedic.services.sources import SourceRequest, load_view
from tests.e2e.conftest import Sandbox
from tests.metrics_store.conftest import Collect, all_running

pytestmark = pytest.mark.e2e

ROUND = re.compile(r"^\S+Z  (\d+) new samples of (\d+) containers in (\d+) pods")
ROOT = Path(__file__).resolve().parents[2]


def _oom_restarts(sandbox: Sandbox) -> int:
    """Restarts of backend containers whose last termination was an OOM kill."""
    return sum(
        status.get("restartCount") or 0
        for pod in sandbox.store.list("Pod", "todo")[0]
        for status in (pod.get("status") or {}).get("containerStatuses") or []
        if ((status.get("lastState") or {}).get("terminated") or {}).get("reason") == "OOMKilled"
    )


def _unique_rows(store: Path) -> tuple[int, int]:
    with duckdb.connect(str(store), read_only=True) as db:
        row = db.execute("SELECT count(*), count(DISTINCT (series, sampled_at)) FROM samples")
        rows, distinct = row.fetchone() or (0, 0)
    return rows, distinct


def test_collect_once_records_usage_restarts_and_oom_kills(
    sandbox: Sandbox, store_file: Path, collect: Collect
) -> None:
    sandbox.wait_for(lambda: all_running(sandbox), what="the todo app running")
    args = ("--once", "--store", str(store_file), "--kubeconfig", str(sandbox.kubeconfig))

    healthy = collect(*args)
    sandbox.server.simulation.break_scenario("oom", target=None, namespace=None)  # type: ignore[union-attr]
    sandbox.wait_for(lambda: _oom_restarts(sandbox), what="an OOM kill")
    killed = collect(*args)
    seen = _oom_restarts(sandbox)
    sandbox.wait_for(lambda: _oom_restarts(sandbox) > seen, what="another OOM kill")
    again = collect(*args)

    for done in (healthy, killed, again):
        assert done.code == 0, done.err
    counts = ROUND.match(healthy.out)
    assert counts is not None, healthy.out
    added, containers, pods = map(int, counts.groups())
    assert added == containers >= pods >= 8
    assert "restart/limit changes" in killed.out
    view = load_view(SourceRequest(namespace="todo", kubeconfig=sandbox.kubeconfig))

    def owner(namespace: str, pod: str) -> ObjectRef | None:
        found = view.get("Pod", namespace, pod)
        return view.workload_of(found) if found else None

    now = datetime.now(UTC)
    usage = StoreUsage(store_file).container_usage(
        UsageWindow(now - timedelta(hours=1), now + timedelta(minutes=5)), ["todo"], owner
    )
    backend = next(u for u in usage if u.workload == ObjectRef("Deployment", "backend", "todo"))
    shrunk = next(
        pod
        for pod in view.pods
        if pod.container("backend") and pod.container_statuses[0].restart_count
    )
    assert backend.oom_kills >= 2
    assert backend.restarts >= backend.oom_kills
    assert backend.oom_memory_limit == shrunk.container("backend").resources.limit("memory")  # type: ignore[union-attr]
    assert backend.cpu.max > 0
    assert backend.memory.p50 > 0
    frontend = next(u for u in usage if u.workload.name == "frontend")
    assert (frontend.restarts, frontend.oom_kills, frontend.pods) == (0, 0, 2)
    assert frontend.samples in (2, 4, 6)  # rounds within one second read the same metrics
    rows, distinct = _unique_rows(store_file)
    assert rows == distinct


def _rounds(process: subprocess.Popen[str], count: int) -> list[int]:
    """The samples added by the next ``count`` rounds the running collect reports."""
    assert process.stdout is not None
    added = []
    while len(added) < count:
        line = process.stdout.readline()
        assert line, f"collect ended early: {process.wait(timeout=10)}"
        counts = ROUND.match(line)
        assert counts is not None, line
        added.append(int(counts.group(1)))
    return added


@pytest.mark.slow
def test_a_collect_killed_or_stopped_loses_nothing_and_stores_nothing_twice(
    sandbox: Sandbox, store_file: Path
) -> None:
    sandbox.wait_for(lambda: all_running(sandbox), what="the todo app running")
    command = [
        sys.executable,
        "-m",
        "tests.metrics_store.collect_app",
        "collect",
        "--interval",
        "0.3s",
        "--store",
        str(store_file),
        "--kubeconfig",
        str(sandbox.kubeconfig),
    ]

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    killed = start()
    reported = _rounds(killed, 3)
    killed.kill()  # at any point of a round: a write is whole or not there at all
    killed.communicate(timeout=10)
    stopped = start()
    reported += _rounds(stopped, 3)
    stopped.send_signal(signal.SIGTERM)
    out, err = stopped.communicate(timeout=20)

    assert stopped.returncode == 0, err
    assert "collecting every 0.3s into" in err
    assert re.search(r"stopped after \d+ rounds\n$", err)
    reported += [int(m.group(1)) for m in map(ROUND.match, out.splitlines()) if m]
    rows, distinct = _unique_rows(store_file)
    assert rows == distinct
    assert rows >= sum(reported) > 0


def test_the_loop_reports_a_lost_cluster_and_keeps_going(
    sandbox: Sandbox, store_file: Path
) -> None:
    sandbox.wait_for(lambda: all_running(sandbox), what="the todo app running")
    stop = threading.Event()
    rounds: list[CollectRound] = []
    errors: list[KubemedicError] = []
    options = CollectOptions(store=store_file, interval=0.2)
    address = sandbox.server.url
    with ClusterWriter.connect(context=None, kubeconfig=sandbox.kubeconfig, timeout=5) as cluster:
        loop = threading.Thread(
            target=run_collect,
            args=(cluster, options, stop),
            kwargs={"on_round": rounds.append, "on_error": errors.append},
        )
        loop.start()
        try:
            sandbox.wait_for(lambda: len(rounds) >= 2, what="two rounds")
            sandbox.server.stop()
            cluster.client.close()  # the stopped server's open connections go with it
            sandbox.wait_for(lambda: len(errors) >= 2, what="two failed rounds")
        finally:
            stop.set()
            loop.join(timeout=10)

    assert not loop.is_alive()
    assert isinstance(errors[0], Unreachable)
    assert address in errors[0].message, errors[0].message
    assert len(rounds) >= 2
