"""A server's record cache on a real git repository: whatever moves HEAD (a kubemedic commit, a
commit on another branch, switching branches, ``git gc`` packing the refs) is seen by the next
listing, and a record nobody changed is not parsed again."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from kubemedic.models.policy import Policy
from kubemedic.models.records import RecordKind
from kubemedic.services.records import RecordCache, RecordStore
from kubemedic.services.server_views import record_document, record_rows, record_rows_json
from kubemedic.services.workspace import Workspace
from tests.records.conftest import close_incident, git, open_incident


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore.open(tmp_path / "records", cache=RecordCache())


def _states(store: RecordStore) -> dict[str, str]:
    ws = Workspace(store=store, policy=Policy())
    return {row["id"]: row["state"] for row in record_rows(ws, RecordKind.INCIDENT, None)}


def test_a_commit_is_seen_by_the_next_listing_and_unchanged_records_are_not_parsed_again(
    store: RecordStore,
) -> None:
    first, second = open_incident(store, 1), open_incident(store, 2)
    before = {r.id: r for r in store.all(RecordKind.INCIDENT)}
    assert _states(store) == {second: "open", first: "open"}
    close_incident(store, first)
    assert _states(store) == {second: "open", first: "closed"}
    after = {r.id: r for r in store.all(RecordKind.INCIDENT)}
    assert after[first].state == "closed"
    assert after[second] is before[second]
    third = open_incident(store, 3)
    ws = Workspace(store=store, policy=Policy())
    assert [row["id"] for row in record_rows(ws, RecordKind.INCIDENT, "open")] == [third, second]


def test_commits_on_another_branch_and_switching_back_move_the_listing(
    store: RecordStore,
) -> None:
    root = store.repo.root
    first = open_incident(store, 1)
    assert _states(store) == {first: "open"}
    git(root, "switch", "--quiet", "-c", "elsewhere")
    (root / "incidents" / f"{first}.md").unlink()
    git(root, "commit", "--quiet", "-am", "removed on another branch")
    assert _states(store) == {}
    git(root, "switch", "--quiet", "main")
    assert _states(store) == {first: "open"}


def test_refs_packed_by_git_gc_are_read_and_later_commits_still_seen(store: RecordStore) -> None:
    root = store.repo.root
    first = open_incident(store, 1)
    assert _states(store) == {first: "open"}
    git(root, "gc", "--quiet")
    assert not (root / ".git" / "refs" / "heads" / "main").exists()
    assert " refs/heads/main" in (root / ".git" / "packed-refs").read_text()
    assert store.repo.head() == git(root, "rev-parse", "HEAD").strip()
    assert _states(store) == {first: "open"}
    close_incident(store, first)
    assert _states(store) == {first: "closed"}
    git(root, "pack-refs", "--all")
    second = open_incident(store, 2)
    assert _states(store) == {second: "open", first: "closed"}


def test_the_json_listing_and_a_records_document_follow_the_commits(store: RecordStore) -> None:
    ws = Workspace(store=store, policy=Policy())
    first = open_incident(store, 1)
    listed = record_rows_json(ws, RecordKind.INCIDENT, "open")
    assert orjson.loads(listed) == orjson.loads(
        orjson.dumps(record_rows(ws, RecordKind.INCIDENT, "open"), default=str)
    )
    assert [row["id"] for row in orjson.loads(listed)] == [first]
    close_incident(store, first)
    assert orjson.loads(record_rows_json(ws, RecordKind.INCIDENT, "open")) == []
    document = record_document(ws, first)
    assert [s["event"] for s in document["sections"]] == ["opened", "closed"]
    assert document["state"] == "closed"
    assert document["markdown"] == (store.repo.root / "incidents" / f"{first}.md").read_text()
