"""A small hand-made cluster history with known values, for exact checks against Prometheus.

Six hours at one-minute resolution from ``T0``; the window read is the last five. Per-minute
CPU use (cores) and memory (bytes) are drawn from a seeded generator and kept here, so tests
compute the expected figures independently from the very samples Prometheus was given.

namespace ``shop``
  * Deployment ``web``: pod A (containers ``app``, ``sidecar``) all along, pod B from hour 3,
    using more; pod A also has the pod-level cgroup (container "") and pause ("POD") series,
    which must be left out. ``app`` in pod A restarts at minute 120 (Error) and 240 (OOMKilled
    at a 256 MiB limit).
  * StatefulSet ``db``: ``db-0`` all along, scraped twice (two jobs, same values); it was
    OOMKilled at minute 30, before the window, and its last termination still says so.
  * Deployment ``batch``: one pod from hour 3 + 30 s to hour 5 + 30 s.
namespace ``kube-system``: Deployment ``coredns``, one pod.
namespace ``other``: pod ``lonely`` that belongs to no workload.
namespace ``many``: Deployment ``bulk``, 40 pods of two containers (for the query count).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import UsageWindow
from tests.support.prometheus_server import Family, write_openmetrics

T0 = 1_700_002_800
"""A whole hour (and minute) in November 2023."""
MINUTES = 360
MIB = 1024.0 * 1024.0
WINDOW = UsageWindow(
    datetime.fromtimestamp(T0 + 3600, UTC), datetime.fromtimestamp(T0 + MINUTES * 60, UTC)
)
COUNTER_START = 1000.0
BULK_PODS = 40

POD_A = "web-5d8f7-aaaaa"
POD_B = "web-5d8f7-bbbbb"
DB = "db-0"
BATCH = "batch-6c7b9-ccccc"
BATCH_START = T0 + 3 * 3600 + 30
BATCH_MINUTES = 120


@dataclass(frozen=True)
class Container:
    """One container's history: sample times, per-interval CPU use and memory."""

    namespace: str
    pod: str
    name: str
    times: tuple[float, ...]
    cpu: tuple[float, ...]
    """Cores used in the interval ending at each time (the first is unused)."""
    memory: tuple[float, ...]

    def counter(self) -> list[tuple[float, float]]:
        total, points = COUNTER_START, []
        for index, at in enumerate(self.times):
            if index:
                total += self.cpu[index] * (at - self.times[index - 1])
            points.append((at, total))
        return points


def _minutes(first: int, last: int) -> tuple[float, ...]:
    return tuple(float(T0 + 60 * minute) for minute in range(first, last + 1))


def _container(
    namespace: str,
    pod: str,
    name: str,
    times: tuple[float, ...],
    cpu: Callable[[int], float],
    memory: Callable[[], float],
) -> Container:
    return Container(
        namespace,
        pod,
        name,
        times,
        tuple(cpu(index) for index in range(len(times))),
        tuple(memory() for _ in times),
    )


def containers() -> list[Container]:
    rng = random.Random(9)

    def wave(base: float, swing: float, noise: float) -> Callable[[int], float]:
        return lambda i: base + swing * math.sin(i / 30.0) + rng.uniform(0.0, noise)

    def around(low: float, high: float) -> Callable[[], float]:
        return lambda: rng.uniform(low, high) * MIB

    full, late = _minutes(0, MINUTES), _minutes(180, MINUTES)
    batch = tuple(float(BATCH_START + 60 * i) for i in range(BATCH_MINUTES + 1))
    made = [
        _container("shop", POD_A, "app", full, wave(0.20, 0.05, 0.04), around(100, 120)),
        _container("shop", POD_A, "sidecar", full, wave(0.01, 0.0, 0.002), around(20, 22)),
        _container("shop", POD_B, "app", late, wave(0.30, 0.05, 0.04), around(200, 240)),
        _container("shop", POD_B, "sidecar", late, wave(0.01, 0.0, 0.002), around(20, 22)),
        _container("shop", DB, "postgres", full, wave(0.50, 0.20, 0.10), around(480, 560)),
        _container("shop", BATCH, "worker", batch, wave(1.0, 0.0, 0.5), around(50, 90)),
        _container(
            "kube-system",
            "coredns-7db6d-xq2lp",
            "coredns",
            full,
            wave(0.02, 0, 0.01),
            around(15, 16),
        ),
        _container("other", "lonely", "main", full, wave(0.05, 0.0, 0.01), around(10, 11)),
    ]
    for index in range(BULK_PODS):
        for name in ("main", "proxy"):
            made.append(
                _container(
                    "many",
                    f"bulk-6f5c4-{index:05d}",
                    name,
                    full,
                    wave(0.1, 0, 0.01),
                    around(30, 31),
                )
            )
    return made


def owner(namespace: str, pod: str) -> ObjectRef | None:
    """The workloads of the pods above (``lonely`` has none)."""
    if pod == DB:
        return ObjectRef("StatefulSet", "db", namespace)
    if pod == "lonely":
        return None
    return ObjectRef("Deployment", pod.split("-")[0], namespace)


def write(path: Path, history: list[Container], *, legacy: bool = False) -> Path:
    """The history as OpenMetrics: cAdvisor and kube-state-metrics series.

    ``legacy`` writes cAdvisor's labels as before Kubernetes 1.16 (``pod_name``,
    ``container_name``).
    """
    pod_label, container_label = ("pod_name", "container_name") if legacy else ("pod", "container")

    def labels(c: Container, **extra: str) -> dict[str, str]:
        return {"namespace": c.namespace, pod_label: c.pod, container_label: c.name, **extra}

    cpu = [(labels(c, job="kubelet"), c.counter()) for c in history]
    memory = [
        (labels(c, job="kubelet"), list(zip(c.times, c.memory, strict=True))) for c in history
    ]
    db = next(c for c in history if c.pod == DB)
    cpu.append((labels(db, job="cadvisor"), db.counter()))
    memory.append((labels(db, job="cadvisor"), list(zip(db.times, db.memory, strict=True))))
    pod_a = next(c for c in history if c.pod == POD_A)
    for cgroup in ("", "POD"):
        whole = {"namespace": "shop", pod_label: POD_A, container_label: cgroup, "job": "kubelet"}
        cpu.append((whole, [(at, COUNTER_START + 5.0 * (at - T0)) for at in pod_a.times]))
        memory.append((whole, [(at, 2048 * MIB) for at in pod_a.times]))
    families = [
        Family("container_cpu_usage_seconds", "counter", cpu),
        Family("container_memory_working_set_bytes", "gauge", memory),
        *_kube_state(),
    ]
    return write_openmetrics(path, families)


def _kube_state() -> Iterator[Family]:
    full = _minutes(0, MINUTES)

    def steps(changes: dict[int, float], first: int = 0) -> list[tuple[float, float]]:
        value, points = 0.0, []
        for minute in range(first, MINUTES + 1):
            value = changes.get(minute, value)
            points.append((float(T0 + 60 * minute), value))
        return points

    def during(first: int, last: int) -> list[tuple[float, float]]:
        return [(float(T0 + 60 * m), 1.0) for m in range(first, last + 1)]

    def ksm(pod: str, container: str, **extra: str) -> dict[str, str]:
        return {"namespace": "shop", "pod": pod, "container": container, **extra}

    yield Family(
        "kube_pod_container_status_restarts",
        "counter",
        [
            (ksm(POD_A, "app"), steps({0: 0, 120: 1, 240: 2})),
            (ksm(POD_A, "sidecar"), steps({0: 0})),
            (ksm(POD_B, "app"), steps({180: 3}, first=180)),
            (ksm(DB, "postgres"), steps({0: 0, 30: 1})),
        ],
    )
    yield Family(
        "kube_pod_container_status_last_terminated_reason",
        "gauge",
        [
            (ksm(POD_A, "app", reason="Error"), during(120, 239)),
            (ksm(POD_A, "app", reason="OOMKilled"), during(240, MINUTES)),
            (ksm(DB, "postgres", reason="OOMKilled"), during(30, MINUTES)),
        ],
    )
    yield Family(
        "kube_pod_container_resource_limits",
        "gauge",
        [
            (ksm(POD_A, "app", resource="memory", unit="byte"), [(at, 256 * MIB) for at in full]),
            (
                ksm(DB, "postgres", resource="memory", unit="byte"),
                [(at, 1024 * MIB) for at in full],
            ),
        ],
    )
