"""``collect --import``: the sandbox's OpenMetrics history loaded into the store gives the
figures computed independently, here, from the raw samples in the file."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.adapters.metrics_store import StoreUsage
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import OwnerOf, UsageWindow
from kubemedic.services.sources import SourceRequest, load_view
from tests.e2e.conftest import Sandbox
from tests.metrics_store.conftest import Collect, all_running, quantile

pytestmark = pytest.mark.e2e

SAMPLE = re.compile(
    r'^(container_cpu_usage_seconds_total|container_memory_working_set_bytes)\{namespace="([^"]*)",'
    r'pod="([^"]*)",container="([^"]*)",node="[^"]*"\} (\S+) (\d+)$'
)


@pytest.fixture
def history(sandbox: Sandbox, tmp_path: Path) -> Path:
    """One day of the sandbox's history, as `kubemedic sandbox history --days 1` writes it."""
    sandbox.wait_for(lambda: all_running(sandbox), what="the todo app running")
    path = tmp_path / "history.om"
    path.write_text(sandbox.server.simulation.history(1))  # type: ignore[union-attr]
    return path


def _owner_in(sandbox: Sandbox) -> OwnerOf:
    """The workload of each pod, as kubemedic's view of the sandbox says."""
    view = load_view(SourceRequest(all_namespaces=True, kubeconfig=sandbox.kubeconfig))

    def owner(namespace: str, pod: str) -> ObjectRef | None:
        found = view.get("Pod", namespace, pod)
        return view.workload_of(found) if found else None

    return owner


def _expected(history: Path, owner: OwnerOf) -> dict[tuple[ObjectRef, str], dict[str, list[float]]]:
    """CPU rates and memory values per workload container, from the file's lines."""
    series: dict[tuple[str, str, str, str], list[tuple[int, float]]] = defaultdict(list)
    for line in history.read_text().splitlines():
        match = SAMPLE.match(line)
        if match:
            metric, namespace, pod, container, value, at = match.groups()
            series[metric, namespace, pod, container].append((int(at), float(value)))
    pooled: dict[tuple[ObjectRef, str], dict[str, list[float]]] = defaultdict(
        lambda: {"cpu": [], "memory": []}
    )
    for (metric, namespace, pod, container), points in series.items():
        workload = owner(namespace, pod)
        assert workload is not None
        values = pooled[workload, container]
        if metric == "container_memory_working_set_bytes":
            values["memory"].extend(value for _, value in points)
            continue
        points.sort()
        for (before, previous), (at, value) in itertools.pairwise(points):
            increase = value - previous if value >= previous else value
            values["cpu"].append(increase / (at - before))
    return pooled


def test_imported_history_gives_the_figures_of_the_raw_samples(
    sandbox: Sandbox, history: Path, store_file: Path, collect: Collect
) -> None:
    done = collect("--import", str(history), "--store", str(store_file))

    assert done.code == 0, done.err
    assert re.match(
        rf"imported \d+ samples of 8 containers \(\S+ to \S+\) into {re.escape(str(store_file))}\n"
        r"the store holds \d+ samples of 8 containers",
        done.out,
    ), done.out
    owner = _owner_in(sandbox)
    expected = _expected(history, owner)
    now = datetime.now(UTC)
    window = UsageWindow(now - timedelta(days=2), now + timedelta(hours=1))
    found = StoreUsage(store_file).container_usage(window, None, owner)

    assert {(u.workload, u.container) for u in found} == set(expected)
    assert any(u.pods == 2 for u in found)  # replicas are pooled
    for figures in found:
        raw = expected[figures.workload, figures.container]
        for name, measured in (("cpu", figures.cpu), ("memory", figures.memory)):
            assert measured.p50 == pytest.approx(quantile(raw[name], 0.5), rel=1e-9)
            assert measured.p95 == pytest.approx(quantile(raw[name], 0.95), rel=1e-9)
            assert measured.p99 == pytest.approx(quantile(raw[name], 0.99), rel=1e-9)
            assert measured.max == pytest.approx(max(raw[name]), rel=1e-9)
        assert figures.samples == len(raw["memory"])  # one row per scrape; CPU from the 2nd on
        assert figures.history_days == pytest.approx(1, abs=0.01)


def test_importing_again_adds_nothing_and_namespaces_and_retention_apply(
    history: Path, store_file: Path, collect: Collect
) -> None:
    first = collect("--import", str(history), "--store", str(store_file), "-n", "todo")
    again = collect("--import", str(history), "--store", str(store_file))
    trimmed = collect("--import", str(history), "--store", str(store_file), "--retention", "12h")

    assert first.code == again.code == trimmed.code == 0, first.err + again.err + trimmed.err
    todo = int(re.match(r"imported (\d+) samples of 5 containers", first.out).group(1))  # type: ignore[union-attr]
    added = re.match(
        r"imported (\d+) samples of 8 containers .*; (\d+) were already stored", again.out
    )
    assert added is not None
    assert int(added.group(2)) == todo
    assert re.search(r"; \d+ older than the retention were deleted\n", trimmed.out)
    assert "imported 0 samples" in trimmed.out
    held = re.search(r"the store holds (\d+) samples of 8 containers \((\S+) to", trimmed.out)
    assert held is not None
    oldest = datetime.fromisoformat(held.group(2))
    assert datetime.now(UTC) - oldest <= timedelta(hours=12)
