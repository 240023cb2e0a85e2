"""``records verify`` finds each kind of tampering, on a history faked commit by commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from kubemedic.governance.integrity import RECORD_DIRS, Problem, TrailFacts, chain_problems, verify
from kubemedic.models.identity import SYSTEM, Actor, Author
from kubemedic.models.records import parse
from tests.unit.governance.records_builder import (
    ADA,
    LIN,
    SAM,
    SCALE_TO_ZERO,
    IncidentBuilder,
    OperationBuilder,
)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
OP_PATH = "operations/OP-20260601-abcdef.md"


@dataclass(frozen=True, slots=True)
class FileChange:
    status: str
    path: str


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Author
    changes: Sequence[FileChange]


@dataclass
class FakeRepo:
    """A linear history: each commit is the files it wrote (None: deleted) and its author."""

    commits: list[Commit] = field(default_factory=list)
    trees: dict[str, dict[str, str]] = field(default_factory=dict)
    witnessed: list[str] = field(default_factory=list)
    signatures: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def head(self) -> str | None:
        return self.commits[-1].sha if self.commits else None

    def commit(self, by: Actor | Author, files: Mapping[str, str | None]) -> str:
        before = dict(self.trees[self.head]) if self.head else {}
        after = dict(before)
        changes = []
        for path, text in files.items():
            if text is None:
                del after[path]
                changes.append(FileChange("D", path))
            else:
                after[path] = text
                changes.append(FileChange("M" if path in before else "A", path))
        sha = f"{len(self.commits) + 1:040x}"
        author = by.author if isinstance(by, Actor) else by
        parents = (self.head,) if self.head else ()
        self.commits.append(Commit(sha, parents, author, changes))
        self.trees[sha] = after
        self.witnessed.append(sha)
        return sha

    def show(self, sha: str, path: str) -> str | None:
        return self.trees.get(sha, {}).get(path)

    def facts(
        self, working: Mapping[str, str | None] | None = None, *, signed: bool = False
    ) -> TrailFacts:
        paths = {
            c.path
            for commit in self.commits
            for c in commit.changes
            if c.path.startswith(RECORD_DIRS)
        }
        tree = self.trees[self.head] if self.head else {}
        current = {path: tree.get(path) for path in paths}
        current.update(working or {})
        return TrailFacts(
            history=self.commits,
            show=self.show,
            current=current,
            witnessed=self.witnessed,
            is_ancestor=lambda sha: any(c.sha == sha for c in self.commits),
            head=self.head,
            signature=(lambda sha: self.signatures.get(sha, ("unsigned", "no signature")))
            if signed
            else None,
        )


def _grown(repo: FakeRepo, op: OperationBuilder, by: Actor, step: object) -> str:
    """Apply one builder step and commit what it appended, by ``by``."""
    assert callable(step)
    step()
    return repo.commit(by, {op.path: op.text})


def _trail() -> tuple[FakeRepo, OperationBuilder]:
    repo = FakeRepo()
    op = OperationBuilder("OP-20260601-abcdef", SCALE_TO_ZERO, requester=LIN, at=T0)
    repo.commit(LIN, {op.path: op.text})
    _grown(repo, op, ADA, lambda: op.approve(ADA))
    _grown(repo, op, SAM, lambda: op.approve(SAM))
    _grown(repo, op, LIN, lambda: op.execute(by=LIN))
    _grown(repo, op, SYSTEM, lambda: op.validate())
    incident = IncidentBuilder("INC-20260601-000001", onset=T0, detected=T0)
    repo.commit(SYSTEM, {incident.path: incident.text})
    return repo, op


def _messages(problems: Sequence[Problem]) -> list[str]:
    return [str(p) for p in problems]


def test_an_untouched_trail_verifies() -> None:
    repo, _ = _trail()
    assert verify(repo.facts()) == ()


def test_an_edit_of_an_earlier_section_breaks_the_hash_chain() -> None:
    repo, op = _trail()
    edited = op.text.replace("reason: looks right", "reason: looks wrong", 1)
    assert edited != op.text
    problems = verify(repo.facts({op.path: edited}))
    assert _messages(problems) == [
        f"{OP_PATH}: the file differs from its last commit (edited by hand?)",
        f"{OP_PATH}: section 2 was changed after section 3 was written (hash chain broken)",
    ]


def test_an_edit_of_the_header_breaks_the_chain_at_the_first_section() -> None:
    record = parse(
        OperationBuilder("OP-20260601-abcdef", SCALE_TO_ZERO, requester=LIN, at=T0).text.replace(
            "tier: critical", "tier: low", 1
        )
    )
    assert list(chain_problems(record)) == [
        "the header was changed after section 1 was written (hash chain broken)"
    ]


def test_renumbered_sections_are_reported() -> None:
    _, op = _trail()
    record = parse(op.text.replace("seq: 3\n", "seq: 7\n", 1))
    problems = list(chain_problems(record))
    assert problems[0] == "section 3 is numbered 7"
    assert "section 3 was changed after section 4 was written (hash chain broken)" in problems


def test_a_commit_that_rewrote_history_of_a_record_is_reported() -> None:
    repo, op = _trail()
    rewritten = op.text.replace("reason: looks right", "reason: approved by the CTO", 1)
    sha = repo.commit(LIN, {op.path: rewritten})
    problems = verify(repo.facts())
    assert Problem(OP_PATH, sha, "earlier content was rewritten (not an append)") in problems
    assert any("hash chain broken" in p.message for p in problems)


def test_an_edit_that_keeps_the_hash_chain_is_still_caught_by_the_history() -> None:
    # rewriting the last section leaves no later section to break, but git saw it
    repo, op = _trail()
    rewritten = op.text.replace("3/3 pods Ready", "all pods Ready")
    sha = repo.commit(SYSTEM, {op.path: rewritten})
    assert _messages(verify(repo.facts())) == [
        f"{OP_PATH} (commit {sha[:12]}): earlier content was rewritten (not an append)"
    ]


def test_a_deleted_record_is_reported() -> None:
    repo, op = _trail()
    sha = repo.commit(LIN, {op.path: None})
    problems = verify(repo.facts())
    assert Problem(OP_PATH, sha, "the record was deleted") in problems
    assert Problem(OP_PATH, None, "the record is missing from the working tree") in problems


def test_a_record_removed_from_the_working_tree_is_reported() -> None:
    repo, op = _trail()
    assert _messages(verify(repo.facts({op.path: None}))) == [
        f"{OP_PATH}: the record is missing from the working tree"
    ]


def test_a_witnessed_commit_no_longer_in_the_history_means_it_was_rewritten() -> None:
    repo, _ = _trail()
    lost = repo.witnessed[2]
    repo.commits = [c for c in repo.commits if c.sha != lost]
    problems = verify(repo.facts())
    assert (
        Problem(
            "history",
            lost,
            "history was rewritten: this commit kubemedic made is no longer in the history",
        )
        in problems
    )
    assert str(problems[0]).startswith(f"history (commit {lost[:12]}): ")


def test_a_section_must_name_the_author_of_its_commit() -> None:
    repo, op = _trail()
    op.approve(ADA)  # an approval in Ada's name ...
    sha = repo.commit(LIN, {op.path: op.text})  # ... committed by Lin
    assert _messages(verify(repo.facts())) == [
        f"{OP_PATH} (commit {sha[:12]}): section 7 names Ada <ada@example.com> but the commit "
        "is by Lin <lin@example.com>"
    ]


def test_a_section_in_kubemedic_s_name_committed_by_a_person_is_reported() -> None:
    # kubemedic commits its own sections; a person's commit cannot speak for it
    repo, op = _trail()
    op.note("notification-failed", {"notification": "operation.executed", "deliveries": []})
    sha = repo.commit(LIN, {op.path: op.text})
    problems = verify(repo.facts())
    assert len(problems) == 1
    assert problems[0].commit == sha
    assert "names kubemedic <kubemedic@localhost>" in problems[0].message


def test_appended_text_that_is_not_a_record_section_is_reported() -> None:
    repo, op = _trail()
    broken = op.text + "<!-- kubemedic:section 7 -->\n## 7. approved\n\nno yaml here\n"
    sha = repo.commit(ADA, {op.path: broken})
    problems = verify(repo.facts())
    assert (
        Problem(OP_PATH, sha, f"appended text cannot be read: {OP_PATH} section 1: no yaml block")
        in problems
    )
    assert Problem(OP_PATH, None, f"cannot be read: {OP_PATH} section 7: no yaml block") in problems


def test_text_appended_outside_a_section_is_an_edit_of_the_section_before_it() -> None:
    # no later section chains to the last one, so only the history can tell
    repo, op = _trail()
    sha = repo.commit(LIN, {op.path: op.text + "The CTO approved this too, by phone.\n"})
    assert _messages(verify(repo.facts())) == [
        f"{OP_PATH} (commit {sha[:12]}): text was appended outside a section "
        "(it edits the section before it)"
    ]


def test_a_file_that_is_no_record_cannot_be_read() -> None:
    repo, _ = _trail()
    path = "reports/RPT-20260601-000001.md"
    repo.commit(LIN, {path: "# weekly notes\n"})
    assert _messages(verify(repo.facts())) == [
        f"{path}: cannot be read: {path}: not a kubemedic record (no front-matter)"
    ]


def test_files_outside_the_record_folders_are_not_checked() -> None:
    repo, _ = _trail()
    repo.commit(LIN, {"README.md": "anything"})
    repo.commit(LIN, {"README.md": "anything else"})
    assert verify(repo.facts()) == ()


@pytest.mark.parametrize(("status", "detail"), [("bad", "signature mismatch"), ("unsigned", "")])
def test_decision_commits_must_be_signed_when_signatures_are_required(
    status: str, detail: str
) -> None:
    repo, _ = _trail()
    decisions = [repo.commits[1].sha, repo.commits[2].sha]
    for sha in decisions:
        repo.signatures[sha] = ("good", "ED25519 key of ada@example.com")
    assert verify(repo.facts(signed=True)) == ()
    repo.signatures[decisions[1]] = (status, detail)
    assert _messages(verify(repo.facts(signed=True))) == [
        f"{OP_PATH} (commit {decisions[1][:12]}): decision commit signature is {status}: {detail}"
    ]


def test_a_rejection_is_a_decision_too() -> None:
    repo, _ = _trail()
    repo.signatures.update({c.sha: ("good", "") for c in repo.commits[1:3]})
    other = OperationBuilder("OP-20260601-000002", SCALE_TO_ZERO, requester=LIN, at=T0)
    repo.commit(LIN, {other.path: other.text})  # a proposal needs no signature
    other.reject(SAM)
    sha = repo.commit(SAM, {other.path: other.text})
    assert _messages(verify(repo.facts(signed=True))) == [
        f"{other.path} (commit {sha[:12]}): decision commit signature is unsigned: no signature"
    ]
