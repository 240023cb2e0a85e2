"""Sandbox use cases: start and stop the background sandbox process, and drive a running one.

``up`` starts ``python -m kubemedic.sandbox.runtime`` detached from the terminal and returns
once its API answers ``/readyz``; every other use case finds the sandbox through its state
directory (pid, port, kubeconfig) and talks to its control API. Errors are ``SandboxError``
(exit code 4) with what to do next.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubemedic.errors import InputError, SandboxError
from kubemedic.sandbox.control import ControlClient
from kubemedic.sandbox.resources import kind_for
from kubemedic.sandbox.statedir import StateDir

DEFAULT_SEED = "todo-chatbot"
_STOP_GRACE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class UpRequest:
    """What ``kubemedic sandbox up`` was asked for."""

    state_dir: Path | None = None
    port: int = 0
    metrics_port: int = 0
    seed: str = DEFAULT_SEED
    time_scale: float = 1.0
    timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class RunningSandbox:
    """Where a running sandbox can be reached."""

    state_dir: Path
    kubeconfig: Path
    pid: int
    api_url: str
    metrics_url: str


def up(request: UpRequest) -> RunningSandbox:
    """Start a sandbox in the background; return once its API is ready."""
    if request.time_scale <= 0:
        raise SandboxError(f"--time-scale must be positive, got {request.time_scale}")
    state = StateDir.at(request.state_dir)
    if _running_pid(state) is not None:
        raise SandboxError(
            f"a sandbox is already running in {state.root}",
            hint="stop it with `kubemedic sandbox down`, or start another with --state-dir DIR",
        )
    state.prepare()
    state.clear_runtime_files()
    command = [
        sys.executable,
        "-m",
        "kubemedic.sandbox.runtime",
        "--state-dir",
        str(state.root),
        "--port",
        str(request.port),
        "--metrics-port",
        str(request.metrics_port),
        "--seed",
        request.seed,
        "--time-scale",
        str(request.time_scale),
        "--detach",
    ]
    with state.log.open("ab") as log:
        launched = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False, timeout=60
        )
    if launched.returncode != 0:
        raise _start_failure(state, f"the sandbox could not start (exit {launched.returncode})")
    return _describe(state, _wait_until_ready(state, request.timeout))


def _wait_until_ready(state: StateDir, timeout: float) -> int:
    """The pid of the detached sandbox once its API answers."""
    deadline = time.monotonic() + timeout
    pid: int | None = None
    while time.monotonic() < deadline:
        pid = state.read_int(state.pid) or pid
        if pid is not None and not _alive(pid):
            raise _start_failure(state, "the sandbox exited during start")
        configured = state.read_int(state.port) and state.kubeconfig.is_file()
        if pid and configured and ControlClient.from_kubeconfig(state.kubeconfig).ready():
            return pid
        time.sleep(0.1)
    if pid is not None:
        _terminate(pid)
    raise SandboxError(
        f"the sandbox did not become ready within {timeout:.0f}s", hint=f"see {state.log}"
    )


def _start_failure(state: StateDir, message: str) -> SandboxError:
    state.clear_runtime_files()
    return SandboxError(message, hint=f"see {state.log}:\n{_log_tail(state)}")


def _describe(state: StateDir, pid: int) -> RunningSandbox:
    port = state.read_int(state.port)
    metrics_port = state.read_int(state.metrics_port)
    return RunningSandbox(
        state_dir=state.root,
        kubeconfig=state.kubeconfig,
        pid=pid,
        api_url=f"https://127.0.0.1:{port}",
        metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
    )


def down(state_dir: Path | None) -> bool:
    """Stop the sandbox of ``state_dir``; False when none was running."""
    state = StateDir.at(state_dir)
    pid = _running_pid(state)
    if pid is None:
        state.clear_runtime_files()
        return False
    _terminate(pid)
    state.clear_runtime_files()
    return True


def running(state_dir: Path | None) -> RunningSandbox:
    """The sandbox running in ``state_dir``; SandboxError when there is none."""
    state = StateDir.at(state_dir)
    pid = _running_pid(state)
    if pid is None:
        raise SandboxError(
            f"no sandbox is running in {state.root}", hint="start one with `kubemedic sandbox up`"
        )
    return _describe(state, pid)


def client(state_dir: Path | None) -> ControlClient:
    """A control client of the sandbox running in ``state_dir``."""
    sandbox = running(state_dir)
    return ControlClient.from_kubeconfig(sandbox.kubeconfig)


def status(state_dir: Path | None) -> dict[str, Any]:
    return client(state_dir).status()


def reset(state_dir: Path | None, seed: str | None) -> str:
    return client(state_dir).reset(seed)


def scenarios(state_dir: Path | None) -> list[dict[str, str]]:
    return client(state_dir).scenarios()


def break_scenario(
    state_dir: Path | None, scenario: str, *, target: str | None, namespace: str | None
) -> str:
    if target is not None:
        target = _normalise_target(target)
    return client(state_dir).break_scenario(scenario, target=target, namespace=namespace)


def load(state_dir: Path | None, target: str, namespace: str, cpu_percent: float) -> str:
    if not 0 <= cpu_percent <= 1000:
        raise SandboxError(f"--cpu must be a percentage of the request (0-1000), got {cpu_percent}")
    kind, name = _normalise_target(target).split("/", 1)
    return client(state_dir).set_load(kind, namespace, name, cpu_percent)


def add_images(state_dir: Path | None, specs: list[dict[str, Any]]) -> list[str]:
    sandbox = client(state_dir)
    return [sandbox.add_image(spec) for spec in specs]


def remove_image(state_dir: Path | None, image: str, tags: list[str]) -> str:
    return client(state_dir).remove_image(image, tags)


def history(state_dir: Path | None, days: int, out: Path) -> int:
    """Write ``days`` of OpenMetrics history to ``out``; return the number of bytes written."""
    if days < 1:
        raise SandboxError(f"--days must be at least 1, got {days}")
    data = ControlClient.from_kubeconfig(running(state_dir).kubeconfig, timeout=600).history(days)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the history: {exc.strerror}", path=str(out)) from None
    return len(data)


def _normalise_target(target: str) -> str:
    """``deploy/web`` → ``Deployment/web`` (SandboxError when the kind is unknown)."""
    alias, slash, name = target.partition("/")
    kind = kind_for(alias) if slash else None
    if not slash or not name or kind is None:
        raise SandboxError(
            f"target must be KIND/NAME with a known kind, e.g. deploy/backend; got {target!r}"
        )
    return f"{kind}/{name}"


# ---------------------------------------------------------------- process handling


def _running_pid(state: StateDir) -> int | None:
    pid = state.read_int(state.pid)
    if pid is None or not _is_sandbox_process(pid):
        return None
    return pid


def _is_sandbox_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            return b"kubemedic.sandbox.runtime" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def _terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ", 1)[1][0] != "Z"  # a zombie has exited
    except (OSError, IndexError):
        return True


def _log_tail(state: StateDir, lines: int = 15) -> str:
    try:
        text = state.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
