"""Which incident and operation records changed, for the server's live event stream.

Every change to the records is a commit, so a subscriber only needs to know when HEAD moves.
One feed per server polls HEAD at most every ``min_interval`` seconds whoever asks; when it
moved, it lists the records again (through the server's record cache, which parses only the
files that changed) and keeps what differs from the last listing — a new record, or one with
a new section — as numbered changes. Each subscriber holds a cursor and asks for the changes
after it, so a hundred open dashboards cost one ``git rev-parse`` per interval.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kubemedic._internal.timeutils import format_time
from kubemedic.models.records import Record, RecordKind
from kubemedic.services.records import RecordStore

WATCHED = (RecordKind.INCIDENT, RecordKind.OPERATION)
KEPT_CHANGES = 1000
"""Changes remembered for subscribers that fall behind (older ones are dropped)."""


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record that appeared or gained a section: its id, kind, state and when."""

    id: str
    kind: str
    state: str
    at: str
    """The time of its latest section (RFC 3339, UTC)."""

    def to_data(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "at": self.at}


class RecordFeed:
    """Changes to incident and operation records, found by polling HEAD; thread-safe."""

    def __init__(
        self,
        store: RecordStore,
        *,
        min_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._head: str | None = None
        self._marks: dict[str, tuple[str, int]] | None = None
        self._version = 0
        self._changes: deque[tuple[int, RecordChange]] = deque(maxlen=KEPT_CHANGES)
        self._subscribers = 0

    @property
    def subscribers(self) -> int:
        """How many streams are open on this feed now."""
        return self._subscribers

    def subscribe(self) -> int:
        """Count one more subscriber; returns its cursor (see ``cursor``)."""
        cursor = self.cursor()
        with self._lock:
            self._subscribers += 1
        return cursor

    def unsubscribe(self) -> None:
        with self._lock:
            self._subscribers -= 1

    def cursor(self) -> int:
        """A cursor at the records as they are now: ``since`` answers what changes after."""
        with self._lock:
            self._refresh()
            return self._version

    def since(self, cursor: int) -> tuple[int, tuple[RecordChange, ...]]:
        """The changes after ``cursor``, oldest first, and the cursor to ask with next."""
        with self._lock:
            self._refresh()
            news = tuple(change for version, change in self._changes if version > cursor)
            return self._version, news

    def _refresh(self) -> None:
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self._min_interval:
            return
        self._checked_at = now
        head = self._store.repo.head()
        if self._marks is not None and head == self._head:
            return
        self._head = head
        current = [record for kind in WATCHED for record in self._store.all(kind)]
        marks = {record.id: _mark(record) for record in current}
        if self._marks is not None:
            before = self._marks
            changed = [r for r in current if before.get(r.id) != marks[r.id]]
            if changed:
                self._version += 1
                changed.sort(key=lambda r: (_latest(r), r.id))
                self._changes.extend((self._version, _change(r)) for r in changed)
        self._marks = marks


def _mark(record: Record) -> tuple[str, int]:
    """What tells a changed record from the same one: records only ever gain sections."""
    return record.state, len(record.sections)


def _latest(record: Record) -> str:
    return format_time(record.sections[-1].at if record.sections else record.created_at)


def _change(record: Record) -> RecordChange:
    return RecordChange(record.id, record.kind.value, record.state, _latest(record))
