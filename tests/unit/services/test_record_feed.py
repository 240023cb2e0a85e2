"""The server's record feed on a real git repository: each subscriber sees every new record and
every new section once, in order, from its own cursor; HEAD is looked at no more often than the
feed's interval, whoever asks; a client that comes back with an event's id is given what changed
since, from the repository's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.models.identity import SYSTEM
from kubemedic.models.records import RecordKind
from kubemedic.services import record_feed
from kubemedic.services.record_feed import RecordFeed
from kubemedic.services.records import RecordCache, RecordStore, Step

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def _open(store: RecordStore, number: int, kind: RecordKind = RecordKind.INCIDENT) -> str:
    record_id = f"{kind.prefix}-20261207-{number:06x}"
    store.create(
        kind,
        record_id,
        {"created_at": AT.isoformat()},
        title=f"Record {number}",
        intro="Written by the test.",
        first=Step("opened", "open", {}, "Opened."),
        actor=SYSTEM,
        at=AT,
        message=f"{record_id}: opened",
    )
    return record_id


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore.open(tmp_path / "records", cache=RecordCache())


def test_each_subscriber_sees_new_records_and_new_sections_once_from_its_cursor(
    store: RecordStore,
) -> None:
    existing = _open(store, 1)
    clock = Clock()
    feed = RecordFeed(store, min_interval=1.0, clock=clock)
    early = feed.subscribe().cursor
    assert feed.since(early) == (early, ())  # what was there before is not news

    added = _open(store, 2)
    clock.now += 1
    late = feed.subscribe().cursor
    closed = Step("closed", "closed", {}, "Closed.")
    store.append(existing, closed, actor=SYSTEM, at=AT + timedelta(minutes=5), message="closed")
    _open(store, 3, RecordKind.REPORT)  # reports are not streamed
    clock.now += 1
    cursor, changes = feed.since(early)
    assert [event.change.to_data() for event in changes] == [
        {"id": added, "kind": "incident", "state": "open", "at": "2026-12-07T09:00:00Z"},
        {"id": existing, "kind": "incident", "state": "closed", "at": "2026-12-07T09:05:00Z"},
    ]
    assert [event.change.id for event in feed.since(late)[1]] == [existing]
    assert feed.since(cursor) == (cursor, ())
    assert feed.subscribers == 2
    feed.unsubscribe()
    assert feed.subscribers == 1


def test_head_is_looked_at_once_per_interval_whoever_asks(store: RecordStore) -> None:
    clock = Clock()
    feed = RecordFeed(store, min_interval=1.0, clock=clock)
    cursor = feed.subscribe().cursor
    added = _open(store, 1)
    assert feed.since(cursor) == (cursor, ())  # asked within the interval: not looked yet
    clock.now += 1
    assert [event.change.id for event in feed.since(cursor)[1]] == [added]


def test_events_resume_from_the_commit_after_which_the_client_has_seen_everything(
    store: RecordStore,
) -> None:
    clock = Clock()
    feed = RecordFeed(store, min_interval=1.0, clock=clock)
    before = feed.subscribe().head
    first, second = _open(store, 1), _open(store, 2)
    clock.now += 1
    _, events = feed.since(0)
    after = store.repo.head()
    assert [(e.change.id, e.resume_id) for e in events] == [(first, before), (second, after)]


def test_a_returning_client_is_given_each_record_changed_since_its_commit_once(
    store: RecordStore,
) -> None:
    existing = _open(store, 1)
    feed = RecordFeed(store)
    left_at = store.repo.head()
    assert left_at is not None
    added = _open(store, 2)
    later = AT + timedelta(minutes=5)
    store.append(existing, Step("noted", None, {}, "Noted."), actor=SYSTEM, at=later, message="n")
    store.append(existing, Step("closed", "closed", {}, "."), actor=SYSTEM, at=later, message="c")
    _open(store, 3, RecordKind.REPORT)
    now = feed.subscribe().head
    missed = feed.missed(left_at, now)
    assert missed is not None
    assert [(e.change.id, e.change.state) for e in missed] == [
        (added, "open"),
        (existing, "closed"),
    ]
    assert [e.resume_id for e in missed] == [left_at, now]
    assert feed.missed(now, now) == ()


def test_an_unknown_or_too_old_commit_asks_the_client_to_reload(
    store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(store, 1)
    left_at = store.repo.head()
    assert left_at is not None
    _open(store, 2)
    _open(store, 3)
    feed = RecordFeed(store)
    now = feed.subscribe().head
    for unknown in ("0" * 40, "HEAD~1", "--all", left_at[:12]):
        assert feed.missed(unknown, now) is None, unknown
    assert feed.missed(now, left_at) is None, "a later commit is not in an earlier's history"
    monkeypatch.setattr(record_feed, "REPLAY_LIMIT", 1)
    assert feed.missed(left_at, now) is None
