"""Which container logs are worth reading, and how much of them to keep.

Both sources apply the same rule: only a container that crashed (its previous instance, or the
current one when it ended with an error) or an init container still running has a log that can
explain a failure. Everything else is skipped, which keeps a live scan to a handful of log
requests and lets the files source ignore thousands of healthy pods' logs in a dump.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kubemedic.models.k8s import Pod

TAIL_LINES = 200
"""Lines kept per container log: enough for a stack trace and what led to it."""

MAX_LOG_BYTES = 256 * 1024
"""Bytes read per container log at most (the API is asked for no more)."""

DUMP_START = "==== START logs for container "
DUMP_END = "==== END logs for container "
_DUMP_ERRORS = ("Request log error:", "Create log request error:")


@dataclass(frozen=True, slots=True)
class WantedLog:
    """A container whose log may explain a failure, and which instance of it to read."""

    container: str
    previous: bool


def wanted_logs(pod: Pod) -> tuple[WantedLog, ...]:
    """The logs worth reading for a pod, most telling first (crashes before stuck inits)."""
    crashed: list[WantedLog] = []
    stuck: list[WantedLog] = []
    for status in pod.all_container_statuses:
        current = status.state.terminated
        if current is not None and current.exit_code != 0:
            crashed.append(WantedLog(status.name, previous=False))
        elif status.restart_count > 0 and status.last_state.terminated is not None:
            crashed.append(WantedLog(status.name, previous=True))
        elif status.is_init and status.state.is_running and not _is_sidecar(pod, status.name):
            stuck.append(WantedLog(status.name, previous=False))
    return tuple(crashed + stuck)


def _is_sidecar(pod: Pod, container: str) -> bool:
    """A native sidecar (init container with ``restartPolicy: Always``) runs for good."""
    spec = pod.container(container)
    return spec is not None and spec.restart_policy == "Always"


def tail(lines: Iterable[str]) -> tuple[str, ...]:
    """The last :data:`TAIL_LINES` lines, without line endings."""
    return tuple(line.rstrip("\r\n") for line in deque(lines, maxlen=TAIL_LINES))


@dataclass(frozen=True, slots=True)
class DumpSection:
    """One container's log as ``kubectl cluster-info dump`` writes it between markers."""

    namespace: str
    pod: str
    container: str
    lines: tuple[str, ...]


def dump_sections(lines: Iterable[str]) -> Iterator[DumpSection]:
    """Split a dump's ``logs.txt`` into per-container tails.

    Sections holding only kubectl's "Request log error" (a container that never started) are
    dropped: they are not a log.
    """
    current: tuple[str, str, str] | None = None
    kept: deque[str] = deque(maxlen=TAIL_LINES)
    for line in lines:
        if line.startswith(DUMP_START):
            current, kept = _parse_marker(line[len(DUMP_START) :]), deque(maxlen=TAIL_LINES)
        elif line.startswith(DUMP_END):
            if current is not None and not _only_errors(kept):
                yield DumpSection(*current, tail(kept))
            current = None
        elif current is not None:
            kept.append(line)


def _parse_marker(rest: str) -> tuple[str, str, str] | None:
    """``app of pod shop/web-1 ====`` → (namespace, pod, container)."""
    container, sep, where = rest.partition(" of pod ")
    namespace, slash, pod = where.removesuffix("\n").removesuffix(" ====").partition("/")
    if not sep or not slash:
        return None
    return namespace, pod, container


def _only_errors(lines: Iterable[str]) -> bool:
    return all(line.startswith(_DUMP_ERRORS) or not line.strip() for line in lines)
