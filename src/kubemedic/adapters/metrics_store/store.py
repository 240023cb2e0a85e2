"""Writing the store: append what collect sampled, import a history, drop what has expired.

Every write is one transaction: rows go into temporary batch tables in bulk (whole columns at
once, never a statement per row), new pod containers get series ids, and only the samples the
store does not hold yet are inserted, so writing the same samples twice — collect re-reading
one metrics window, a collect restarted, a history imported again — changes nothing. A write
cut short (a killed process) leaves the store as it was before it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import duckdb

from kubemedic.adapters.metrics_store.openmetrics import load_history
from kubemedic.adapters.metrics_store.schema import connect, translated
from kubemedic.models.samples import StatusSample, Stored, UsageSample

LOCK_TIMEOUT = 30.0
"""Seconds a write waits for another process (a reader, another collect) to let go."""

_LOAD_USAGE = """
CREATE OR REPLACE TEMP TABLE batch_usage AS
SELECT unnest($1::VARCHAR[]) AS namespace, unnest($2::VARCHAR[]) AS pod,
       unnest($3::VARCHAR[]) AS container, unnest($4::UINTEGER[]) AS sampled_at,
       unnest($5::DOUBLE[]) AS cpu_cores, unnest($6::DOUBLE[]) AS memory_bytes
"""
_LOAD_STATUSES = """
CREATE OR REPLACE TEMP TABLE batch_status AS
SELECT unnest($1::VARCHAR[]) AS namespace, unnest($2::VARCHAR[]) AS pod,
       unnest($3::VARCHAR[]) AS container, unnest($4::UINTEGER[]) AS observed_at,
       unnest($5::UINTEGER[]) AS restarts, unnest($6::VARCHAR[]) AS last_reason,
       unnest($7::VARCHAR[]) AS last_termination, unnest($8::UINTEGER[]) AS last_terminated_at,
       unnest($9::DOUBLE[]) AS memory_limit_bytes
"""
_KEYS_OF_USAGE = """
CREATE OR REPLACE TEMP TABLE batch_keys AS
SELECT DISTINCT namespace, pod, container FROM batch_usage
"""
_KEYS_OF_BOTH = """
CREATE OR REPLACE TEMP TABLE batch_keys AS
SELECT namespace, pod, container FROM batch_usage
UNION SELECT namespace, pod, container FROM batch_status
"""
_REGISTER_SERIES = """
INSERT INTO series
SELECT (SELECT coalesce(max(id), 0) FROM series)
       + row_number() OVER (ORDER BY namespace, pod, container), namespace, pod, container
FROM batch_keys ANTI JOIN series USING (namespace, pod, container)
"""
_SPAN = "SELECT count(*), min(sampled_at), max(sampled_at) FROM batch_usage"
_INSERT_SAMPLES = """
INSERT INTO samples
SELECT series.id, b.sampled_at, b.cpu_cores, b.memory_bytes
FROM batch_usage b JOIN series USING (namespace, pod, container)
WHERE NOT EXISTS (
    SELECT 1 FROM samples s
    WHERE s.series = series.id AND s.sampled_at = b.sampled_at
      AND s.sampled_at BETWEEN $1 AND $2)
QUALIFY row_number() OVER (
    PARTITION BY series.id, b.sampled_at
    ORDER BY b.cpu_cores IS NULL, b.memory_bytes IS NULL) = 1
ORDER BY b.sampled_at, series.id
"""
_INSERT_STATUS_CHANGES = """
INSERT INTO statuses
WITH latest AS (
    SELECT * FROM statuses
    QUALIFY row_number() OVER (PARTITION BY series ORDER BY observed_at DESC) = 1
)
SELECT series.id, b.observed_at, b.restarts, b.last_reason, b.last_termination,
       b.last_terminated_at, b.memory_limit_bytes
FROM batch_status b JOIN series USING (namespace, pod, container)
LEFT JOIN latest p ON p.series = series.id
WHERE p.series IS NULL
   OR b.observed_at > p.observed_at AND (
      b.restarts IS DISTINCT FROM p.restarts
      OR b.last_reason IS DISTINCT FROM p.last_reason
      OR b.last_termination IS DISTINCT FROM p.last_termination
      OR b.memory_limit_bytes IS DISTINCT FROM p.memory_limit_bytes)
"""
_EXPIRE_SAMPLES = "DELETE FROM samples WHERE sampled_at < $1"
_EXPIRE_STATUSES = """
DELETE FROM statuses t
WHERE observed_at < $1
  AND (observed_at < (SELECT max(observed_at) FROM statuses u WHERE u.series = t.series)
       OR series NOT IN (SELECT DISTINCT series FROM samples))
"""
_EXPIRE_SERIES = """
DELETE FROM series
WHERE id NOT IN (SELECT series FROM samples UNION SELECT series FROM statuses)
"""
_SUMMARY = "SELECT count(*), count(DISTINCT series), min(sampled_at), max(sampled_at) FROM samples"


def epoch(at: datetime) -> int:
    """Whole seconds since 1970, the store's time unit."""
    return round(at.timestamp())


def moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


class MetricsStore:
    """An open store file, for writing; ``MetricsStore.open(path)`` creates it when missing."""

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> MetricsStore:
        return cls(path, connect(path, write=True, lock_timeout=lock_timeout))

    def __enter__(self) -> MetricsStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def append(self, usage: Sequence[UsageSample], statuses: Sequence[StatusSample] = ()) -> Stored:
        """Add the samples and status changes the store does not hold yet."""
        with self._transaction():
            self._db.execute(
                _LOAD_USAGE,
                [
                    [s.namespace for s in usage],
                    [s.pod for s in usage],
                    [s.container for s in usage],
                    [epoch(s.at) for s in usage],
                    [s.cpu_cores for s in usage],
                    [s.memory_bytes for s in usage],
                ],
            )
            self._db.execute(
                _LOAD_STATUSES,
                [
                    [s.namespace for s in statuses],
                    [s.pod for s in statuses],
                    [s.container for s in statuses],
                    [epoch(s.at) for s in statuses],
                    [s.restarts for s in statuses],
                    [s.last_termination_reason for s in statuses],
                    [s.last_termination_id for s in statuses],
                    [
                        epoch(s.last_terminated_at) if s.last_terminated_at else None
                        for s in statuses
                    ],
                    [s.memory_limit_bytes for s in statuses],
                ],
            )
            self._db.execute(_KEYS_OF_BOTH)
            stored = self._insert_batch()
            changes = self._count(_INSERT_STATUS_CHANGES)
        return Stored(
            added=stored.added,
            duplicates=stored.duplicates,
            containers=stored.containers,
            status_changes=changes,
            first=stored.first,
            last=stored.last,
        )

    def import_openmetrics(self, source: Path, namespaces: Sequence[str] | None = None) -> Stored:
        """Add a history in OpenMetrics text (``kubemedic sandbox history``): CPU counters
        become rates, memory gauges are taken as they are (docs/usage-store.md)."""
        with self._transaction():
            load_history(self._db, source, namespaces)
            self._db.execute(_KEYS_OF_USAGE)
            return self._insert_batch()

    def expire(self, before: datetime) -> int:
        """Delete samples older than ``before``; returns how many went."""
        cutoff = max(epoch(before), 0)
        with self._transaction():
            deleted = self._count(_EXPIRE_SAMPLES, cutoff)
            self._db.execute(_EXPIRE_STATUSES, [cutoff])
            if deleted:
                self._db.execute(_EXPIRE_SERIES)
        return deleted

    def summary(self) -> Stored:
        """Everything the store holds, as if it had been written at once."""
        with translated(self.path):
            row = self._db.execute(_SUMMARY).fetchone()
        count, containers, first, last = row if row else (0, 0, None, None)
        return Stored(count, 0, containers, first=moment(first), last=moment(last))

    def _insert_batch(self) -> Stored:
        """Register the batch's new containers and insert its samples the store lacks."""
        self._db.execute(_REGISTER_SERIES)
        row = self._db.execute(_SPAN).fetchone()
        total, first, last = row if row else (0, None, None)
        added = self._count(_INSERT_SAMPLES, first or 0, last or 0) if total else 0
        containers = self._count("SELECT count(*) FROM batch_keys")
        return Stored(added, total - added, containers, first=moment(first), last=moment(last))

    def _count(self, sql: str, *parameters: int) -> int:
        row = self._db.execute(sql, list(parameters)).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with translated(self.path):
            self._db.begin()
            try:
                yield
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()
