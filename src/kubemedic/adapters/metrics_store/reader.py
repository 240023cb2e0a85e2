"""The store as a ``UsageSource``: per workload container figures, computed by DuckDB.

Which workload a pod belongs to is the caller's knowledge (``owner``), so the pod containers
with data in the window are read first and mapped in Python, once per pod; the mapping goes
into a temporary table of small integers (series → workload container, workload, pod), and
percentiles (``quantile_cont``: linear interpolation between the two nearest ranks), maxima and
counts are then one ``GROUP BY`` over the samples. Restarts and OOM kills come from the status
changes collect recorded (docs/usage-store.md). Each question opens the file read-only and
closes it, so a running collect is held up for a moment at most.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from kubemedic.adapters.metrics_store.schema import connect, translated
from kubemedic.adapters.metrics_store.store import LOCK_TIMEOUT
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import (
    ContainerUsage,
    LoadPoint,
    OwnerOf,
    Percentiles,
    UsageWindow,
    WorkloadLoad,
)

_IN_WINDOW = """
WITH sampled AS (SELECT DISTINCT series FROM samples WHERE sampled_at BETWEEN $1 AND $2),
observed AS (SELECT DISTINCT series FROM statuses WHERE observed_at BETWEEN $1 AND $2)
SELECT s.id, s.namespace, s.pod, s.container, a.series IS NOT NULL
FROM series s
LEFT JOIN sampled a ON a.series = s.id
LEFT JOIN observed b ON b.series = s.id
WHERE (a.series IS NOT NULL OR b.series IS NOT NULL)
  AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], s.namespace))
"""
_LOAD_OWNERS = """
CREATE OR REPLACE TEMP TABLE owners AS
SELECT unnest($1::UINTEGER[]) AS series, unnest($2::UINTEGER[]) AS grp,
       unnest($3::UINTEGER[]) AS workload, unnest($4::UINTEGER[]) AS pod
"""
_USAGE = """
SELECT o.grp,
       quantile_cont(x.cpu_cores, [0.5, 0.95, 0.99]), max(x.cpu_cores),
       quantile_cont(x.memory_bytes, [0.5, 0.95, 0.99]), max(x.memory_bytes),
       count(*), min(x.sampled_at), max(x.sampled_at)
FROM samples x JOIN owners o ON o.series = x.series
WHERE x.sampled_at BETWEEN $1 AND $2
GROUP BY o.grp
HAVING count(x.cpu_cores) > 0 AND count(x.memory_bytes) > 0
"""
_RESTARTS = """
WITH history AS (
    SELECT o.grp, t.*,
           lag(t.observed_at) OVER w AS previous_at,
           lag(t.restarts) OVER w AS previous_restarts,
           lag(t.last_termination) OVER w AS previous_termination
    FROM statuses t JOIN owners o ON o.series = t.series
    WHERE t.observed_at <= $2
    WINDOW w AS (PARTITION BY t.series ORDER BY t.observed_at)
), counted AS (
    SELECT *,
        CASE WHEN previous_at IS NOT NULL
             THEN last_termination IS DISTINCT FROM previous_termination
             ELSE coalesce(last_terminated_at >= $1, false)
        END AND last_termination IS NOT NULL AS ended,
        CASE WHEN previous_at IS NULL THEN 0
             WHEN restarts >= previous_restarts THEN restarts - previous_restarts
             ELSE restarts
        END AS restarted
    FROM history
    WHERE observed_at >= $1
)
SELECT grp, sum(greatest(restarted, ended::INTEGER)),
       count(*) FILTER (WHERE ended AND last_reason = 'OOMKilled'),
       arg_max(memory_limit_bytes, observed_at) FILTER (WHERE ended AND last_reason = 'OOMKilled')
FROM counted
GROUP BY grp
"""
_INTERVAL = """
WITH gaps AS (
    SELECT x.series, x.sampled_at - lag(x.sampled_at) OVER w AS gap
    FROM samples x JOIN owners o ON o.series = x.series
    WHERE x.sampled_at BETWEEN $1 AND $2 AND x.cpu_cores IS NOT NULL
    WINDOW w AS (PARTITION BY x.series ORDER BY x.sampled_at)
)
SELECT round(max(typical))::UINTEGER
FROM (SELECT median(gap) AS typical FROM gaps WHERE gap IS NOT NULL GROUP BY series)
"""
_LOAD = """
WITH per_series AS (
    SELECT o.workload, o.pod, x.sampled_at // $3 * $3 AS bucket, avg(x.cpu_cores) AS cores
    FROM samples x JOIN owners o ON o.series = x.series
    WHERE x.sampled_at BETWEEN $1 AND $2 AND x.cpu_cores IS NOT NULL
    GROUP BY o.workload, o.pod, x.series, bucket
)
SELECT workload, bucket, sum(cores), count(DISTINCT pod)
FROM per_series
GROUP BY workload, bucket
ORDER BY bucket
"""


DEFAULT_INTERVAL = 30
"""collect's default interval: the load step when no pod has two samples to tell it by."""
INTERVAL_LOOKBACK = 3600
"""How long before a load window the samples that tell the collection interval are read."""


@dataclass(slots=True)
class _Owners:
    """The pod containers of the window, numbered: workload containers, workloads, pods."""

    series: list[int] = field(default_factory=list)
    group_of_series: list[int] = field(default_factory=list)
    workload_of_series: list[int] = field(default_factory=list)
    pod_of_series: list[int] = field(default_factory=list)
    groups: dict[tuple[ObjectRef, str], int] = field(default_factory=dict)
    workloads: dict[ObjectRef, int] = field(default_factory=dict)
    pods_sampled: dict[int, set[int]] = field(default_factory=dict)
    """Per workload container: the pods with usage samples in the window."""

    def add(
        self, series: int, pod: int, workload: ObjectRef, container: str, sampled: bool
    ) -> None:
        group = self.groups.setdefault((workload, container), len(self.groups))
        self.series.append(series)
        self.group_of_series.append(group)
        self.workload_of_series.append(self.workloads.setdefault(workload, len(self.workloads)))
        self.pod_of_series.append(pod)
        if sampled:
            self.pods_sampled.setdefault(group, set()).add(pod)


class StoreUsage:
    """Usage history from the embedded store at ``path``."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    @property
    def description(self) -> str:
        return f"store {self.path}"

    def container_usage(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[ContainerUsage]:
        bounds = _bounds(window)
        with self._owned(bounds, namespaces, owner) as (db, owners):
            usage = db.execute(_USAGE, bounds).fetchall()
            restarts = {row[0]: row[1:] for row in db.execute(_RESTARTS, bounds).fetchall()}
        keys = list(owners.groups)
        found = []
        for group, *figures in usage:
            workload, container = keys[group]
            pods = len(owners.pods_sampled[group])
            found.append(_container_usage(workload, container, figures, pods, restarts.get(group)))
        return sorted(found, key=lambda u: (*_order(u.workload), u.container))

    def recent_load(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[WorkloadLoad]:
        """Per workload, the CPU of its pods added up at each step of the window.

        Collect samples the pods one after another, not at one instant, so each pod's samples
        are averaged per step before the pods are added up; the step is the interval the
        samples were taken at (``collect --interval``, or the spacing of imported history),
        told by the samples themselves: the typical gap between a pod container's samples
        over the hour before the window and the window, the longest of those gaps where pods
        differ, so every pod has a sample in every step.
        """
        bounds = _bounds(window)
        with self._owned(bounds, namespaces, owner) as (db, owners):
            told = db.execute(_INTERVAL, [bounds[0] - INTERVAL_LOOKBACK, bounds[1]]).fetchone()
            interval = told[0] if told and told[0] else DEFAULT_INTERVAL
            rows = db.execute(_LOAD, [*bounds, interval]).fetchall()
        workloads = list(owners.workloads)
        points: dict[ObjectRef, list[LoadPoint]] = {}
        for workload, bucket, cores, pods in rows:
            points.setdefault(workloads[workload], []).append(
                LoadPoint(at=_moment(bucket), cores=cores, pods=pods)
            )
        return [
            WorkloadLoad(workload, tuple(series))
            for workload, series in sorted(points.items(), key=lambda item: _order(item[0]))
        ]

    @contextmanager
    def _owned(
        self, bounds: list[int], namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> Iterator[tuple[duckdb.DuckDBPyConnection, _Owners]]:
        """A read-only connection with the ``owners`` table of the pod containers with data in
        the window whose pods ``owner`` maps to a workload."""
        db = connect(self.path, write=False, lock_timeout=self.lock_timeout)
        try:
            with translated(self.path):
                selected = list(namespaces) if namespaces is not None else None
                workload_of: dict[tuple[str, str], tuple[int, ObjectRef | None]] = {}
                owners = _Owners()
                for series, namespace, pod, container, sampled in db.execute(
                    _IN_WINDOW, [*bounds, selected]
                ).fetchall():
                    if (namespace, pod) not in workload_of:
                        workload_of[namespace, pod] = (len(workload_of), owner(namespace, pod))
                    number, workload = workload_of[namespace, pod]
                    if workload is not None:
                        owners.add(series, number, workload, container, sampled)
                db.execute(
                    _LOAD_OWNERS,
                    [
                        owners.series,
                        owners.group_of_series,
                        owners.workload_of_series,
                        owners.pod_of_series,
                    ],
                )
                yield db, owners
        finally:
            db.close()


def _order(workload: ObjectRef) -> tuple[str, str, str]:
    return workload.namespace, workload.kind, workload.name


def _bounds(window: UsageWindow) -> list[int]:
    """The window in the store's whole seconds, both ends included."""
    return [math.ceil(window.start.timestamp()), math.floor(window.end.timestamp())]


def _container_usage(
    workload: ObjectRef,
    container: str,
    figures: Sequence[Any],
    pods: int,
    restarts: tuple[Any, ...] | None,
) -> ContainerUsage:
    cpu, cpu_max, memory, memory_max, count, first, last = figures
    restarted, ooms, limit = restarts or (0, 0, None)
    return ContainerUsage(
        workload=workload,
        container=container,
        cpu=Percentiles(p50=cpu[0], p95=cpu[1], p99=cpu[2], max=cpu_max),
        memory=Percentiles(p50=memory[0], p95=memory[1], p99=memory[2], max=memory_max),
        samples=count,
        pods=pods,
        first=_moment(first),
        last=_moment(last),
        restarts=int(restarted),
        oom_kills=ooms,
        oom_memory_limit=limit,
    )


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
