"""Watches on the store: the change records they replay and the per-client event queues.

Each committed change becomes a ``Change`` (the new and the previous stored object); a
``Watch`` filters changes by namespace and selectors, turns "stopped matching" into DELETED and
"started matching" into ADDED as the API server does, and queues them for its client.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from kubemedic.sandbox.resources import ResourceType
from kubemedic.sandbox.selectors import FieldSelector, LabelSelector

log = logging.getLogger(__name__)

Obj = dict[str, Any]
_WATCH_BACKLOG_LIMIT = 100_000


class Entry:
    """A committed object: never mutated, with its JSON encoding for cheap copies."""

    __slots__ = ("obj", "raw")

    def __init__(self, obj: Obj) -> None:
        self.obj = obj
        self.raw: bytes = orjson.dumps(obj)

    def copy(self) -> Obj:
        result: Obj = orjson.loads(self.raw)
        return result


@dataclass(frozen=True, slots=True)
class Change:
    rv: int
    type: str
    kind: str
    new: Entry
    old: Entry | None


Changes = list[Change]


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One event of a watch; ``raw`` is the object's JSON, as streamed to clients."""

    type: str
    raw: bytes

    @property
    def object(self) -> Obj:
        result: Obj = orjson.loads(self.raw)
        return result


class Watch:
    """A stream of changes to one kind; iterate for ``(type, object)``, ``close()`` to end it."""

    def __init__(
        self,
        resource: ResourceType,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        *,
        on_close: Callable[[Watch], None],
    ) -> None:
        self._on_close = on_close
        self.resource = resource
        self._namespace = namespace if resource.namespaced else None
        self._labels = labels
        self._fields = fields
        self._queue: queue.SimpleQueue[WatchEvent | None] = queue.SimpleQueue()
        self.closed = False

    def matches(self, obj: Obj) -> bool:
        meta = obj["metadata"]
        if self._namespace and meta.get("namespace") != self._namespace:
            return False
        return self._labels.matches(meta.get("labels")) and self._fields.matches(obj)

    def offer(self, change: Change) -> None:
        """Queue ``change`` as this watch sees it (called under the store lock)."""
        if self.closed or change.kind != self.resource.kind:
            return
        now_matches = self.matches(change.new.obj)
        if change.type != "MODIFIED" or change.old is None:
            if now_matches:
                self.push(change.type, change.new)
            return
        before = self.matches(change.old.obj)
        if before and now_matches:
            self.push("MODIFIED", change.new)
        elif now_matches:
            self.push("ADDED", change.new)
        elif before:
            self.push("DELETED", change.new)

    def push(self, event_type: str, entry: Entry) -> None:
        if self._queue.qsize() > _WATCH_BACKLOG_LIMIT:
            log.warning("closing a %s watch that fell too far behind", self.resource.plural)
            self.close()
            return
        self._queue.put(WatchEvent(event_type, entry.raw))

    def poll(self, timeout: float | None = None) -> WatchEvent | None:
        """The next event, or None after ``timeout`` seconds or once the watch is closed."""
        if self.closed and self._queue.empty():
            return None
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is None:
            self.closed = True
        return event

    def __iter__(self) -> Iterator[tuple[str, Obj]]:
        while True:
            event = self.poll()
            if event is None:
                return
            yield event.type, event.object

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put(None)
            self._on_close(self)
