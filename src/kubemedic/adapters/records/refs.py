"""HEAD's commit read straight from the ref files, without starting git.

A server asks for HEAD on every listing (its cache is kept per commit); a git process for
that costs more than the listing itself. Git writes refs by renaming a finished file into
place, and ``pack-refs`` writes ``packed-refs`` before it removes the loose ref, so reading the
loose ref and then ``packed-refs`` sees one consistent value. Any layout this reader does not
know (reftable, linked worktrees, a malformed file) raises ``RefsUnreadable``: git decides then.
"""

from __future__ import annotations

import string
from pathlib import Path

_HEX = frozenset(string.hexdigits.lower())
_SHA_LENGTHS = (40, 64)
_MAX_SYMBOLIC_DEPTH = 5


class RefsUnreadable(Exception):
    """The ref files do not say; ask git."""


def head_commit(git_dir: Path) -> str | None:
    """The sha HEAD names; None while its branch has no commit yet."""
    if (git_dir / "commondir").exists() or (git_dir / "reftable").exists():
        raise RefsUnreadable("a linked worktree or reftable")
    value = _read(git_dir / "HEAD")
    for _ in range(_MAX_SYMBOLIC_DEPTH):
        if value is None:
            raise RefsUnreadable("no HEAD")
        if not value.startswith("ref: "):
            return _sha(value)
        name = value.removeprefix("ref: ").strip()
        if not name.startswith("refs/") or ".." in name.split("/"):
            raise RefsUnreadable(f"HEAD names {name!r}")
        value = _read(git_dir / name)
        if value is None:
            packed = _packed(git_dir / "packed-refs", name)
            return None if packed is None else _sha(packed)
    raise RefsUnreadable("symbolic refs nested too deep")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RefsUnreadable(str(exc)) from None


def _packed(path: Path, name: str) -> str | None:
    """The sha ``packed-refs`` gives ``name``; None when it has no such ref (or no file)."""
    text = _read(path)
    for line in (text or "").splitlines():
        sha, _, ref = line.partition(" ")
        if ref == name and not line.startswith(("#", "^")):
            return sha
    return None


def _sha(value: str) -> str:
    if len(value) not in _SHA_LENGTHS or not set(value) <= _HEX:
        raise RefsUnreadable(f"not a sha: {value[:80]!r}")
    return value
