"""The record store: create records and append sections, one git commit each, never rewriting.

Every write goes through ``RecordsRepo.update`` under the repository lock: the current file is
read, the step is checked against it (a callback that may refuse), the section is rendered
chained to the last one, and the commit names the actor. Two approvers acting at once are
serialised here, so the second one sees the first one's approval.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from kubemedic.adapters.records import CommitResult, RecordsRepo
from kubemedic.errors import InputError, RecordsError
from kubemedic.models.identity import Actor
from kubemedic.models.records import (
    Record,
    RecordKind,
    parse,
    render_header,
    render_section,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
READ_BATCH = 500
"""Records a cache reads with one git process: few processes, and never all the texts at once."""
Guard = Callable[[Record], None]
"""Checks the record as it is right before the append; raises to refuse (nothing is written)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One section to append: the event, the state it leads to (None for a note) and its data."""

    event: str
    state: str | None
    data: Mapping[str, Any]
    text: str


class RecordStore:
    """Records of one repository, read and appended through git."""

    def __init__(self, repo: RecordsRepo, cache: RecordCache | None = None) -> None:
        self.repo = repo
        self._cache = cache

    @classmethod
    def open(
        cls, root: Path, *, remote: str | None = None, cache: RecordCache | None = None
    ) -> RecordStore:
        """The records at ``root``; with ``cache``, listings reuse what it has parsed."""
        return cls(RecordsRepo.open(root, remote=remote), cache)

    def new_id(self, kind: RecordKind, now: datetime) -> str:
        while True:
            record_id = f"{kind.prefix}-{now:%Y%m%d}-{secrets.token_hex(3)}"
            if self.repo.read_text(path_of(record_id)) is None:
                return record_id

    def create(
        self,
        kind: RecordKind,
        record_id: str,
        header: Mapping[str, Any],
        *,
        title: str,
        intro: str,
        first: Step,
        actor: Actor,
        at: datetime,
        message: str,
    ) -> CommitResult:
        """Write a new record with its first section in one commit."""
        path = path_of(record_id)

        def write(current: str | None) -> str:
            if current is not None:
                raise RecordsError(f"record {record_id} already exists")
            text = render_header({"id": record_id, "kind": kind.value, **header}, title, intro)
            return text + _section(text, first, actor, at)

        return _pushed(self.repo.update(path, write, author=actor.author, message=message))

    def append(
        self,
        record_id: str,
        step: Step | Callable[[Record], Step],
        *,
        actor: Actor,
        at: datetime,
        message: str,
        guard: Guard | None = None,
        sign: bool = False,
    ) -> CommitResult:
        """Append one section; ``step`` may be computed from the record as it is then."""
        path = path_of(record_id)

        def write(current: str | None) -> str:
            if current is None:
                raise InputError(f"no record {record_id} in {self.repo.root}")
            record = parse(current, path)
            if guard is not None:
                guard(record)
            chosen = step(record) if callable(step) else step
            return current + _section(current, chosen, actor, at)

        return _pushed(
            self.repo.update(path, write, author=actor.author, message=message, sign=sign)
        )

    def load(self, record_id: str) -> Record:
        return self.read(record_id)[0]

    def read(self, record_id: str) -> tuple[Record, str]:
        """The record parsed, and its text (read once)."""
        path = path_of(record_id)
        text = self.repo.read_text(path)
        if text is None:
            raise InputError(
                f"no record {record_id} in {self.repo.root}",
                hint="kubemedic records list shows the records",
            )
        return parse(text, path), text

    def derived(self, record: Record, make: Callable[[Record], T]) -> T:
        """``make(record)``, remembered by the cache (if any) while the record is unchanged."""
        return make(record) if self._cache is None else self._cache.derived(record, make)

    def per_commit(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, remembered by the cache (if any) while HEAD stays on one commit.

        ``make`` may read only the records (``all``, ``derived``), so that one commit means one
        answer; ``key`` names what it computes.
        """
        return make() if self._cache is None else self._cache.per_commit(self.repo, key, make)

    def all(self, kind: RecordKind | None = None) -> Iterator[Record]:
        kinds = (kind,) if kind else tuple(RecordKind)
        for each in kinds:
            if self._cache is not None:
                yield from self._cache.records(self.repo, each.directory)
                continue
            for path in self.repo.files(each.directory):
                text = self.repo.read_text(path)
                if text is not None:
                    yield parse(text, path)


class RecordCache:
    """Parsed records kept between the requests of a long-running server.

    Listing 10,000 records by reading and parsing every file takes seconds; a server answers
    from what it parsed before. Every change to the records is a commit, so everything here is
    kept per commit of HEAD (read from the ref files, no git process): a folder's records, and
    what callers derive from all of them (``per_commit``: a sorted listing). When HEAD moves,
    the folder's tree at the new commit is listed with its blob ids and only the files whose
    blob changed are read (one git process per ``READ_BATCH``) and parsed again. Only the parse
    is kept, not the text. Shared by the server's threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._head: str | None = None
        self._listed: dict[str, tuple[Record, ...]] = {}
        self._per_commit: dict[Hashable, Any] = {}
        self._parsed: dict[str, tuple[str, Record]] = {}
        """path -> (blob id, record)"""
        self._derived: dict[tuple[str, str], tuple[Record, Any]] = {}

    def records(self, repo: RecordsRepo, directory: str) -> tuple[Record, ...]:
        """The records in ``directory`` as of HEAD now, in path order."""
        head = repo.head()
        with self._lock:
            self._move_to(head)
            found = self._listed.get(directory)
            if found is None:
                found = self._listed[directory] = self._read(repo, head, directory)
            return found

    def per_commit(self, repo: RecordsRepo, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` computed once while HEAD stays on one commit (``make`` reads only records)."""
        head = repo.head()
        with self._lock:
            self._move_to(head)
            if key in self._per_commit:
                known: T = self._per_commit[key]
                return known
        value = make()  # outside the lock: make lists records, which takes it
        with self._lock:
            if self._head == head:
                self._per_commit.setdefault(key, value)
        return value

    def derived(self, record: Record, make: Callable[[Record], T]) -> T:
        """``make(record)`` computed once per parsed record (``make`` must not depend on more)."""
        key = (record.path, make.__qualname__)
        known = self._derived.get(key)
        if known is None or known[0] is not record:
            known = self._derived[key] = (record, make(record))
        value: T = known[1]
        return value

    def _move_to(self, head: str | None) -> None:
        if head != self._head:
            self._head = head
            self._listed.clear()
            self._per_commit.clear()

    def _read(self, repo: RecordsRepo, head: str | None, directory: str) -> tuple[Record, ...]:
        if head is None:
            return ()
        blobs = {p: blob for p, blob in repo.blobs(head, directory).items() if p.endswith(".md")}
        for gone in [p for p in self._parsed if _in(p, directory) and p not in blobs]:
            del self._parsed[gone]
        changed = [p for p, blob in blobs.items() if self._blob_of(p) != blob]
        for start in range(0, len(changed), READ_BATCH):
            batch = changed[start : start + READ_BATCH]
            texts = repo.blob_texts(blobs[path] for path in batch)  # by id: no tree walks
            for path in batch:
                text = texts[blobs[path]]
                if text is not None:
                    self._parsed[path] = (blobs[path], parse(text, path))
        return tuple(self._parsed[p][1] for p in blobs if p in self._parsed)

    def _blob_of(self, path: str) -> str | None:
        known = self._parsed.get(path)
        return None if known is None else known[0]


def _in(path: str, directory: str) -> bool:
    return path.startswith(directory.removesuffix("/") + "/")


def _pushed(result: CommitResult) -> CommitResult:
    """Say when a commit stayed local: the remote is the copy others audit."""
    if result.push_error:
        log.warning("the record was committed but not pushed: %s", result.push_error)
    return result


def path_of(record_id: str) -> str:
    """``operations/OP-20261206-a1b2c3.md`` for an id (refusing ids that are not record ids)."""
    prefix, _, rest = record_id.partition("-")
    for kind in RecordKind:
        if kind.prefix == prefix.upper() and rest and all(c.isalnum() or c == "-" for c in rest):
            return f"{kind.directory}/{prefix.upper()}-{rest}.md"
    raise InputError(
        f"{record_id!r} is not a record id (like OP-20261206-a1b2c3, INC-..., RPT-...)"
    )


def _section(text: str, step: Step, actor: Actor, at: datetime) -> str:
    return render_section(
        text,
        event=step.event,
        at=at,
        actor=actor.author,
        state=step.state,
        data=step.data,
        text=step.text,
    )
