"""The records' history as typed commits, read with one ``git log`` and parsed field by field.

Fields and file names are NUL-separated (``-z``), so any path and any message survive. A merge
commit lists its changes against its first parent (``--diff-merges=first-parent``): what the merge
brought into the line of history the records follow. Renames appear as D + A (``--no-renames``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kubemedic.errors import RecordsError
from kubemedic.models.identity import Author


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit added (A), modified (M) or deleted (D)."""

    status: str
    path: str
    """posix path relative to the repository root"""


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One commit of the records repository, with what it changed."""

    sha: str
    parents: tuple[str, ...]
    author: Author
    authored_at: datetime
    """timezone-aware UTC"""
    committed_at: datetime
    """timezone-aware UTC"""
    message: str
    """the full message, as given to the commit"""
    changes: tuple[FileChange, ...]


_FIELDS = ("%H", "%P", "%an", "%ae", "%at", "%ct", "%B")
LOG_ARGS = (
    "log",
    "--reverse",
    "--topo-order",
    "--no-renames",
    "--diff-merges=first-parent",
    "--name-status",
    "--no-show-signature",
    "-z",
    "--format=" + "%x00".join(_FIELDS),
)
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_STATUS = {"A": "A", "M": "M", "D": "D", "T": "M"}  # T: file <-> symlink, a modification here


def parse_log(output: str) -> tuple[CommitInfo, ...]:
    """Parse the output of ``git`` + LOG_ARGS.

    Each commit is its fields, then (after a newline) status/path pairs; a commit id is never a
    one-letter status, which is how the next commit is told from another change.
    """
    tokens = output.split("\0")
    commits: list[CommitInfo] = []
    at = 0
    while at < len(tokens) and tokens[at].strip("\n"):
        fields = tokens[at : at + len(_FIELDS)]
        sha = fields[0].strip("\n")
        if len(fields) != len(_FIELDS) or not _SHA.fullmatch(sha):
            raise RecordsError(f"git log printed what kubemedic cannot read: {fields[0][:80]!r}")
        _, parents, name, email, authored, committed, message = fields
        at += len(_FIELDS)
        changes: list[FileChange] = []
        while at + 1 < len(tokens) and tokens[at].lstrip("\n") in _STATUS:
            changes.append(FileChange(_STATUS[tokens[at].lstrip("\n")], tokens[at + 1]))
            at += 2
        commits.append(
            CommitInfo(
                sha=sha,
                parents=tuple(parents.split()),
                author=Author(name, email),
                authored_at=datetime.fromtimestamp(int(authored), UTC),
                committed_at=datetime.fromtimestamp(int(committed), UTC),
                message=message,
                changes=tuple(changes),
            )
        )
    return tuple(commits)
