"""Opening the store file: its tables, its schema version, and DuckDB's errors in plain words.

The layout is built for a week of 2,000 containers at one sample a minute (20M rows) read in a
few seconds: each pod container is a row of ``series`` (a dictionary), and ``samples`` holds
narrow typed rows (series id, epoch seconds, CPU cores, memory bytes) in the order they were
collected, so DuckDB's min/max zone maps skip what a time window leaves out. ``statuses`` keeps
a row only when a container's restart count, last termination or memory limit changed.

A sample is unique on (series, sampled_at). The writer keeps it so (an anti-join against the
stored rows of the batch's time range) instead of a PRIMARY KEY: on 20M rows such an index
tripled the file and made bulk loads eight times slower. DuckDB lets one process write a
file; a store held by another process is waited for briefly, then refused by name. A file
DuckDB cannot read is never written to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kubemedic.errors import KubemedicError, MetricsError, StoreCorrupt

SCHEMA_VERSION = 1
LOCK_POLL = 0.1
RUN_COLLECT = (
    "run `kubemedic collect` to sample the cluster (or `kubemedic collect --import FILE` "
    "to load a metrics history), or point --store / KUBEMEDIC_STORE at an existing store"
)

_TABLES = """
CREATE TABLE kubemedic_store (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE series (
    id UINTEGER PRIMARY KEY,
    namespace VARCHAR NOT NULL,
    pod VARCHAR NOT NULL,
    container VARCHAR NOT NULL,
    UNIQUE (namespace, pod, container)
);
CREATE TABLE samples (
    series UINTEGER NOT NULL,
    sampled_at UINTEGER NOT NULL,
    cpu_cores DOUBLE,
    memory_bytes DOUBLE
);
CREATE TABLE statuses (
    series UINTEGER NOT NULL,
    observed_at UINTEGER NOT NULL,
    restarts UINTEGER NOT NULL,
    last_reason VARCHAR,
    last_termination VARCHAR,
    last_terminated_at UINTEGER,
    memory_limit_bytes DOUBLE
);
"""
_PID = re.compile(r"\(PID (\d+)\)")


def connect(path: Path, *, write: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    """A connection to the store at ``path``; created (with its parents) when writing."""
    if not write and not path.is_file():
        raise MetricsError(f"no metrics store at {path}", hint=RUN_COLLECT)
    if write:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MetricsError(f"cannot create {path.parent}: {exc.strerror}") from None
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            connection = duckdb.connect(str(path), read_only=not write)
            break
        except duckdb.Error as exc:
            if not _is_lock(exc) or time.monotonic() >= deadline:
                raise translate(path, exc) from None
            time.sleep(LOCK_POLL)
    try:
        with translated(path):
            _check_schema(connection, path, write=write)
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """DuckDB errors inside the block become kubemedic's, naming the store file."""
    try:
        yield
    except duckdb.Error as exc:
        raise translate(path, exc) from None


def translate(path: Path, exc: duckdb.Error) -> KubemedicError:
    """What a DuckDB error means for the store at ``path``."""
    text = str(exc)
    if _is_lock(exc):
        pid = _PID.search(text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return MetricsError(
            f"the metrics store {path} is in use by another process{holder}",
            hint="another `kubemedic collect` or a reader holds it; try again when it is done, "
            "or give another file with --store",
        )
    if "not a valid DuckDB database file" in text or "Corrupt database file" in text:
        return StoreCorrupt(
            f"{path} is not a usable metrics store: the file is not a DuckDB database or it "
            "is damaged",
            hint="kubemedic left it untouched; move it away (or give another --store) and "
            "collect again",
        )
    return MetricsError(f"metrics store {path}: {text.removeprefix('IO Error: ')}")


def _is_lock(exc: duckdb.Error) -> bool:
    return "Could not set lock" in str(exc)


def _check_schema(connection: duckdb.DuckDBPyConnection, path: Path, *, write: bool) -> None:
    """Refuse foreign databases and newer layouts; lay out the tables of a new file."""
    tables = {
        str(name)
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    if "kubemedic_store" not in tables:
        if tables or not write:
            raise StoreCorrupt(
                f"{path} is a DuckDB database but not a kubemedic metrics store",
                hint="kubemedic left it untouched; give another file with --store",
            )
        _create(connection)
        return
    row = connection.execute(
        "SELECT value FROM kubemedic_store WHERE key = 'schema_version'"
    ).fetchone()
    version = str(row[0]) if row else ""
    if not version.isdigit():
        raise StoreCorrupt(f"{path}: the metrics store has no valid schema version ({version!r})")
    if int(version) > SCHEMA_VERSION:
        raise MetricsError(
            f"{path} is a metrics store of schema version {version}; this kubemedic reads "
            f"version {SCHEMA_VERSION} and older",
            hint="upgrade kubemedic to read it",
        )


def _create(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("BEGIN TRANSACTION")
    connection.execute(_TABLES)
    connection.execute(
        "INSERT INTO kubemedic_store VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )
    connection.execute("COMMIT")
