"""The simulation's one work loop: keys to reconcile now, and timers in cluster time.

Controllers, the scheduler and the kubelet never poll. Store changes enqueue the keys they
affect, and a handler that wants to look again later (a back-off ending, a probe period, a
progress deadline) asks for a timer. One thread drains the queue, so handlers never race each
other, and an idle sandbox sleeps until its next timer.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from kubemedic.sandbox.clock import SimClock

log = logging.getLogger(__name__)

Handler = Callable[[str], None]


class WorkQueue:
    """Deduplicated work items ``(handler, key)`` plus timers, run by one background thread."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        self._ready: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._timers: list[tuple[float, int, str, str]] = []
        self._next_timer: dict[tuple[str, str], float] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def register(self, name: str, handler: Handler) -> None:
        self._handlers[name] = handler

    def add(self, name: str, key: str) -> None:
        with self._cond:
            self._ready[(name, key)] = None
            self._cond.notify()

    def add_after(self, name: str, key: str, seconds: float) -> None:
        """Run ``name`` for ``key`` once ``seconds`` of cluster time have passed."""
        due = self._clock.elapsed() + max(seconds, 0.0)
        with self._cond:
            pending = self._next_timer.get((name, key))
            if pending is not None and pending <= due:
                return
            self._next_timer[(name, key)] = due
            heapq.heappush(self._timers, (due, next(self._seq), name, key))
            self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._ready.clear()
            self._timers.clear()
            self._next_timer.clear()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-simulation", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def _take(self) -> tuple[str, str] | None:
        with self._cond:
            while not self._stopping:
                now = self._clock.elapsed()
                while self._timers and self._timers[0][0] <= now:
                    due, _, name, key = heapq.heappop(self._timers)
                    if self._next_timer.get((name, key)) == due:
                        del self._next_timer[(name, key)]
                    self._ready[(name, key)] = None
                if self._ready:
                    return self._ready.popitem(last=False)[0]
                timeout = None
                if self._timers:
                    timeout = self._clock.real_seconds(self._timers[0][0] - now) + 0.0005
                self._cond.wait(timeout)
            return None

    def _run(self) -> None:
        while True:
            item = self._take()
            if item is None:
                return
            name, key = item
            try:
                self._handlers[name](key)
            except Exception:  # one failing reconcile must not stop the simulation
                log.exception("sandbox %s failed for %s; retrying", name, key)
                self.add_after(name, key, 5.0)
