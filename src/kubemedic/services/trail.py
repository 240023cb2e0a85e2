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
    wanted = [(head, path) for path in paths] if head else []
    for commit in history:
        for change in commit.changes:
            if change.path.startswith(RECORD_DIRS) and change.status != "D":
                wanted.append((commit.sha, change.path))
                if commit.parents and change.status == "M":
                    wanted.append((commit.parents[0], change.path))
    contents = repo.show_many(wanted)

    def show(sha: str, path: str) -> str | None:
        key = (sha, path)
        return contents[key] if key in contents else repo.show(sha, path)

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
