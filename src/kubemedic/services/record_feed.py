"""Which incident and operation records changed, for the server's live event stream.

Every change to the records is a commit, so a subscriber only needs to know when HEAD moves.
One feed per server polls HEAD at most every ``min_interval`` seconds whoever asks; when it
moved, it lists the records again (through the server's record cache, which parses only the
files that changed) and keeps what differs from the last listing — a new record, or one with
a new section — as numbered changes. Each subscriber holds a cursor and asks for the changes
after it, so a hundred open dashboards cost one ``git rev-parse`` per interval.

Each event carries an id: the commit after which a client has seen everything, so a client
that reconnects with it (``Last-Event-ID``) is sent what it missed (``missed``), found from the
repository's history rather than from this process's memory: any replica, even one started
since, can answer. The last event of a batch names the commit the batch was seen at; the ones
before it name the commit before, so a client cut off inside a batch gets the whole batch again
rather than losing part of it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kubemedic._internal.timeutils import format_time
from kubemedic.models.records import Record, RecordKind, parse
from kubemedic.services.records import RecordStore

WATCHED = (RecordKind.INCIDENT, RecordKind.OPERATION)
KEPT_CHANGES = 1000
"""Changes remembered for subscribers that fall behind (older ones are dropped)."""
REPLAY_LIMIT = 200
"""At most this many records are sent again to a client that reconnects; past it, and for a
commit this repository's history does not hold, the client is told to reload instead."""
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


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


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """A change as the stream sends it: with the id a client resumes from (None before the
    repository's first commit)."""

    change: RecordChange
    resume_id: str | None


@dataclass(frozen=True, slots=True)
class Subscription:
    """Where a subscriber starts: its cursor, and the commit the records were at then."""

    cursor: int
    head: str | None


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
        self._changes: deque[tuple[int, FeedEvent]] = deque(maxlen=KEPT_CHANGES)
        self._subscribers = 0

    @property
    def subscribers(self) -> int:
        """How many streams are open on this feed now."""
        return self._subscribers

    def subscribe(self) -> Subscription:
        """Count one more subscriber; where it starts: ``since`` its cursor answers what
        changes after the records as they are now."""
        with self._lock:
            self._refresh()
            self._subscribers += 1
            return Subscription(self._version, self._head)

    def unsubscribe(self) -> None:
        with self._lock:
            self._subscribers -= 1

    def since(self, cursor: int) -> tuple[int, tuple[FeedEvent, ...]]:
        """The changes after ``cursor``, oldest first, and the cursor to ask with next."""
        with self._lock:
            self._refresh()
            news = tuple(event for version, event in self._changes if version > cursor)
            return self._version, news

    def missed(self, since: str, until: str | None) -> tuple[FeedEvent, ...] | None:
        """What changed after commit ``since`` up to ``until`` (a subscription's head): each
        record that appeared or gained a section once, as it is at ``until``, oldest first.
        None when ``since`` is not a commit in ``until``'s history or more than
        ``REPLAY_LIMIT`` records changed: the client should reload instead."""
        if since == until:
            return ()
        repo = self._store.repo
        if until is None or not _COMMIT_ID.fullmatch(since) or not repo.is_ancestor(since, until):
            return None
        directories = [kind.directory for kind in WATCHED]
        before = repo.blobs(since, *directories)
        changed = {
            path: blob
            for path, blob in repo.blobs(until, *directories).items()
            if path.endswith(".md") and before.get(path) != blob
        }
        if len(changed) > REPLAY_LIMIT:
            return None
        texts = repo.blob_texts(changed.values())  # by content id: no tree walk per path
        records = [
            parse(text, path)
            for path, blob in changed.items()
            if (text := texts.get(blob)) is not None
        ]
        return _events(records, since, until)

    def _refresh(self) -> None:
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self._min_interval:
            return
        self._checked_at = now
        repo = self._store.repo
        head = repo.head()
        if self._marks is not None and head == self._head:
            return
        current = [record for kind in WATCHED for record in self._store.all(kind)]
        if repo.head() != head:  # moved while listing: the listing may be of either commit
            self._checked_at = None
            return
        marks = {record.id: _mark(record) for record in current}
        if self._marks is not None:
            before = self._marks
            changed = [r for r in current if before.get(r.id) != marks[r.id]]
            if changed:
                self._version += 1
                self._changes.extend(
                    (self._version, event) for event in _events(changed, self._head, head)
                )
        self._head = head
        self._marks = marks


def _events(records: list[Record], before: str | None, at: str | None) -> tuple[FeedEvent, ...]:
    """The events of ``records``, changed between commits ``before`` and ``at``, oldest first:
    the last resumes from ``at``, the others from ``before``."""
    ordered = sorted(records, key=lambda r: (_latest(r), r.id))
    return tuple(
        FeedEvent(_change(r), at if number == len(ordered) else before)
        for number, r in enumerate(ordered, 1)
    )


def _mark(record: Record) -> tuple[str, int]:
    """What tells a changed record from the same one: records only ever gain sections."""
    return record.state, len(record.sections)


def _latest(record: Record) -> str:
    return format_time(record.sections[-1].at if record.sections else record.created_at)


def _change(record: Record) -> RecordChange:
    return RecordChange(record.id, record.kind.value, record.state, _latest(record))
