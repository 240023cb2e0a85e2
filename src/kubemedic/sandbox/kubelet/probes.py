"""Liveness, readiness and startup probes answered by the simulated process, not by sockets.

An HTTP probe asks the process's listener on that port for that path: nothing listening is
``connection refused``, an unknown path is the server's 404, a slow server is ``context deadline
exceeded``. Exec probes run through the same shell interpreter with the files the process has
created or removed by then. The failure texts are the kubelet's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.programs import RunContext, find_executable
from kubemedic.sandbox.kubelet.shell import run_program

Obj = dict[str, Any]
KINDS = ("startup", "liveness", "readiness")


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    message: str = ""


def _port(value: object, container: Obj) -> int | None:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    for port in container.get("ports") or []:
        if port.get("name") == text:
            return int(port.get("containerPort") or 0)
    return None


def run_probe(
    probe: Obj,
    process: Process,
    age: float,
    *,
    container: Obj,
    pod_ip: str,
    context: RunContext,
    initial_files: frozenset[str],
) -> ProbeResult:
    """Ask the process what a real kubelet's probe would get ``age`` seconds after start."""
    timeout = float(probe.get("timeoutSeconds") or 1)
    if isinstance(probe.get("httpGet"), dict):
        return _http(probe["httpGet"], process, age, container, pod_ip, timeout)
    for handler in ("tcpSocket", "grpc"):
        if isinstance(probe.get(handler), dict):
            port = _port(probe[handler].get("port"), container)
            if port is not None and process.listener(port, age) is not None:
                return ProbeResult(True)
            return ProbeResult(False, f"dial tcp {pod_ip}:{port}: connect: connection refused")
    command = (probe.get("exec") or {}).get("command") or []
    return _exec([str(c) for c in command], process, age, context, initial_files)


def _http(
    get: Obj, process: Process, age: float, container: Obj, pod_ip: str, timeout: float
) -> ProbeResult:
    port = _port(get.get("port"), container)
    path = str(get.get("path") or "/")
    scheme = str(get.get("scheme") or "HTTP").lower()
    host = str(get.get("host") or pod_ip)
    url = f"{scheme}://{host}:{port}{path}"
    listener = process.listener(port, age) if port is not None else None
    if listener is None:
        return ProbeResult(
            False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        )
    if not listener.http:
        return ProbeResult(False, f'Get "{url}": EOF')
    if process.usage.latency_seconds >= timeout:
        return ProbeResult(
            False,
            f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting '
            "headers)",
        )
    status = listener.status(path, age)
    if 200 <= status < 400:
        return ProbeResult(True)
    return ProbeResult(False, f"HTTP probe failed with statuscode: {status}")


def _exec(
    command: list[str], process: Process, age: float, context: RunContext, initial: frozenset[str]
) -> ProbeResult:
    if not command:
        return ProbeResult(False, "missing probe handler")
    files = {
        p
        for p in initial | {c[1] for c in process.file_changes}
        if process.file_exists(p, age, initial)
    }
    context.files = files
    found = find_executable(command[0], context.image)
    if found is None or found.program is None:
        return ProbeResult(
            False,
            "OCI runtime exec failed: exec failed: unable to start container process: exec: "
            f'"{command[0]}": '
            "executable file not found in $PATH: unknown",
        )
    step = run_program(found.program, command, context)
    if step.foreground is not None:
        return ProbeResult(False, f"command {' '.join(repr(c) for c in command)} timed out")
    if step.status == 0:
        return ProbeResult(True)
    output = "\n".join(text for _, text in step.lines)
    return ProbeResult(False, output + ("\n" if output else ""))


def probe_specs(container: Obj) -> Mapping[str, Obj]:
    """The container's probes by kind (startup, liveness, readiness)."""
    return {
        kind: container[f"{kind}Probe"]
        for kind in KINDS
        if isinstance(container.get(f"{kind}Probe"), dict)
    }


def failure_event(kind: str, message: str) -> str:
    return f"{kind.capitalize()} probe failed: {message}"
