"""From per-series answers to per-workload usage: gather, group by owner, pool the pods.

Each query answers per (namespace, pod, container); ``Readings`` gathers them per series, and
``by_workload`` groups the series of each workload container with ``owner`` and pools them:
percentiles with ``_internal.pooling`` weighted by each pod's sample count, peaks as the
largest, counts and restarts summed, history from the earliest to the latest sample.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kubemedic._internal.pooling import Summary, pooled_quantiles
from kubemedic.adapters.prometheus.answers import RangeSeries, Sample
from kubemedic.adapters.prometheus.queries import KUBE_STATE, STAT, Labels, Levels
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import ContainerUsage, OwnerOf, Percentiles, UsageWindow

PERCENTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
STATS = (*PERCENTILES, "max")
WITH_PEAK = {**PERCENTILES, "max": 1.0}
"""The CPU levels: the percentiles and the peak (the quantile at 1) of the same subquery."""

Key = tuple[str, str, str]
"""(namespace, pod, container)"""


@dataclass(slots=True)
class Reading:
    """Everything read about one container of one pod."""

    cpu: dict[str, float] = field(default_factory=dict)
    """p50, p95, p99, max (cores)"""
    memory: dict[str, float] = field(default_factory=dict)
    """p50, p95, p99, max (bytes)"""
    samples: float = 0.0
    first: float = 0.0
    last: float = 0.0
    restarts: float = 0.0
    oom_seen: bool = False
    oom_kills: float = 0.0
    oom_limit: float | None = None

    @property
    def complete(self) -> bool:
        return len(self.cpu) == len(STATS) == len(self.memory) and self.samples > 0


class Readings:
    """Answers gathered per series, keyed by (namespace, pod, container)."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.series: dict[Key, Reading] = defaultdict(Reading)

    def _key(self, labels: Mapping[str, str], by: Labels) -> Key:
        return (labels.get("namespace", ""), labels.get(by.pod, ""), labels.get(by.container, ""))

    def _each(self, answer: Iterable[Sample], by: Labels) -> Iterable[tuple[Reading, str, float]]:
        for sample in answer:
            if sample.value == sample.value:  # NaN: no value
                yield (
                    self.series[self._key(sample.labels, by)],
                    sample.labels.get(STAT, ""),
                    sample.value,
                )

    def _levelled(
        self, answer: Iterable[RangeSeries], levels: Levels
    ) -> Iterable[tuple[Reading, str, float]]:
        for series in answer:
            reading = self.series[self._key(series.labels, self.labels)]
            for at, value in series.points:
                name = levels.name_at(at)
                if name is not None and value == value:  # NaN: no value
                    yield reading, name, value

    def cpu(self, answer: Iterable[RangeSeries], levels: Levels) -> None:
        for reading, name, value in self._levelled(answer, levels):
            reading.cpu[name] = value

    def memory(self, answer: Iterable[RangeSeries], levels: Levels) -> None:
        for reading, name, value in self._levelled(answer, levels):
            reading.memory[name] = value

    def memory_peak(self, answer: Iterable[Sample]) -> None:
        for reading, _, value in self._each(answer, self.labels):
            reading.memory["max"] = value

    def presence(self, answer: Iterable[RangeSeries], step: float, window: UsageWindow) -> None:
        """Sample counts per step: the total, and the first and last sample time estimated
        from how full the first and last step are (exact for a series present all along)."""
        start, end = window.start.timestamp(), window.end.timestamp()
        for series in answer:
            points = [(at, count) for at, count in series.points if count > 0]
            if not points:
                continue
            reading = self.series[self._key(series.labels, self.labels)]
            full = max(count for _, count in points)
            (first_at, first_count), (last_at, last_count) = points[0], points[-1]
            reading.samples = sum(count for _, count in points)
            reading.first = max(start, first_at - step * first_count / full)
            reading.last = min(end, last_at - step + step * last_count / full)

    def restarts(self, answer: Iterable[Sample]) -> None:
        for reading, stat, value in self._each(answer, KUBE_STATE):
            if stat == "restarts":
                reading.restarts = value
            else:
                reading.oom_seen = value > 0

    def oom_kills(self, answer: Iterable[Sample]) -> None:
        for reading, stat, value in self._each(answer, KUBE_STATE):
            if stat == "oom_kills":
                reading.oom_kills = value
            else:
                reading.oom_limit = value

    def oom_suspects(self) -> list[tuple[str, str]]:
        """(namespace, pod) of the containers that restarted in the window and whose last
        termination said OOMKilled at some point of it."""
        return sorted(
            {
                (ns, pod)
                for (ns, pod, _), r in self.series.items()
                if r.oom_seen and r.restarts >= 0.5
            }
        )

    def by_workload(self, owner: OwnerOf) -> list[ContainerUsage]:
        """Per workload container: the series of all its pods, pooled."""
        groups: dict[tuple[ObjectRef, str], list[tuple[str, Reading]]] = defaultdict(list)
        workload_of = Owners(owner)
        for (namespace, pod, container), reading in self.series.items():
            if not reading.complete:
                continue
            workload = workload_of(namespace, pod)
            if workload is not None:
                groups[(workload, container)].append((pod, reading))
        usages = [
            _pooled(workload, container, members)
            for (workload, container), members in groups.items()
        ]
        return sorted(usages, key=lambda u: (*order(u.workload), u.container))


def _pooled(
    workload: ObjectRef, container: str, members: list[tuple[str, Reading]]
) -> ContainerUsage:
    readings = [reading for _, reading in members]
    oom_limits = [r.oom_limit for r in readings if r.oom_kills > 0 and r.oom_limit is not None]
    return ContainerUsage(
        workload=workload,
        container=container,
        cpu=_percentiles([_summary(r.cpu, r.samples) for r in readings]),
        memory=_percentiles([_summary(r.memory, r.samples) for r in readings]),
        samples=round(sum(r.samples for r in readings)),
        pods=len({pod for pod, _ in members}),
        first=datetime.fromtimestamp(min(r.first for r in readings), UTC),
        last=datetime.fromtimestamp(max(r.last for r in readings), UTC),
        restarts=round(sum(r.restarts for r in readings)),
        oom_kills=round(sum(r.oom_kills for r in readings)),
        oom_memory_limit=max(oom_limits) if oom_limits else None,
    )


def _summary(stats: Mapping[str, float], samples: float) -> Summary:
    """One pod for pooling, weighted by its memory samples (CPU and memory come from the same
    scrapes: both counts measure how long the pod ran in the window)."""
    return Summary(samples, stats["p50"], stats["p95"], stats["p99"], stats["max"])


def _percentiles(series: Sequence[Summary]) -> Percentiles:
    p50, p95, p99 = pooled_quantiles(series, tuple(PERCENTILES.values()))
    return Percentiles(p50, p95, p99, max(s.maximum for s in series))


class Owners:
    """``owner`` asked once per pod (a pod has several containers and series)."""

    def __init__(self, owner: OwnerOf) -> None:
        self._owner = owner
        self._known: dict[tuple[str, str], ObjectRef | None] = {}

    def __call__(self, namespace: str, pod: str) -> ObjectRef | None:
        key = (namespace, pod)
        if key not in self._known:
            self._known[key] = self._owner(namespace, pod) if namespace and pod else None
        return self._known[key]


def order(workload: ObjectRef) -> tuple[str, str, str]:
    """Workloads in reading order: namespace, kind, name."""
    return (workload.namespace, workload.kind, workload.name)
