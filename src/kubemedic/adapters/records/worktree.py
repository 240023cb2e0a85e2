"""The record files on disk: which paths a caller may name, and reading and replacing one safely.

A record path is a canonical relative posix path that stays inside the repository (no ``..``, no
``.git``, no symbolic link on the way); a record is UTF-8 text, replaced whole by a rename so that
no reader and no crash ever meets half a file.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path, PurePosixPath

from kubemedic.errors import InputError, RecordsError

_NOT_IN_A_REV = re.compile(r"[\s:\0]")
"""What a commit name never holds (``\\s`` is ``str.isspace``); one search per id, as verify
checks every object of a history."""


def checked_path(path: str) -> str:
    """``path`` if it is a canonical posix path inside the repository (and not in .git)."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\0" in path
        or pure.is_absolute()
        or str(pure) != path
        or any(part in ("..", ".") or part.lower() == ".git" for part in pure.parts)
    ):
        raise InputError(
            "not a record path: use a relative posix path inside the records, without '..'",
            path=path or "''",
        )
    return path


def checked_rev(rev: str) -> str:
    """``rev`` if git can take it as a commit name and never as an option or a path."""
    if not rev or rev.startswith("-") or _NOT_IN_A_REV.search(rev):
        raise InputError(f"{rev!r} does not name a commit")
    return rev


def decoded(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordsError(
            f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def locate(root: Path, path: str) -> Path:
    """The file for record ``path`` under ``root``, refusing one reached through a symbolic link."""
    target = root / path
    parent = target.parent.resolve()
    if target.is_symlink() or (parent != root and root not in parent.parents):
        raise RecordsError(f"{path} in {root} is reached through a symbolic link")
    return target


def read_record(root: Path, path: str) -> str | None:
    """The text of record ``path``, None when there is no such file."""
    try:
        data = locate(root, path).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise RecordsError(f"{path} is a directory in {root}, not a record") from None
    except OSError as exc:
        raise RecordsError(f"cannot read {root / path}: {exc.strerror}") from None
    return decoded(data, str(root / path))


def write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` whole: a reader sees the old text or the new, never half of one."""
    temporary: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RecordsError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
