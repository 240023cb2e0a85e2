"""Read the trail as a whole: verify its integrity, audit compliance, compute the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kubemedic.governance.compliance import AuditResult, audit
from kubemedic.governance.figures import Figures, figures
from kubemedic.governance.integrity import RECORD_DIRS, Problem, TrailFacts, verify
from kubemedic.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class TrailCheck:
    problems: tuple[Problem, ...]
    records: int
    """Record files checked (those present now)."""


def verify_trail(ws: Workspace) -> TrailCheck:
    """Every integrity problem of the records repository (none: intact)."""
    repo = ws.store.repo
    history = repo.history()
    paths = {
        change.path
        for commit in history
        for change in commit.changes
        if change.path.startswith(RECORD_DIRS)
    } | {path for folder in RECORD_DIRS for path in repo.files(folder.rstrip("/"))}
    signers = ws.allowed_signers

    def signature(sha: str) -> tuple[str, str]:
        assert signers is not None
        check = repo.verify_signature(sha, signers)
        return check.status, check.detail

    head = repo.head()
    reachable = {commit.sha for commit in history}
    # every text verify reads, by the object git keeps it as: one git process reads each once
    at_head = repo.blobs(head, *RECORD_DIRS) if head else {}
    objects = {(head, path): blob for path, blob in at_head.items()}
    for commit in history:
        for change in commit.changes:
            if change.path.startswith(RECORD_DIRS) and change.after:
                objects[(commit.sha, change.path)] = change.after
                if commit.parents and change.before:
                    objects[(commit.parents[0], change.path)] = change.before
    texts = repo.blob_texts(objects.values())

    def show(sha: str, path: str) -> str | None:
        key = (sha, path)
        return texts[objects[key]] if key in objects else repo.show(sha, path)

    facts = TrailFacts(
        history=history,
        show=show,
        current={path: repo.read_text(path) for path in sorted(paths)},
        witnessed=repo.witnessed(),
        is_ancestor=reachable.__contains__,  # every commit of HEAD's history is in ``history``
        head=head,
        signature=signature if signers is not None else None,
    )
    deleted_now = {p for p, text in facts.current.items() if text is None}
    problems = verify(facts)
    # a record deleted by a commit is reported once, by the history check
    deleted_in_history = {p.record for p in problems if p.commit and "deleted" in p.message}
    kept = tuple(
        p
        for p in problems
        if not (p.record in deleted_in_history and p.record in deleted_now and p.commit is None)
    )
    return TrailCheck(kept, len(paths) - len(deleted_now))


def audit_trail(ws: Workspace) -> AuditResult:
    return audit(ws.store.all(), ws.policy, ws.now())


def trail_figures(ws: Workspace, since: datetime) -> Figures:
    return figures(ws.store.all(), since)
