"""Simulated time: the sandbox's clock runs ``time_scale`` times faster than the wall clock.

Every timing in the simulation (probe periods, back-off, progress deadlines, memory growth)
is written in cluster seconds and read through this clock, so ``--time-scale 10`` makes a
5-minute CrashLoopBackOff back-off last 30 real seconds without changing any other number.
A fast clock soon runs ahead of the wall clock; ``lead`` says by how much, so that the API can
serve its timestamps shifted back (``served_time``) and no client sees one in its future.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """A monotonic cluster clock that starts at the wall-clock time and runs scaled."""

    def __init__(self, time_scale: float = 1.0, *, start: datetime | None = None) -> None:
        if time_scale <= 0:
            raise ValueError(f"time scale must be positive, got {time_scale}")
        self.time_scale = time_scale
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._real_origin = time.monotonic()

    def now(self) -> datetime:
        """The current cluster time (UTC)."""
        return self._origin + timedelta(seconds=self.elapsed())

    def elapsed(self) -> float:
        """Cluster seconds since the clock started."""
        return (time.monotonic() - self._real_origin) * self.time_scale

    def lead(self) -> int:
        """Whole seconds the cluster clock is ahead of the wall clock now (0 when it is not)."""
        ahead = (self.now() - datetime.now(UTC)).total_seconds()
        return math.ceil(ahead) if ahead > 0 else 0

    def real_seconds(self, cluster_seconds: float) -> float:
        """How many wall-clock seconds ``cluster_seconds`` take."""
        return max(cluster_seconds, 0.0) / self.time_scale

    def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds`` of cluster time."""
        time.sleep(self.real_seconds(seconds))
