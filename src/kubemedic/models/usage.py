"""Resource usage over time, as the recommenders read it, whatever the history came from.

Two backends keep history — a Prometheus-compatible server and kubemedic's embedded store —
and both answer through ``UsageSource`` with the same figures, already grouped by workload
and container, so right-sizing and scaling decisions never know where the numbers came from.
CPU is in cores, memory in bytes, times are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kubemedic.models.findings import ObjectRef

OwnerOf = Callable[[str, str], ObjectRef | None]
"""``owner(namespace, pod_name)``: the workload a pod belongs to, or None to leave it out."""


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """The stretch of time the history is read over: ``start`` (inclusive) to ``end``."""

    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Distribution of one resource's usage: p50, p95, p99 and the largest value seen."""

    p50: float
    p95: float
    p99: float
    max: float


@dataclass(frozen=True, slots=True)
class ContainerUsage:
    """One container of one workload over the window, pooled across the workload's pods."""

    workload: ObjectRef
    container: str
    cpu: Percentiles
    memory: Percentiles
    samples: int
    """Usage samples behind the percentiles (all pods together)."""
    pods: int
    """Distinct pods seen in the window."""
    first: datetime
    last: datetime
    """The earliest and latest sample: together, how much history there really is."""
    restarts: int = 0
    """Container restarts that happened inside the window (all pods together)."""
    oom_kills: int = 0
    """Restarts whose last termination was OOMKilled."""
    oom_memory_limit: float | None = None
    """The memory limit (bytes) in force at the latest OOMKill, when known."""

    @property
    def history_days(self) -> float:
        return (self.last - self.first).total_seconds() / 86_400


@dataclass(frozen=True, slots=True)
class LoadPoint:
    """A workload's total CPU (cores, all pods) at one moment, and how many pods reported."""

    at: datetime
    cores: float
    pods: int


@dataclass(frozen=True, slots=True)
class WorkloadLoad:
    """A workload's recent CPU, point by point, for the sustained-load test of scaling."""

    workload: ObjectRef
    points: tuple[LoadPoint, ...]


class UsageSource(Protocol):
    """Where usage history is read from: Prometheus or the embedded store."""

    @property
    def description(self) -> str:
        """Where the figures come from, for reports (``prometheus http://…``, ``store /path``)."""
        ...

    def container_usage(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[ContainerUsage]:
        """Per workload container: percentiles, counts and OOM facts over ``window``.

        ``namespaces`` None means every namespace. Pods ``owner`` maps to None are left out.
        """
        ...

    def recent_load(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[WorkloadLoad]:
        """Per workload: total CPU at each sample time in ``window`` (a few minutes)."""
        ...
