"""The container's file system as a script sees it: image files, mounts, and what it writes.

Nothing here touches the real disk. Files come from the image, from ConfigMap and Secret
mounts, and from the script itself (redirections, ``touch``, ``mkdir``); every creation or
removal is also recorded with its moment so exec probes later see the same files.
"""

from __future__ import annotations

import posixpath
from collections import ChainMap

from kubemedic.sandbox.kubelet.programs import RunContext

# paths of a simulated file system, not of the host
_TEMPORARY = ("/tmp", "/var/tmp")  # noqa: S108
STANDARD_DIRS = frozenset(
    {"/", "/bin", "/dev", "/etc", "/home", "/lib", "/media", "/mnt", "/opt", "/proc", "/root"}
    | {"/run", "/sbin", "/srv", "/sys", "/usr", "/usr/bin", "/usr/lib", "/usr/local"}
    | {"/usr/local/bin", "/usr/sbin", "/usr/share", "/var", "/var/lib", "/var/log", "/var/run"}
    | {"/var/cache", *_TEMPORARY}
)
CHARACTER_DEVICES = frozenset(
    {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/full"}
)
STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


class FileSystem:
    """One container's files; ``contents`` is what programs read (mounts plus writes)."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.written: dict[str, str] = {}
        self.modified: dict[str, float] = {}
        self.dirs: set[str] = set(STANDARD_DIRS) | {ctx.working_dir}
        self.changes: list[tuple[float, str, bool]] = []
        self.added: set[str] = set()  # paths the script created (files and directories)
        self.deleted: set[str] = set()  # paths it removed
        self.contents: ChainMap[str, str] = ChainMap(self.written, dict(ctx.contents))

    def path(self, name: str, cwd: str) -> str:
        return posixpath.normpath(posixpath.join(cwd, name)) if name else ""

    # -- questions ---------------------------------------------------------------------
    def is_dir(self, path: str) -> bool:
        if path in self.dirs:
            return True
        prefix = path.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self._known())

    def exists(self, path: str) -> bool:
        return bool(path) and (
            path in self.contents
            or path in self.ctx.files
            or path in self.ctx.image.files
            or path in CHARACTER_DEVICES
            or path in STREAMS
            or self.is_dir(path)
        )

    def is_file(self, path: str) -> bool:
        return self.exists(path) and not self.is_dir(path) and not self.is_device(path)

    def is_device(self, path: str) -> bool:
        return path in CHARACTER_DEVICES or path in STREAMS

    def executable(self, path: str) -> bool:
        if self.is_dir(path):
            return True
        return self.ctx.image.files.get(path, "") not in ("", "!")

    def size(self, path: str) -> int:
        if path in self.contents:
            return len(self.contents[path].encode())
        return 1 if self.ctx.image.files.get(path) else 0

    def mtime(self, path: str) -> int:
        return int(self.modified.get(path, 0.0))

    def read(self, path: str) -> str | None:
        if path in self.contents:
            return self.contents[path]
        if self.exists(path) and not self.is_dir(path):
            return ""
        return None

    def listdir(self, directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        names = {
            p[len(prefix) :].split("/")[0]
            for p in (*self._known(), *self.dirs)
            if p.startswith(prefix) and p != prefix
        }
        return sorted(n for n in names if n)

    def _known(self) -> set[str]:
        return {*self.contents, *self.ctx.files, *self.ctx.image.files}

    # -- changes -----------------------------------------------------------------------
    def problem_writing(self, path: str) -> str | None:
        """Why ``path`` cannot be opened for writing: "create-dir", "create", or None."""
        if self.is_dir(path):
            return "create-dir"
        if not self.is_dir(posixpath.dirname(path)):
            return "create"
        return None

    def write(self, path: str, text: str, at: float, *, append: bool) -> None:
        if path in CHARACTER_DEVICES:
            return
        old = self.contents.get(path, "") if append else ""
        if path not in self.written and path not in self.ctx.files:
            self._appeared(path, at)
        self.written[path] = old + text
        self.modified[path] = at
        self.ctx.files.add(path)

    def created(self, paths: list[str], at: float, *, directories: bool) -> None:
        """Files (or directories) a program made."""
        for path in paths:
            if directories:
                self.dirs.add(path)
            else:
                self.written.setdefault(path, self.contents.get(path, ""))
                self.modified[path] = at
            self._appeared(path, at)

    def removed(self, paths: list[str], at: float) -> None:
        for path in paths:
            self.written.pop(path, None)
            self.contents.maps[1].pop(path, None)
            self.dirs.discard(path)
            self.ctx.files.discard(path)
            self.changes.append((at, path, False))
            self.deleted.add(path)
            self.added.discard(path)

    def _appeared(self, path: str, at: float) -> None:
        self.changes.append((at, path, True))
        self.added.add(path)
        self.deleted.discard(path)

    def snapshot(self) -> tuple[object, ...]:
        """What a loop iteration could have changed here (cheap: the script's own changes)."""
        return (tuple(sorted(self.written.items())), frozenset(self.added), frozenset(self.deleted))
