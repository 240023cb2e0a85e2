"""What a simulated container process does over its life, decided once when it starts.

The shell interpreter and the program catalog turn a command line into a ``Process``: the log
lines it writes and when, whether and how it exits, what it serves on which port, and how much
CPU and memory it uses. The kubelet then only has to read the plan against the clock, which
keeps an idle sandbox idle: nothing is polled, the next interesting moment is computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MiB = 2**20


@dataclass(frozen=True, slots=True)
class Listener:
    """One listening port. HTTP listeners answer ``routes`` (path → status), others 404."""

    http: bool = True
    routes: Mapping[str, int] = field(default_factory=dict)
    # After this many seconds of life every route answers ``failing_status`` (a process that
    # goes bad, like agnhost's ``liveness`` mode).
    failing_after: float | None = None
    failing_status: int = 500

    def status(self, path: str, age: float) -> int:
        if self.failing_after is not None and age >= self.failing_after:
            return self.failing_status
        if path in self.routes:
            return self.routes[path]
        return self.routes.get("*", 404)


@dataclass(frozen=True, slots=True)
class Usage:
    """The resource and traffic profile of a running process.

    ``memory_growth`` is unbounded growth (a leak, or ``tail /dev/zero``); the kubelet turns
    it into an OOM kill or node pressure. Traffic numbers feed the application metrics.
    """

    cpu_cores: float = 0.002
    memory_bytes: float = 2 * MiB
    memory_growth: float = 0.0
    requests_per_second: float = 0.0
    cpu_per_request: float = 0.0
    error_ratio: float = 0.0
    latency_seconds: float = 0.02

    def memory_at(self, age: float, ramp: float) -> float:
        """Working set ``age`` seconds after start, ramping up over ``ramp`` seconds."""
        warm = 1.0 if ramp <= 0 else min(max(age, 0.0) / ramp, 1.0)
        return self.memory_bytes * (0.3 + 0.7 * warm) + self.memory_growth * max(age, 0.0)


@dataclass(frozen=True, slots=True)
class Foreground:
    """A process that does not exit by itself: a server, an idle loop, a memory hog."""

    listeners: Mapping[int, Listener] = field(default_factory=dict)
    ready_after: float = 0.0  # seconds after the foreground starts until ports accept
    repeat_every: float | None = None  # a ``while true`` loop printing ``repeat_lines``
    repeat_lines: tuple[str, ...] = ()
    stop_exit_code: int = 143  # how it ends on SIGTERM (nginx exits 0 on its stop signal)


@dataclass(frozen=True, slots=True)
class Process:
    """The whole life of one container instance, in seconds from its start."""

    lines: tuple[tuple[float, str], ...] = ()
    exit_at: float | None = 0.0  # None: runs until killed
    exit_code: int = 0
    foreground: Foreground | None = None
    foreground_from: float = 0.0
    usage: Usage = field(default_factory=Usage)
    ramp_seconds: float = 1.0
    # (offset, path, exists): files the process creates or removes (exec probes read them).
    file_changes: tuple[tuple[float, str, bool], ...] = ()
    # A failure to start at all (the OCI runtime's message, reason StartError, exit 128).
    start_error: str | None = None

    @property
    def runs_forever(self) -> bool:
        return self.exit_at is None

    def listener(self, port: int, age: float) -> Listener | None:
        """The listener on ``port`` at ``age`` seconds, None while nothing accepts there."""
        if self.foreground is None:
            return None
        if age < self.foreground_from + self.foreground.ready_after:
            return None
        if self.exit_at is not None and age >= self.exit_at:
            return None
        return self.foreground.listeners.get(port)

    def file_exists(self, path: str, age: float, initial: frozenset[str]) -> bool:
        exists = path in initial
        for offset, changed, now_exists in self.file_changes:
            if offset <= age and changed == path:
                exists = now_exists
        return exists

    def lines_until(self, age: float, limit: int = 2000) -> list[tuple[float, str]]:
        """Log lines written by ``age`` seconds (a ``while true`` loop is expanded lazily)."""
        out = [(offset, text) for offset, text in self.lines if offset <= age]
        fg = self.foreground
        if fg is not None and fg.repeat_every and fg.repeat_lines:
            start = self.foreground_from
            ticks = int((age - start) / fg.repeat_every) + 1 if age >= start else 0
            first = max(0, ticks - limit)
            for tick in range(first, ticks):
                at = start + tick * fg.repeat_every
                out.extend((at, text) for text in fg.repeat_lines)
        return out[-limit:]

    def change_times(self) -> tuple[float, ...]:
        """Moments (seconds from start) when probe answers may change."""
        times = {offset for offset, _, _ in self.file_changes}
        if self.foreground is not None:
            times.add(self.foreground_from + self.foreground.ready_after)
            times.update(
                self.foreground_from + lst.failing_after
                for lst in self.foreground.listeners.values()
                if lst.failing_after is not None
            )
        if self.exit_at is not None:
            times.add(self.exit_at)
        return tuple(sorted(times))


@dataclass(frozen=True, slots=True)
class Step:
    """What one command of a script did: output, time taken, exit status, or no return."""

    lines: tuple[tuple[float, str], ...] = ()
    duration: float = 0.0
    status: int = 0
    foreground: Foreground | None = None
    usage: Usage | None = None
    ramp_seconds: float = 1.0
    file_changes: tuple[tuple[float, str, bool], ...] = ()
    start_error: str | None = None

    @classmethod
    def say(cls, *lines: str, status: int = 0, duration: float = 0.0) -> Step:
        return cls(lines=tuple((0.0, line) for line in lines), status=status, duration=duration)


def log_lines(events: Sequence[tuple[float, int, str]]) -> tuple[tuple[float, str], ...]:
    """A container log: each stream's text cut into lines, dated by when each line began."""
    pending: dict[int, tuple[float, str]] = {}
    lines: list[tuple[float, str]] = []
    for at, stream, text in events:
        start, buffered = pending.get(stream, (at, ""))
        buffered += text
        *complete, rest = buffered.split("\n")
        for line in complete:
            lines.append((start, line))
            start = at
        if rest:
            pending[stream] = (start, rest)
        else:
            pending.pop(stream, None)
    lines.extend((start, rest) for start, rest in pending.values())
    return tuple(sorted(lines, key=lambda line: line[0]))
