"""What a termination record says about how a process ended: exit code, signal, run time.

Exit codes carry meaning beyond "non-zero": 126 and 127 come from the shell, 128 from the
runtime, 128+n from signal n (137 SIGKILL, 139 SIGSEGV, 143 SIGTERM). Naming that meaning in
the finding is the first step from "CrashLoopBackOff" to a cause.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kubemedic.models.k8s import TerminatedState

RUNTIME_REASONS = frozenset({"StartError", "ContainerCannotRun", "RunContainerError"})
"""Reasons meaning the runtime could not start the process; their message is the runtime's."""

SIGKILL_EXIT = 128 + 9
SIGTERM_EXIT = 128 + 15

_SIGNALS: dict[int, tuple[str, str]] = {
    1: ("SIGHUP", "hang-up"),
    2: ("SIGINT", "interrupted"),
    3: ("SIGQUIT", "quit with a core dump"),
    4: ("SIGILL", "illegal instruction: a binary built for a newer or different CPU"),
    6: (
        "SIGABRT",
        "aborted: a failed assertion, a runtime abort or heap exhaustion (Node.js "
        "'Reached heap limit', glibc 'double free')",
    ),
    7: ("SIGBUS", "bus error: a bad memory access, often a truncated memory-mapped file"),
    8: ("SIGFPE", "arithmetic error such as a division by zero in native code"),
    9: (
        "SIGKILL",
        "killed from outside the container, not by its memory limit (the reason is not "
        "OOMKilled): the kubelet after the termination grace period, the node's OOM killer or an "
        "eviction",
    ),
    11: ("SIGSEGV", "segmentation fault in native code: a library/libc mismatch or a native bug"),
    13: ("SIGPIPE", "wrote to a closed pipe or socket"),
    15: ("SIGTERM", "asked to stop: a deletion, rollout, drain or probe kill it obeyed"),
}

_EXIT_CODES: dict[int, str] = {
    0: "exit 0: the process finished successfully",
    1: "exit 1: a generic application error",
    2: "exit 2: invalid usage or arguments (also how a Go panic exits)",
    78: "exit 78: a configuration error (EX_CONFIG; Elasticsearch's failed bootstrap checks)",
    126: "exit 126: the command was found but could not be executed",
    127: "exit 127: the command was not found",
    255: "exit 255: a fatal error with an out-of-range exit status",
}


def exit_meaning(code: int, reason: str = "") -> str:
    """What an exit code says, e.g. ``exit 139: SIGSEGV — segmentation fault ...``."""
    if code == 128 and reason in RUNTIME_REASONS:
        return "exit 128: the container runtime could not start the process"
    if code in _EXIT_CODES:
        return _EXIT_CODES[code]
    if 128 < code < 128 + 65:
        name, meaning = _SIGNALS.get(code - 128, (f"signal {code - 128}", "killed by a signal"))
        return f"exit {code}: {name} — {meaning}"
    return f"exit {code}: a failure code chosen by the application"


EPOCH_YEAR = 2000
"""Runtimes that never started a process report ``startedAt: 1970-01-01T00:00:00Z``."""


def ran_for(term: TerminatedState | None) -> float | None:
    """Seconds the instance ran; None when unknown or when it never started."""
    if term is None or term.started_at is None or term.started_at.year < EPOCH_YEAR:
        return None
    seconds = term.run_seconds
    return seconds if seconds is not None and seconds >= 0 else None


_SLACK = timedelta(seconds=2)
"""Events and statuses are stamped to the second, by different components."""


def during_instance(first: datetime | None, last: datetime | None, term: TerminatedState) -> bool:
    """True when something seen from ``first`` to ``last`` happened while the instance lived.

    Unknown times count as overlapping: without them the event cannot be placed elsewhere.
    """
    if first is None or last is None or term.finished_at is None:
        return True
    started = term.started_at or term.finished_at
    return first <= term.finished_at + _SLACK and last >= started - _SLACK
