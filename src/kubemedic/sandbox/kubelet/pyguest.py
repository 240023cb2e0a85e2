"""The inside of a sandboxed Python: runs a container's script in a child interpreter that can
see nothing of the host.

The parent (``interpreter``) starts ``python -I -S`` (no site, no environment, no user paths),
in a network namespace where it can make one, and hands this module's source and a JSON job
over standard input. Before the script runs, this code limits CPU, memory, file size and
processes, swaps ``open`` for the container's virtual files and ``time.sleep`` for a virtual
clock, and installs an audit hook that refuses whatever reaches past the container: real
files outside the standard library, sockets, processes, ``ctypes``, new code objects,
``gc`` walks and rlimit changes. What the script prints comes back as JSON events on the
original standard output, stamped with the virtual clock; the last one is its exit.

Only the standard library is imported, and all of it before the hook goes in.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import ipaddress
import json
import linecache
import os
import resource
import socket
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

GUEST_FILE = "<kubemedic-guest>"
_BLOCKED_IMPORTS = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "_xxsubinterpreters"})
_REFUSED_PREFIXES = (
    "socket.bind",
    "socket.send",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "ctypes.",
    "gc.get_",
)
_REFUSED = frozenset(
    {"os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.startfile", "pty.spawn"}
    | {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.symlink"}
    | {"os.link", "os.truncate", "os.utime", "os.chdir", "os.chroot"}
    | {"os.setxattr", "os.removexattr", "os.listxattr", "os.getxattr", "shutil.rmtree"}
    | {"resource.setrlimit", "resource.prlimit", "sys.setprofile", "sys.settrace"}
    | {"code.__new__", "function.__new__", "marshal.load", "sys.remote_exec", "mmap.__new__"}
    | {"_posixsubprocess.fork_exec", "fcntl.ioctl"}
)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Events:
    """Writes the script's output as JSON lines, stamped with the virtual clock."""

    def __init__(self, out: Any, clock: list[float], limit: int) -> None:
        self.out, self.clock, self.left = out, clock, limit
        self.dumps, self.exit = json.dumps, os._exit  # kept: the script may rebind the modules'

    def emit(self, **event: Any) -> None:
        self.left -= 1
        if self.left < 0:
            self.finish(forever="output")
        self.out.write(self.dumps({"t": self.clock[0], **event}) + "\n")
        self.out.flush()

    def finish(self, **event: Any) -> None:
        self.out.write(self.dumps({"t": self.clock[0], **event}) + "\n")
        self.out.flush()
        self.exit(0)


class Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr``: block-buffered (8 KiB) unless unbuffered, like CPython."""

    def __init__(self, events: Events, fd: int, *, buffered: bool) -> None:
        self.events, self.fd, self.buffered, self.pending = events, fd, buffered, ""

    def write(self, text: str) -> int:
        self.pending += str(text)
        if (
            not self.buffered
            or len(self.pending) >= 8192
            or (self.fd == 2 and "\n" in self.pending)
        ):
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.pending:
            text, self.pending = self.pending, ""
            self.events.emit(s=self.fd, x=text)

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd


class VirtualFile(io.StringIO):
    """A file the script opened for writing: kept in memory, saved on close."""

    def __init__(self, files: dict[str, str], path: str, initial: str) -> None:
        super().__init__(initial)
        self.files, self.path = files, path
        self.seek(0, io.SEEK_END)

    def close(self) -> None:
        if not self.closed:
            self.files[self.path] = self.getvalue()
        super().close()


def _virtual_open(files: dict[str, str], cwd: str) -> Callable[..., Any]:
    read_only = frozenset(files)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, int):
            raise OSError(9, "Bad file descriptor")
        path = os.path.normpath(os.path.join(cwd, os.fsdecode(file)))
        writing = any(flag in mode for flag in "wax+")
        if writing:
            if path in read_only:
                raise OSError(30, "Read-only file system", str(file))
            initial = files.get(path, "") if "a" in mode or "+" in mode else ""
            return VirtualFile(files, path, initial)
        if path not in files:
            raise FileNotFoundError(2, "No such file or directory", str(file))
        text = files[path]
        return io.BytesIO(text.encode()) if "b" in mode else io.StringIO(text)

    return open_


def _virtual_stat(files: dict[str, str], cwd: str, stdlib: tuple[str, ...]) -> None:
    """``os.stat``, ``os.lstat`` and ``os.listdir`` (so ``os.path.exists``, ``pathlib``) answer
    from the container's files; the standard library stays visible for tracebacks."""
    real_stat = os.stat

    def resolve(path: Any) -> str:
        return os.path.normpath(os.path.join(cwd, os.fsdecode(path)))

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if isinstance(path, int):
            return real_stat(path)
        full = resolve(path)
        if full.startswith(stdlib):
            return real_stat(full)
        if full in files:
            return os.stat_result((0o100644, 0, 0, 1, 0, 0, len(files[full].encode()), 0, 0, 0))
        if full == "/" or listdir(full):
            return os.stat_result((0o40755, 0, 0, 2, 0, 0, 4096, 0, 0, 0))
        raise FileNotFoundError(2, "No such file or directory", os.fsdecode(path))

    def listdir(path: Any = ".") -> list[str]:
        prefix = resolve(path).rstrip("/") + "/"
        names = sorted({f[len(prefix) :].split("/")[0] for f in files if f.startswith(prefix)})
        if not names:
            raise FileNotFoundError(2, "No such file or directory", os.fsdecode(path))
        return names

    os.stat = os.lstat = stat  # the container's view, not the host's
    os.listdir = listdir  # type: ignore[assignment]


def _hook(stdlib: tuple[str, ...]) -> Callable[[str, tuple[Any, ...]], None]:
    """The audit hook. It reads nothing the script can reach: every name it needs is bound
    here, in cells only the installed hook holds (module globals, builtins and other modules
    may be rebound by the script)."""
    as_str, blocked_imports = str.__str__, _BLOCKED_IMPORTS
    not_found, no_module, no_name = FileNotFoundError, ModuleNotFoundError, socket.gaierror
    refused_connection, not_permitted = ConnectionRefusedError, PermissionError
    open_refused, local_address, forbidden = _open_check(stdlib), _local_check(), _forbidden()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        event = as_str(event)
        if event == "open" and open_refused(*args):
            raise not_found(2, "No such file or directory", args[0])
        if event in ("os.listdir", "os.scandir") and open_refused(args[0], "r", 0):
            raise not_found(2, "No such file or directory", args[0])
        if event == "import" and as_str(args[0]).split(".")[0] in blocked_imports:
            raise no_module(f"No module named '{as_str(args[0])}'")
        if event == "socket.getaddrinfo" and not local_address(args[0]):
            raise no_name(-2, "Name or service not known")
        if event == "socket.connect":
            raise refused_connection(111, "Connection refused")
        if forbidden(event, args):
            raise not_permitted(1, "Operation not permitted")

    return hook


def _open_check(stdlib: tuple[str, ...]) -> Callable[[Any, Any, Any], bool]:
    """Real files may only be read, and only from the standard library (for imports)."""
    exact, normalise, write_flags = type, _normalise, _WRITE_FLAGS

    def refused(path: Any, mode: Any, flags: Any) -> bool:
        name = path.decode("utf-8", "replace") if exact(path) is bytes else path
        real: str = normalise(name) if exact(name) is str else ""
        writing = exact(mode) is str and any(flag in mode for flag in "wax+")
        if exact(flags) is int and flags & write_flags:
            writing = True
        return writing or "-packages" in real or not real.startswith(stdlib)

    return refused


def _local_check() -> Callable[[Any], bool]:
    """Addresses resolve only when they are literal IPs or ``localhost`` (no cluster DNS)."""
    exact, parse_address = type, ipaddress.ip_address

    def local(host: Any) -> bool:
        if exact(host) is bytes:
            host = host.decode("ascii", "replace")
        if exact(host) is not str:
            return False
        try:
            parse_address(host)
        except ValueError:
            return bool(host == "localhost")
        return True

    return local


def _forbidden() -> Callable[[str, tuple[Any, ...]], bool]:
    """Processes, signals, file changes, rlimits, new code and reaching into functions."""
    refused, prefixes, is_instance = _REFUSED, _REFUSED_PREFIXES, isinstance
    function_type, get_frame = types.FunctionType, sys._getframe
    importlib_external: Any = sys.modules["_frozen_importlib_external"]
    loader = importlib_external._compile_bytecode.__code__

    def forbidden(event: str, args: tuple[Any, ...]) -> bool:
        if event == "marshal.loads":  # only the import system may load compiled code
            return get_frame(2).f_code is not loader
        if event == "object.__setattr__":
            return is_instance(args[0], function_type)
        return event in refused or event.startswith(prefixes)

    return forbidden


def _normalise(path: str) -> str:
    """An absolute path without ``.``/``..`` (pure string work: nothing the script can patch)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def _limit(job: dict[str, Any]) -> None:
    cpu = int(job["cpu_seconds"])
    for which, value in (
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, int(job["memory_bytes"])),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, 0),
        (resource.RLIMIT_NOFILE, 32),
    ):
        resource.setrlimit(which, (value, value))


def _clock(job: dict[str, Any], clock: list[float], events: Events) -> None:
    started = time.monotonic()
    epoch = float(job["epoch"])
    horizon = float(job["horizon_seconds"])
    sleeps = [int(job["sleep_limit"])]

    def elapsed() -> float:
        return clock[0] + (time.monotonic() - started)

    def sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        clock[0] += float(seconds)
        sleeps[0] -= 1
        if clock[0] >= horizon or sleeps[0] < 0:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            events.finish(forever="sleeps")

    time.sleep = sleep  # type: ignore[assignment]  # floats and ints, as scripts pass
    time.time = lambda: epoch + elapsed()
    time.monotonic = time.perf_counter = elapsed


def _modules(files: dict[str, str], directory: str) -> None:
    """Lets the script import sibling modules mounted beside it."""
    import importlib.abc
    import importlib.util

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            file = os.path.join(directory, name.replace(".", "/") + ".py")
            if file in files:
                return importlib.util.spec_from_loader(name, self, origin=file)
            return None

        def exec_module(self, module: types.ModuleType) -> None:
            origin = str(module.__spec__.origin if module.__spec__ else "")
            module.__file__ = origin
            _cache(origin, files[origin])
            exec(compile(files[origin], origin, "exec"), module.__dict__)  # noqa: S102

    sys.meta_path.insert(0, Finder())


def _cache(filename: str, source: str) -> None:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _report(error: BaseException) -> int:
    """The exit status of an uncaught exception, its traceback printed as CPython does."""
    if isinstance(error, SystemExit):
        code = error.code
        if code is None or isinstance(code, int):
            return code or 0
        sys.stderr.write(f"{code}\n")
        return 1
    tb = error.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if f.filename not in (GUEST_FILE, "<string>")]
    sys.stderr.write("Traceback (most recent call last):\n")
    sys.stderr.write("".join(traceback.format_list(frames)))
    sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
    return 1


def main(job: dict[str, Any]) -> None:
    out = sys.stdout
    clock = [0.0]
    events = Events(out, clock, int(job["event_limit"]))
    env: dict[str, str] = job["env"]
    buffered = not (job["unbuffered"] or env.get("PYTHONUNBUFFERED"))
    sys.stdout = Stream(events, 1, buffered=buffered)
    sys.stderr = Stream(events, 2, buffered=False)
    sys.stdin = io.StringIO(job["stdin"])
    os.environ.clear()
    os.environ.update(env)
    filename, source = job["filename"], job["source"]
    directory = os.path.dirname(filename) if filename != "<string>" else job["cwd"]
    sys.argv = list(job["argv"])
    _cache(filename, source)
    _modules(job["files"], directory)
    _clock(job, clock, events)
    files: dict[str, str] = dict(job["files"])
    builtins.open = io.open = _virtual_open(files, job["cwd"])
    stdlib = tuple(os.path.realpath(p) + os.sep for p in sys.path if p and "-packages" not in p)
    _virtual_stat(files, job["cwd"], stdlib)
    _limit(job)
    sys.path.insert(0, directory)
    sys.addaudithook(_hook(stdlib))
    namespace = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
    try:
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102
        status = 0
    except MemoryError:
        events.finish(forever="memory")
    except BaseException as error:
        status = _report(error)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # a script that broke its own streams
            stream.flush()
    events.finish(exit=status)
