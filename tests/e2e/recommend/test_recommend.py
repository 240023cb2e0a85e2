"""``kubemedic recommend`` end to end: the sandbox's history in both backends, the advice, and
a proposed autoscaler approved, executed and validated on the sandbox.

One sandbox serves the module. Its frontend runs at 80% of its CPU request (``sandbox load``),
then two days of its history are written, imported into the embedded store with ``collect
--import`` and backfilled into a real Prometheus. Both backends must give the same advice, and
that advice must be the documented formula applied to the raw samples in the history file.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.cli.app import run
from kubemedic.errors import EXIT_METRICS
from kubemedic.sandbox.runtime import SandboxOptions, SandboxServer
from tests.support.prometheus_server import running_prometheus

pytestmark = pytest.mark.e2e

MI = 2**20
PEOPLE = [
    {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
    {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
]
MEMORY = re.compile(
    r'^container_memory_working_set_bytes\{namespace="([^"]+)",pod="([^"]+)",'
    r'container="([^"]+)"[^}]*\} (\S+) (\S+)$'
)


@dataclass
class Setup:
    server: SandboxServer
    store: Path
    prometheus: str
    history: Path

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    def recommend(
        self, capsys: pytest.CaptureFixture[str], *args: str, backend: str = "store"
    ) -> dict[str, Any]:
        where = (
            ("--store", str(self.store))
            if backend == "store"
            else ("--prometheus", self.prometheus)
        )
        code, out, err = self.cli(capsys, "recommend", *args, *where, "-o", "json")
        assert code == 0, err
        data: dict[str, Any] = json.loads(out)
        return data


def _ready(server: SandboxServer, prefix: str, count: int) -> bool:
    pods = [
        p
        for p in server.store.list("Pod", "todo")[0]
        if p["metadata"]["name"].startswith(prefix) and not p["metadata"].get("deletionTimestamp")
    ]
    return len(pods) == count and all(
        any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p["status"].get("conditions", [])
        )
        for p in pods
    )


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("recommend")
    server = SandboxServer(SandboxOptions(state_dir=root / "state", time_scale=10.0))
    server.start()
    try:
        _wait(lambda: _ready(server, "frontend-", 2) and _ready(server, "backend-", 2), "pods")
        assert server.simulation is not None
        server.simulation.set_load("Deployment", "todo", "frontend", 80.0)
        history = root / "history.om"
        history.write_text(server.simulation.history(2), encoding="utf-8")
        store = root / "metrics.duckdb"
        assert run(["collect", "--import", str(history), "--store", str(store)]) == 0
        with running_prometheus(history, root) as url:
            yield Setup(server, store, url, history)
    finally:
        server.stop()


@pytest.fixture
def env(setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "people": PEOPLE,
                "user": "Lin",
                "policy": {"validation_delays": ["1s"], "validation_timeout": "60s"},
            }
        )
    )
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(tmp_path / "records"))
    monkeypatch.setenv("KUBECONFIG", str(setup.server.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    return setup


def _memory_p95_by_workload(history: Path) -> dict[tuple[str, str, str], float]:
    """p95 of every raw memory sample of each workload container (pods pooled), from the file:
    deployment pods are ``<name>-<hash>-<id>``, statefulset pods ``<name>-<n>``."""
    pooled: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for line in history.read_text(encoding="utf-8").splitlines():
        found = MEMORY.match(line)
        if found:
            namespace, pod, container, value, _ = found.groups()
            parts = pod.split("-")
            name = "-".join(parts[:-1] if parts[-1].isdigit() else parts[:-2])
            pooled[(namespace, name, container)].append(float(value))
    out = {}
    for key, values in pooled.items():
        ordered = sorted(values)
        position = (len(ordered) - 1) * 0.95
        low, high = math.floor(position), math.ceil(position)
        out[key] = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return out


def _containers(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (w["workload"]["namespace"], w["workload"]["name"], c["container"]): c
        for w in report["workloads"]
        for c in w["containers"]
    }


def _bytes(text: str) -> float:
    from kubemedic._internal.quantities import parse_quantity

    value = parse_quantity(text)
    assert value is not None
    return value


def test_both_backends_agree_and_follow_the_formula(
    env: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("resources", "-A", "--history", "1d", "--min-history", "20h")
    store = _containers(env.recommend(capsys, *args))
    prometheus = _containers(env.recommend(capsys, *args, backend="prometheus"))
    expected = _memory_p95_by_workload(env.history)
    assert set(store) == set(prometheus)
    assert ("todo", "backend", "backend") in store
    for key, from_store in store.items():
        from_prometheus = prometheus[key]
        assert from_store["verdict"] not in ("no-data", "insufficient-history"), key
        memory_store = from_store["usage"]["memory_bytes"]["p95"]
        memory_prometheus = from_prometheus["usage"]["memory_bytes"]["p95"]
        assert memory_prometheus == pytest.approx(memory_store, rel=0.02), key
        cpu_store = from_store["usage"]["cpu_cores"]["p95"]
        cpu_prometheus = from_prometheus["usage"]["cpu_cores"]["p95"]
        assert cpu_prometheus == pytest.approx(cpu_store, rel=0.10, abs=0.002), key
        # the formula, from the raw samples: request = p95 x 1.3 rounded up to a MiB, >= 64Mi
        # (the store reads 1 day of the 2 written, so its p95 is close to, not equal to, the
        # p95 of the whole file, which moves little for these steady working sets)
        formula = max(math.ceil(expected[key] * 1.3 / MI), 64) * MI
        if from_store["verdict"] != "keep":
            new = _bytes(from_store["recommended"]["requests"]["memory"])
            assert new == pytest.approx(formula, rel=0.03), key


def test_a_week_is_needed_by_default_and_nothing_is_proposed_without_it(
    env: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = env.cli(
        capsys, "recommend", "resources", "-n", "todo", "--store", str(env.store), "--propose"
    )
    assert code == 0, err
    assert re.search(r"insufficient history: [12]\.\d of 7 days", out)
    assert "Nothing to propose." in err


def test_a_missing_store_is_a_clear_error(
    env: Setup, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "none.duckdb"
    code, _, err = env.cli(capsys, "recommend", "resources", "-A", "--store", str(missing))
    assert code == EXIT_METRICS
    assert f"the store {missing} does not exist" in err
    assert "Traceback" not in err


def test_sustained_load_gets_an_autoscaler_that_is_approved_executed_and_validated(
    env: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    report = env.recommend(capsys, "scaling", "-n", "todo", "--sustained", "10m")
    frontend = next(w for w in report["workloads"] if w["workload"]["name"] == "frontend")
    assert frontend["load"]["verdict"] == "sustained"
    hpa = frontend["hpa"]
    assert hpa["action"] == "create"
    assert hpa["min_replicas"] == 2
    assert hpa["max_replicas"] > 2
    assert frontend["capacity"]["fits"] is True
    assert frontend["cost"]["worst_case"]["monthly"] > 0
    backend = next(w for w in report["workloads"] if w["workload"]["name"] == "backend")
    assert backend["load"]["verdict"] == "below"

    code, _, err = env.cli(
        capsys,
        "recommend",
        "scaling",
        "-n",
        "todo",
        "--sustained",
        "10m",
        "--store",
        str(env.store),
        "--propose",
    )
    assert code == 0, err
    found = re.search(r"proposed (\S+) \(medium tier\) for Deployment todo/frontend", err)
    assert found, err
    op = found.group(1)
    assert env.cli(capsys, "approve", op, "--as", "Ada")[0] == 0
    code, out, err = env.cli(capsys, "execute", op, "--wait")
    assert code == 0, out + err
    record = json.loads(env.cli(capsys, "records", "show", op, "--json")[1])
    checks = {
        c["check"]: c
        for section in record["sections"]
        if section["event"] == "validation-passed"
        for c in section["data"]["checks"]
    }
    assert checks["replicas-grew"]["ok"] is True, checks
    assert checks["cpu-under-target"]["ok"] is True, checks
    assert checks["error-rate"]["ok"] is None  # no Prometheus configured: not measured
    hpa_now = env.server.store.get("HorizontalPodAutoscaler", "todo", "frontend")
    assert hpa_now["spec"]["maxReplicas"] == hpa["max_replicas"]


def test_an_unreachable_prometheus_is_a_clear_error_and_nothing_is_proposed(
    env: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = env.cli(
        capsys,
        "recommend",
        "resources",
        "-A",
        "--prometheus",
        "http://127.0.0.1:9",
        "--propose",
    )
    assert code == EXIT_METRICS
    assert "127.0.0.1:9" in err
    assert "Traceback" not in err
    assert out == ""
    records = Path(os.environ["KUBEMEDIC_RECORDS"])
    assert not (records.exists() and any(records.rglob("OP-*.md")))


def test_a_proposed_right_sizing_runs_through_approval_and_records_its_savings(
    env: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = env.cli(
        capsys,
        "recommend",
        "resources",
        "-n",
        "todo",
        "--history",
        "1d",
        "--min-history",
        "20h",
        "--store",
        str(env.store),
        "--propose",
    )
    assert code == 0, err
    found = re.search(
        r"proposed (\S+) \(medium tier\) for StatefulSet todo/postgres container postgres", err
    )
    assert found, err
    op = found.group(1)
    assert env.cli(capsys, "approve", op, "--as", "Ada")[0] == 0
    code, out, err = env.cli(capsys, "execute", op, "--wait")
    assert code == 0, out + err
    record = json.loads(env.cli(capsys, "records", "show", op, "--json")[1])
    passed = [s for s in record["sections"] if s["event"] == "validation-passed"]
    assert passed, [s["event"] for s in record["sections"]]
    realised = passed[-1]["data"]["realised_savings"]
    assert realised["monthly_savings"] > 0  # postgres asks for 250m and 512Mi, uses ~11m, 61Mi
    assert realised["requests_after"]["memory"] < realised["requests_before"]["memory"]
    spec = env.server.store.get("StatefulSet", "todo", "postgres")["spec"]["template"]["spec"]
    requests = spec["containers"][0]["resources"]["requests"]
    assert _bytes(requests["memory"]) == realised["requests_after"]["memory"]
