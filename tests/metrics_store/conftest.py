"""What the metrics store tests share: a store file in a temporary directory, rows to write,
the owner rule of the hand-written rows, ``collect`` run as a user runs it, and the sandbox
cluster of tests/e2e."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.cli.app import run
from kubemedic.models.findings import ObjectRef
from kubemedic.models.samples import UsageSample
from tests.e2e.conftest import Sandbox, sandbox, sandbox_factory  # noqa: F401  (fixtures)
from tests.metrics_store.collect_app import app

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MI = 2.0**20


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Collect = Callable[..., Result]


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "metrics.duckdb"


@pytest.fixture
def collect(capsys: pytest.CaptureFixture[str]) -> Collect:
    """``collect(*args)``: run ``kubemedic collect ARGS`` in-process; code, stdout, stderr."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(["collect", *args], cli=app)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def deployment_of(namespace: str, pod: str) -> ObjectRef | None:
    """Pods named ``<deployment>-<n>`` belong to that Deployment; ``job-*`` pods to nothing."""
    name = pod.rpartition("-")[0]
    return None if name.startswith("job") else ObjectRef("Deployment", name, namespace)


def usage(
    namespace: str,
    pod: str,
    container: str,
    values: Sequence[tuple[float, float]],
    *,
    start: datetime = T0,
    step: float = 60,
) -> list[UsageSample]:
    """Samples of one container every ``step`` seconds: (cpu cores, memory bytes) each."""
    return [
        UsageSample(namespace, pod, container, start + timedelta(seconds=i * step), cpu, memory)
        for i, (cpu, memory) in enumerate(values)
    ]


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks, as DuckDB's ``quantile_cont`` does."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def all_running(cluster: Sandbox) -> bool:
    """Every pod of the sandbox has all its containers running."""
    pods = cluster.store.list("Pod")[0]
    return bool(pods) and all(
        "running" in (status.get("state") or {})
        for pod in pods
        for status in (pod.get("status") or {}).get("containerStatuses") or [{}]
    )
