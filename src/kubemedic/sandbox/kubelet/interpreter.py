"""Runs a container's Python script for real, in a child interpreter that cannot reach the host.

A script mounted from a ConfigMap or Secret (or given with ``python -c``) runs in ``python -I
-S`` with ``pyguest`` wrapped around it: its output, tracebacks, exit codes and sleeps are the
real ones, on a virtual clock that becomes the container's cluster time. The child gets no
environment of ours, a network namespace of its own when ``unshare`` can make one, rlimits on
CPU, memory, file size and processes, and an audit hook that refuses host files, sockets and
processes (see ``pyguest``). A script that never ends (a server loop, ``while True``, a memory
bomb) is cut at a horizon and runs on as a foreground process. Results are cached by their
inputs apart from the start time, so a crash-looping container runs its script once (a
script printing ``time.time()`` repeats its first run's clock).
"""

from __future__ import annotations

import functools
import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubemedic.sandbox.kubelet.process import Foreground, MiB, Step, Usage, log_lines

_BOOT = (
    "import sys,json\n"
    "job=json.loads(sys.stdin.readline())\n"
    "guest={'__name__':'kubemedic_guest'}\n"
    "exec(compile(job['guest'],'<kubemedic-guest>','exec'),guest)\n"
    "guest['main'](job)\n"
)
_GUEST = (Path(__file__).with_name("pyguest.py")).read_text(encoding="utf-8")
CPU_SECONDS = 2
WALL_SECONDS = 6.0
MEMORY_BYTES = 512 * MiB
OUTPUT_BYTES = 4 * MiB
HORIZON_SECONDS = 7 * 86400.0  # virtual time after which a sleeping script runs for ever
SLEEP_LIMIT = 1000
EVENT_LIMIT = 20000
_MAX_ITERATION_LINES = 50  # the longest loop body whose output is repeated for ever
_CPU_LIMIT_SIGNALS = (-24, -9)  # SIGXCPU at the soft CPU limit, SIGKILL at the hard one
_RUNNING = Usage(cpu_cores=0.01, memory_bytes=40 * MiB)
_BUSY = Usage(cpu_cores=1.0, memory_bytes=40 * MiB)
_BOMB = Usage(cpu_cores=1.0, memory_bytes=40 * MiB, memory_growth=256 * MiB)


@dataclass(frozen=True, slots=True)
class PythonJob:
    """One run of a script: its source, where it lives, and what the container gives it."""

    source: str
    filename: str  # the script's path in the container, or "<string>" for ``-c``
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, str], ...]  # mounted and written files, path -> text
    cwd: str = "/"
    stdin: str = ""
    unbuffered: bool = False
    epoch: float = field(default=0.0, compare=False)  # not in the cache key: see below


def run_python(job: PythonJob) -> Step:
    """What the script does, as a ``Step`` on the container's clock."""
    return _cached(job)


@functools.lru_cache(maxsize=256)
def _cached(job: PythonJob) -> Step:
    payload = {
        "guest": _GUEST,
        "source": job.source,
        "filename": job.filename,
        "argv": list(job.argv),
        "env": dict(job.env),
        "files": dict(job.files),
        "cwd": job.cwd,
        "stdin": job.stdin,
        "unbuffered": job.unbuffered,
        "epoch": job.epoch,
        "cpu_seconds": CPU_SECONDS,
        "memory_bytes": MEMORY_BYTES,
        "horizon_seconds": HORIZON_SECONDS,
        "sleep_limit": SLEEP_LIMIT,
        "event_limit": EVENT_LIMIT,
    }
    output, returncode = _run_child(json.dumps(payload).encode() + b"\n")
    return _step(output, returncode)


@functools.cache
def _isolation() -> tuple[str, ...]:
    """``unshare -rn`` (no network) when this machine allows it, else nothing."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = [unshare, "-rn", sys.executable, "-I", "-S", "-c", "pass"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (unshare, "-rn") if done.returncode == 0 else ()


def _run_child(payload: bytes) -> tuple[bytes, int | None]:
    """The child's standard output (capped) and exit status; None when it had to be killed."""
    command = [*_isolation(), sys.executable, "-I", "-S", "-c", _BOOT]
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={"LANG": "C.UTF-8"},
        cwd="/",
        start_new_session=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        child.stdin.write(payload)
        child.stdin.close()
    except BrokenPipeError:
        pass
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + WALL_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while size < OUTPUT_BYTES and (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                continue
            chunk = os.read(child.stdout.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    killed = child.poll() is None and (size >= OUTPUT_BYTES or time.monotonic() >= deadline)
    if killed:
        child.kill()
    returncode = child.wait()
    child.stdout.close()
    return b"".join(chunks), None if killed else returncode


def _step(output: bytes, returncode: int | None) -> Step:
    events: list[tuple[float, int, str]] = []
    ending: dict[str, Any] = {}
    clock = 0.0
    for raw in output.decode("utf-8", "replace").splitlines():
        event = _event(raw)
        if event is None:
            events.append((clock, 1, raw + "\n"))  # written to fd 1 past sys.stdout
            continue
        clock = max(clock, event["t"])
        if "x" in event:
            events.append((clock, 2 if event.get("s") == 2 else 1, str(event["x"])))
        else:
            ending = event
    lines = log_lines(events)
    if "exit" in ending:
        return Step(lines=lines, duration=clock, status=int(ending["exit"]), usage=_RUNNING)
    forever = ending.get("forever")
    if forever is None and returncode is not None and returncode >= 0:
        return Step(lines=lines, duration=clock, status=returncode, usage=_RUNNING)
    if forever is None and returncode is not None and returncode not in _CPU_LIMIT_SIGNALS:
        return Step(lines=lines, duration=clock, status=128 - returncode, usage=_RUNNING)
    if forever == "sleeps":
        return _sleeping_loop(lines, clock)
    usage = _BOMB if forever == "memory" else _BUSY
    return Step(lines=lines, duration=clock, foreground=Foreground(), usage=usage)


def _sleeping_loop(lines: tuple[tuple[float, str], ...], clock: float) -> Step:
    """A script cut at the horizon while sleeping: a loop whose last iterations print the same
    lines at the same pace goes on doing so for ever; anything else goes quiet."""
    texts = [text for _, text in lines]
    for size in range(1, min(_MAX_ITERATION_LINES, len(lines) // 3) + 1):
        period = lines[-1][0] - lines[-1 - size][0]
        repeats = all(
            texts[-i] == texts[-i - size]
            and abs(lines[-i][0] - lines[-i - size][0] - period) < 1e-6
            for i in range(1, 2 * size + 1)
        )
        if repeats and period > 0:
            start = len(lines) - size
            loop = Foreground(repeat_every=period, repeat_lines=tuple(texts[start:]))
            return Step(
                lines=lines[:start], duration=lines[start][0], foreground=loop, usage=_RUNNING
            )
    return Step(lines=lines, duration=clock, foreground=Foreground(), usage=_RUNNING)


def _event(raw: str) -> dict[str, Any] | None:
    """One guest event, or None for anything else (a script may write to fd 1 itself)."""
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("t"), int | float):
        return None
    if "exit" in event and not isinstance(event["exit"], int):
        return None
    event["t"] = min(max(float(event["t"]), 0.0), HORIZON_SECONDS)
    return event
