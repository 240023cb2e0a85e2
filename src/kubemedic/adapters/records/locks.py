"""Locks between kubemedic processes and threads: ``flock`` on files under ``.git/kubemedic``.

A flock belongs to an open file description, so every acquisition opens the file anew: two threads
of one process exclude each other just as two processes do, and the kernel drops the locks of a
process that dies. The holder writes who it is into the file, so a waiter that gives up can say
which process it waited for. Lock files are never deleted (that would race with a waiter).
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kubemedic.errors import LockBusy, RecordsError

_POLL_SECONDS = 0.05
_held_here = threading.local()
"""The lock files this thread holds exclusively: reading inside one's own write needs no lock."""


@contextmanager
def hold(path: Path, *, what: str, timeout: float, shared: bool = False) -> Iterator[None]:
    """Hold the lock in ``path`` (exclusive unless ``shared``), waiting up to ``timeout`` seconds.

    Raises LockBusy naming the holder when the wait runs out. A shared request by a thread that
    holds the lock exclusively is granted at once; an exclusive one is refused (it would wait for
    itself).
    """
    mine: set[Path] = _held_here.__dict__.setdefault("paths", set())
    if path in mine:
        if not shared:
            raise LockBusy(f"{what} is already held by this thread; it cannot be taken twice")
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise RecordsError(f"cannot open the lock file {path}: {exc.strerror or exc}") from None
    try:
        _acquire(fd, path, what=what, timeout=timeout, shared=shared)
        if shared:
            yield
            return
        _write_holder(fd)
        mine.add(path)
        try:
            yield
        finally:
            mine.discard(path)
            os.ftruncate(fd, 0)  # while only readers hold it, nobody is named
    finally:
        os.close(fd)  # closing the description releases the lock


def _acquire(fd: int, path: Path, *, what: str, timeout: float, shared: bool) -> None:
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockBusy(
                    f"{what} is held by {_holder(path)}; gave up after {timeout:g}s",
                    hint="try again when that step has finished; a lock is released as soon as "
                    "the process holding it ends",
                ) from None
            time.sleep(min(_POLL_SECONDS, remaining))


def _write_holder(fd: int) -> None:
    since = datetime.now(UTC).isoformat(timespec="seconds")
    thread = threading.current_thread().name
    line = f"{os.getpid()}\t{socket.gethostname()}\t{since}\t{thread}\n"
    os.ftruncate(fd, 0)
    os.pwrite(fd, line.encode(), 0)


def _holder(path: Path) -> str:
    try:
        fields = path.read_text(encoding="utf-8").rstrip("\n").split("\t")
    except OSError:
        fields = []
    if len(fields) != 4:
        return "another process"
    pid, host, since, thread = fields
    return f"process {pid} ({thread}) on {host} since {since}"
