"""The records' history as typed commits, read with one ``git log`` and parsed field by field.

Fields and file names are NUL-separated (``-z``), so any path and any message survive. A merge
commit lists its changes against its first parent (``--diff-merges=first-parent``): what the merge
brought into the line of history the records follow. Renames appear as D + A (``--no-renames``).
Each change names the objects of its file before and after (``--raw``): a reader of a whole
history asks git for each content by that id, once, instead of by commit and path, which makes
git walk the commit's tree again for every file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kubemedic.errors import RecordsError
from kubemedic.models.identity import Author


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit added (A), modified (M) or deleted (D).

    Changes compare by status and path: the object ids only say where git keeps the contents.
    """

    status: str
    path: str
    """posix path relative to the repository root"""
    before: str | None = field(default=None, compare=False)
    """the object the file was at the (first) parent; None when it was added"""
    after: str | None = field(default=None, compare=False)
    """the object the file is at this commit; None when it was deleted"""


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
    "--raw",
    "--no-abbrev",
    "--no-show-signature",
    "-z",
    "--format=" + "%x00".join(_FIELDS),
)
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_STATUS = {"A": "A", "M": "M", "D": "D", "T": "M"}  # T: file <-> symlink, a modification here


def parse_log(output: str) -> tuple[CommitInfo, ...]:
    """Parse the output of ``git`` + LOG_ARGS.

    Each commit is its fields, then (after a newline) raw-diff/path pairs; a raw diff starts
    with ``:`` and a commit id never does, which is how the next commit is told from a change.
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
        while at + 1 < len(tokens) and tokens[at].lstrip("\n").startswith(":"):
            changes.append(_change(tokens[at].lstrip("\n"), tokens[at + 1]))
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


def _change(raw: str, path: str) -> FileChange:
    """One ``:<mode> <mode> <object> <object> <status>`` line of ``--raw`` and its path."""
    fields = raw[1:].split(" ")
    status = _STATUS.get(fields[-1][:1]) if len(fields) == 5 else None
    if status is None or not all(_SHA.fullmatch(f) for f in fields[2:4]):
        raise RecordsError(f"git log printed a change kubemedic cannot read: {raw[:120]!r}")
    before, after = (f if f.strip("0") else None for f in fields[2:4])  # all zeros: none
    return FileChange(status, path, before, after)
