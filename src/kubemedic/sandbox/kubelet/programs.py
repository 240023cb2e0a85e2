"""The programs a simulated container can run, and how ``$PATH`` finds them in an image.

Core utilities (``sleep``, ``echo``, ``cat``, ``tail`` ...) behave like their Debian or BusyBox
versions for the arguments people put in manifests; interpreters (``python``, ``node``,
``java``) fail like the real ones when their script is missing; test images (agnhost, stress,
http-echo) do what their documentation says. Anything else is an ``AppSpec`` from the catalog.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.bases import BASE_PROGRAMS
from kubemedic.sandbox.kubelet.images import Image
from kubemedic.sandbox.kubelet.process import Foreground, MiB, Step, Usage

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.network import ClusterNetwork

PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_COMMON_DIRS = frozenset({"/", "/etc", "/app", "/data", "/var", "/tmp"})  # noqa: S108
SHELLS = frozenset({"dash", "ash", "bash"})
TAIL_DEV_ZERO_GROWTH = 64 * MiB  # bytes per second a `tail /dev/zero` buffers


@dataclass
class RunContext:
    """What a program can see: its image, environment, files, host name and the network."""

    image: Image
    tag: str
    env: dict[str, str]
    hostname: str
    started_at: datetime
    files: set[str] = field(default_factory=set)
    contents: Mapping[str, str] = field(default_factory=dict)  # mounted ConfigMap/Secret keys
    stdin: str = ""  # what the program reads on its standard input (a pipe, a here-document)
    network: ClusterNetwork | None = None  # None: a container with no cluster around it
    executables: frozenset[str] = frozenset()  # mounted files whose mode has an execute bit
    working_dir: str = "/"

    def abspath(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.working_dir, path))


Program = Callable[[Sequence[str], RunContext], Step]


@dataclass(frozen=True, slots=True)
class Found:
    """An executable found on the image's file system."""

    path: str
    program: str | AppSpec | None  # None: the file exists but is not executable


def find_executable(name: str, image: Image) -> Found | None:
    """Look ``name`` up like execve / ``$PATH`` search in this image; None when absent."""
    table = {**BASE_PROGRAMS.get(image.base, {}), **image.programs}
    if "/" in name:
        path = posixpath.normpath(name)
        if path in image.files:
            return _file(path, image.files[path], table)
        directory, base = posixpath.split(path)
        if directory in PATH_DIRS and base in table:
            return Found(path, table[base])
        return None
    if name in table:
        return Found(f"/usr/bin/{name}", table[name])
    for path, kind in image.files.items():
        if posixpath.dirname(path) in PATH_DIRS and posixpath.basename(path) == name:
            return _file(path, kind, table)
    return None


def _file(path: str, kind: str, table: Mapping[str, str | AppSpec]) -> Found:
    """A file of the image: "!" is not executable, "" a plain file, else a program name."""
    if kind in ("!", ""):
        return Found(path, None)
    return Found(path, table.get(kind, kind))


def seconds(text: str) -> float | None:
    """``sleep`` durations: 5, 2.5, 10s, 3m, 1h, 1d, infinity."""
    if text == "infinity":
        return float("inf")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", text)
    if not match:
        return None
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * factor


IDLE = Step(foreground=Foreground(), usage=Usage(cpu_cores=0.0005, memory_bytes=0.6 * MiB))


def _sleep(argv: Sequence[str], ctx: RunContext) -> Step:
    total = 0.0
    for arg in argv[1:]:
        value = seconds(arg)
        if value is None:
            return Step.say(f"sleep: invalid time interval '{arg}'", status=1)
        total += value
    if not argv[1:]:
        return Step.say("sleep: missing operand", status=1)
    return IDLE if total == float("inf") else Step(duration=total)


def read_file(path: str, ctx: RunContext) -> tuple[str, ...] | None:
    full = ctx.abspath(path)
    if full in ctx.contents:
        return tuple(ctx.contents[full].splitlines())
    if full in ctx.files or full in ctx.image.files or full.startswith(("/dev/", "/proc/")):
        return ()
    return None


def _cat(argv: Sequence[str], ctx: RunContext) -> Step:
    lines: list[str] = []
    status = 0
    for path in argv[1:] or ["-"]:
        content = tuple(ctx.stdin.splitlines()) if path == "-" else read_file(path, ctx)
        if content is None:
            busybox = ctx.image.base in ("busybox", "alpine")
            lines.append(
                f"cat: can't open '{path}': No such file or directory"
                if busybox
                else f"cat: {path}: No such file or directory"
            )
            status = 1
        else:
            lines.extend(content)
    return Step.say(*lines, status=status)


def _tail(argv: Sequence[str], ctx: RunContext) -> Step:
    follow = any(a in ("-f", "-F", "--follow") for a in argv[1:])
    paths = [a for a in argv[1:] if not a.startswith("-") and not a.isdigit()]
    if "/dev/zero" in paths:
        return Step(
            foreground=Foreground(),
            usage=Usage(cpu_cores=1.0, memory_bytes=1 * MiB, memory_growth=TAIL_DEV_ZERO_GROWTH),
        )
    missing = [p for p in paths if read_file(p, ctx) is None]
    lines = tuple(
        f"tail: cannot open '{p}' for reading: No such file or directory" for p in missing
    )
    if follow:
        return Step(
            lines=tuple((0.0, line) for line in lines), foreground=IDLE.foreground, usage=IDLE.usage
        )
    return Step.say(*lines, status=1 if missing else 0)


def _touch(argv: Sequence[str], ctx: RunContext) -> Step:
    paths = [ctx.abspath(p) for p in argv[1:] if not p.startswith("-")]
    ctx.files.update(paths)
    return Step(file_changes=tuple((0.0, p, True) for p in paths))


def _rm(argv: Sequence[str], ctx: RunContext) -> Step:
    force = any(a.startswith("-") and "f" in a for a in argv[1:])
    paths = [ctx.abspath(p) for p in argv[1:] if not p.startswith("-")]
    lines = []
    for path in paths:
        if path not in ctx.files and path not in ctx.image.files and not force:
            lines.append(f"rm: cannot remove '{path}': No such file or directory")
        ctx.files.discard(path)
    status = 1 if lines else 0
    return Step(
        lines=tuple((0.0, line) for line in lines),
        status=status,
        file_changes=tuple((0.0, p, False) for p in paths),
    )


def _printenv(argv: Sequence[str], ctx: RunContext) -> Step:
    if len(argv) > 1:
        values = [ctx.env[v] for v in argv[1:] if v in ctx.env]
        return Step.say(*values, status=0 if len(values) == len(argv) - 1 else 1)
    return Step.say(*(f"{k}={v}" for k, v in sorted(ctx.env.items())))


def _date(argv: Sequence[str], ctx: RunContext) -> Step:
    return Step.say(ctx.started_at.strftime("%a %b %d %H:%M:%S UTC %Y"))


def _ls(argv: Sequence[str], ctx: RunContext) -> Step:
    targets = [ctx.abspath(a) for a in argv[1:] if not a.startswith("-")] or [ctx.working_dir]
    known = ctx.files | set(ctx.image.files) | set(ctx.contents)
    lines: list[str] = []
    status = 0
    for target in targets:
        inside = sorted(
            {
                posixpath.relpath(p, target).split("/")[0]
                for p in known
                if p.startswith(target.rstrip("/") + "/")
            }
        )
        if target in known:
            lines.append(target)
        elif inside:
            lines.extend(inside)
        elif target not in _COMMON_DIRS:
            lines.append(f"ls: cannot access '{target}': No such file or directory")
            status = 2
    return Step.say(*lines, status=status)


def _yes(argv: Sequence[str], ctx: RunContext) -> Step:
    return Step(foreground=Foreground(), usage=Usage(cpu_cores=1.0, memory_bytes=0.5 * MiB))


def _status(code: int) -> Program:
    return lambda argv, ctx: Step(status=code)


CORE_PROGRAMS: Mapping[str, Program] = {
    "sleep": _sleep,
    "cat": _cat,
    "tail": _tail,
    "head": _cat,
    "touch": _touch,
    "mkdir": _touch,
    "rm": _rm,
    "true": _status(0),
    "false": _status(1),
    "kill": _status(0),
    "env": _printenv,
    "printenv": _printenv,
    "date": _date,
    "ls": _ls,
    "yes": _yes,
    "hostname": lambda argv, ctx: Step.say(ctx.hostname),
    "pwd": lambda argv, ctx: Step.say(ctx.working_dir),
    "id": lambda argv, ctx: Step.say("uid=0(root) gid=0(root) groups=0(root)"),
    "whoami": lambda argv, ctx: Step.say("root"),
    "uname": lambda argv, ctx: Step.say("Linux"),
    "wc": _status(0),
    "grep": _status(1),
    "sed": _status(0),
    "pause": lambda argv, ctx: IDLE,
}
