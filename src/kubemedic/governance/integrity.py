"""Is the audit trail intact? Hash chains, append-only history, witnessed commits, signatures.

Three layers catch three kinds of tampering: the hash chain inside each file shows a section
edited after later ones were written; the git history shows any commit that changed a record
other than by appending whole sections, or deleted one; the witness (commits kubemedic made,
kept outside history) shows a history rewritten as a whole. With an ``allowed_signers`` file,
every commit that adds an approval or rejection must carry a good SSH signature. Pure: the
caller hands in the history and a way to read files at commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from kubemedic.errors import RecordsError
from kubemedic.models.identity import Author
from kubemedic.models.records import SENTINEL, Record, Section, parse, sections_of, sha256

DECISION_EVENTS = frozenset({"approved", "approval-added", "rejected"})
RECORD_DIRS = ("incidents/", "operations/", "reports/")


class Change(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def path(self) -> str: ...


class Commit(Protocol):
    @property
    def sha(self) -> str: ...
    @property
    def parents(self) -> tuple[str, ...]: ...
    @property
    def author(self) -> Author: ...
    @property
    def changes(self) -> Sequence[Change]: ...


@dataclass(frozen=True, slots=True)
class Problem:
    record: str
    """The record's path (or ``history`` for the repository as a whole)."""
    commit: str | None
    message: str

    def __str__(self) -> str:
        where = f" (commit {self.commit[:12]})" if self.commit else ""
        return f"{self.record}{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class TrailFacts:
    """What verification needs from the repository."""

    history: Sequence[Commit]
    show: Callable[[str, str], str | None]
    """Content of a path at a commit (None when absent)."""
    current: Mapping[str, str | None]
    """Every record path ever seen, with its content in the working tree now."""
    witnessed: Sequence[str]
    is_ancestor: Callable[[str], bool]
    head: str | None = None
    signature: Callable[[str], tuple[str, str]] | None = None
    """(status, detail) of a commit's signature, when an allowed_signers file is configured."""


def verify(facts: TrailFacts) -> tuple[Problem, ...]:
    problems: list[Problem] = []
    # every section is read twice, as its commit appended it and in the file now: parsed once
    parsed: dict[str, Section] = {}
    problems += _witness(facts)
    problems += _history(facts, parsed)
    for path, text in sorted(facts.current.items()):
        problems += _file(path, text, facts, parsed)
    return tuple(problems)


def chain_problems(record: Record) -> Iterable[str]:
    """Breaks in a record's hash chain and sequence numbers."""
    previous = sha256(record.header_raw)
    for number, section in enumerate(record.sections, start=1):
        if section.seq != number:
            yield f"section {number} is numbered {section.seq}"
        if section.prev_sha256 != previous:
            what = "the header" if number == 1 else f"section {number - 1}"
            yield f"{what} was changed after section {number} was written (hash chain broken)"
        previous = section.sha256


def _witness(facts: TrailFacts) -> Iterable[Problem]:
    for sha in facts.witnessed:
        if not facts.is_ancestor(sha):
            yield Problem(
                "history",
                sha,
                "history was rewritten: this commit kubemedic made is no longer in the history",
            )


def _history(facts: TrailFacts, parsed: MutableMapping[str, Section]) -> Iterable[Problem]:
    for commit in facts.history:
        parent = commit.parents[0] if commit.parents else None
        for change in commit.changes:
            if not change.path.startswith(RECORD_DIRS):
                continue
            if change.status == "D":
                yield Problem(change.path, commit.sha, "the record was deleted")
                continue
            new = facts.show(commit.sha, change.path) or ""
            old = facts.show(parent, change.path) if parent and change.status == "M" else None
            if old is not None and not new.startswith(old):
                yield Problem(
                    change.path, commit.sha, "earlier content was rewritten (not an append)"
                )
                continue
            added = new[len(old or "") :]
            if old is not None and added and not added.startswith(SENTINEL):
                yield Problem(
                    change.path,
                    commit.sha,
                    "text was appended outside a section (it edits the section before it)",
                )
                continue
            yield from _added_sections(change.path, commit, added, facts, parsed)


def _added_sections(
    path: str,
    commit: Commit,
    added: str,
    facts: TrailFacts,
    parsed: MutableMapping[str, Section],
) -> Iterable[Problem]:
    decisions = 0
    try:
        sections = sections_of(added, path, parsed)
    except RecordsError as exc:
        yield Problem(path, commit.sha, f"appended text cannot be read: {exc.message}")
        return
    for section in sections:
        actor = section.actor
        if actor.email.lower() != commit.author.email.lower():
            yield Problem(
                path,
                commit.sha,
                f"section {section.seq} names {actor.name} <{actor.email}> but the commit is by "
                f"{commit.author.name} <{commit.author.email}>",
            )
        decisions += section.event in DECISION_EVENTS
    if decisions and facts.signature is not None:
        status, detail = facts.signature(commit.sha)
        if status != "good":
            yield Problem(path, commit.sha, f"decision commit signature is {status}: {detail}")


def _file(
    path: str, text: str | None, facts: TrailFacts, parsed: MutableMapping[str, Section]
) -> Iterable[Problem]:
    if text is None:
        yield Problem(path, None, "the record is missing from the working tree")
        return
    committed = facts.show(facts.head, path) if facts.head else None
    if committed is not None and committed != text:
        yield Problem(path, None, "the file differs from its last commit (edited by hand?)")
    try:
        record = parse(text, path, parsed)
    except RecordsError as exc:
        yield Problem(path, None, f"cannot be read: {exc.message}")
        return
    for message in chain_problems(record):
        yield Problem(path, None, message)
