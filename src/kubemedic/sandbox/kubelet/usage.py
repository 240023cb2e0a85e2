"""How busy a running container is at a given moment: traffic, CPU and memory over time.

Live metrics (metrics.k8s.io, the Prometheus endpoint) and the OpenMetrics history are both
read from these functions, so a week of history and the current ``kubectl top`` tell the same
story: a daily traffic cycle, a little deterministic noise, and whatever load or scenario is in
force.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.state import PodRuntime

Obj = dict[str, Any]

DAY = 86_400.0
NOISE = 0.08
MEMORY_NOISE = 0.01


def noise(seed: str, bucket: int) -> float:
    """A repeatable value in [-1, 1] for ``seed`` in time bucket ``bucket``."""
    digest = hashlib.blake2b(f"{seed}:{bucket}".encode(), digest_size=4).digest()
    return min(int.from_bytes(digest, "big") / 0x7FFFFFFF - 1.0, 1.0)


def daily_factor(at: datetime) -> float:
    """Traffic relative to the daily mean: low at night, peaking mid-afternoon (UTC)."""
    hours = at.hour + at.minute / 60 + at.second / 3600
    return 1.0 + 0.45 * math.sin(2 * math.pi * (hours - 9.0) / 24.0)


@dataclass(frozen=True, slots=True)
class Sample:
    """One container's usage at one moment."""

    cpu_cores: float
    memory_bytes: float
    requests_per_second: float
    error_ratio: float
    latency_seconds: float
    memory_growth: float = 0.0


def sample(
    process: Process,
    *,
    age: float,
    at: datetime,
    seed: str,
    cpu_request: float | None,
    cpu_limit: float | None,
    load_percent: float | None = None,
) -> Sample:
    """Usage of a process ``age`` seconds after it started, at wall time ``at``."""
    usage = process.usage
    bucket = _bucket(at)
    jitter = 1.0 + NOISE * noise(seed, bucket)
    rps = usage.requests_per_second * daily_factor(at) * jitter
    cpu = (usage.cpu_cores + rps * usage.cpu_per_request) * (
        1.0 + NOISE * noise(seed + "c", bucket)
    )
    if load_percent is not None:
        cpu = (cpu_request or 0.1) * load_percent / 100 * jitter
        rps = rps * max(load_percent / 30.0, 1.0)
    if cpu_limit:
        cpu = min(cpu, cpu_limit)
    return Sample(
        cpu_cores=max(cpu, 0.0),
        memory_bytes=working_set(process, age=age, at=at, seed=seed),
        requests_per_second=max(rps, 0.0),
        error_ratio=usage.error_ratio,
        latency_seconds=usage.latency_seconds * (1.0 + 0.2 * max(noise(seed + "l", bucket), 0)),
        memory_growth=usage.memory_growth,
    )


def container_samples(
    rt: PodRuntime, pod: Obj, now: datetime, load_percent: float | None
) -> list[tuple[str, Sample]]:
    """(container, usage at ``now``) for each running app container of the pod ``rt`` runs."""
    out = []
    for spec in (pod.get("spec") or {}).get("containers") or []:
        cr = rt.containers.get(spec["name"])
        instance = cr.instance if cr is not None else None
        if instance is None:
            continue
        resources = spec.get("resources") or {}
        usage = sample(
            instance.process,
            age=instance.age(now),
            at=now,
            seed=f"{rt.uid}/{spec['name']}",
            cpu_request=_quantity((resources.get("requests") or {}).get("cpu")),
            cpu_limit=_quantity((resources.get("limits") or {}).get("cpu")),
            load_percent=load_percent,
        )
        out.append((spec["name"], usage))
    return out


def working_set(process: Process, *, age: float, at: datetime, seed: str) -> float:
    """Memory a process ``age`` seconds old holds at wall time ``at`` (what evictions read)."""
    memory = process.usage.memory_at(age, process.ramp_seconds)
    return max(memory * (1.0 + MEMORY_NOISE * noise(seed + "m", _bucket(at))), 0.0)


def working_set_ceiling(process: Process, age: float) -> float:
    """The most ``working_set`` can be at ``age``, whatever the noise: fully warm, plus growth."""
    usage = process.usage
    return (usage.memory_bytes + usage.memory_growth * max(age, 0.0)) * (1.0 + MEMORY_NOISE)


def _bucket(at: datetime) -> int:
    return int(at.timestamp() // 15)


def _quantity(value: object) -> float | None:
    return parse_quantity(value if isinstance(value, str | int | float) else None)


def seconds_until_memory(process: Process, limit: float) -> float | None:
    """Seconds after start when the working set reaches ``limit`` (None if it never does)."""
    usage = process.usage
    ramp = max(process.ramp_seconds, 1e-6)
    base = usage.memory_bytes
    if usage.memory_at(ramp, ramp) >= limit:
        slope = 0.7 * base / ramp + usage.memory_growth
        return max((limit - 0.3 * base) / slope, 0.0) if slope > 0 else 0.0
    if usage.memory_growth <= 0:
        return None
    return (limit - base) / usage.memory_growth
