"""The server's record feed on a real git repository: each subscriber sees every new record and
every new section once, in order, from its own cursor; HEAD is looked at no more often than the
feed's interval, whoever asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.models.identity import SYSTEM
from kubemedic.models.records import RecordKind
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
    early = feed.subscribe()
    assert feed.since(early) == (early, ())  # what was there before is not news

    added = _open(store, 2)
    clock.now += 1
    late = feed.subscribe()
    closed = Step("closed", "closed", {}, "Closed.")
    store.append(existing, closed, actor=SYSTEM, at=AT + timedelta(minutes=5), message="closed")
    _open(store, 3, RecordKind.REPORT)  # reports are not streamed
    clock.now += 1
    cursor, changes = feed.since(early)
    assert [change.to_data() for change in changes] == [
        {"id": added, "kind": "incident", "state": "open", "at": "2026-12-07T09:00:00Z"},
        {"id": existing, "kind": "incident", "state": "closed", "at": "2026-12-07T09:05:00Z"},
    ]
    assert [change.id for change in feed.since(late)[1]] == [existing]
    assert feed.since(cursor) == (cursor, ())
    assert feed.subscribers == 2
    feed.unsubscribe()
    assert feed.subscribers == 1


def test_head_is_looked_at_once_per_interval_whoever_asks(store: RecordStore) -> None:
    clock = Clock()
    feed = RecordFeed(store, min_interval=1.0, clock=clock)
    cursor = feed.subscribe()
    added = _open(store, 1)
    assert feed.since(cursor) == (cursor, ())  # asked within the interval: not looked yet
    clock.now += 1
    assert [change.id for change in feed.since(cursor)[1]] == [added]
