"""Application behaviours: how a catalog program (a web server, a database, the Todo app) acts.

One declarative ``AppSpec`` describes a program's ports and routes, start-up time and log
lines, CPU and memory profile, traffic and error ratio, the environment it insists on, and
whether it serves forever or exits. Catalog images and images users add with
``sandbox registry add`` are all described this way, so their behaviour is data, not code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.sandbox.kubelet.process import Foreground, Listener, MiB, Step, Usage


@dataclass(frozen=True, slots=True)
class AppSpec:
    """The behaviour of one program; every field has a plain default."""

    http_ports: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    tcp_ports: tuple[int, ...] = ()
    port_flag: str | None = None  # "--port": the first HTTP port follows this flag in argv
    startup_seconds: float = 1.0
    start_logs: tuple[str, ...] = ()
    runs_forever: bool = True
    run_seconds: float = 1.0
    exit_code: int = 0
    exit_logs: tuple[str, ...] = ()
    required_env: tuple[str, ...] = ()
    missing_env_logs: tuple[str, ...] = ("Error: environment variable {name} is not set",)
    missing_env_exit_code: int = 1
    failing_after: float | None = None
    stop_exit_code: int = 143
    usage: Usage = field(default_factory=Usage)

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> Step:
        """Start the program with ``argv`` and ``env``: it serves, exits, or refuses to start."""
        for name in self.required_env:
            if not env.get(name):
                logs = tuple(line.format(name=name) for line in self.missing_env_logs)
                return _timed(logs, self.startup_seconds / 2, self.missing_env_exit_code)
        if not self.runs_forever:
            logs = self.start_logs + self.exit_logs
            return _timed(logs, self.run_seconds, self.exit_code, usage=self.usage)
        listeners: dict[int, Listener] = {}
        for index, (port, routes) in enumerate(self.http_ports.items()):
            chosen = _flag_port(argv, self.port_flag) if index == 0 else None
            listeners[chosen or port] = Listener(routes=routes, failing_after=self.failing_after)
        for port in self.tcp_ports:
            listeners[port] = Listener(http=False)
        return Step(
            lines=_spread(self.start_logs, self.startup_seconds),
            foreground=Foreground(
                listeners=listeners,
                ready_after=self.startup_seconds,
                stop_exit_code=self.stop_exit_code,
            ),
            usage=self.usage,
            ramp_seconds=max(self.startup_seconds, 1.0),
        )

    def with_traits(self, traits: Mapping[str, Any]) -> AppSpec:
        """This behaviour with a few traits changed (an image tag that leaks or fails)."""
        usage_fields = {k: float(v) for k, v in traits.items() if k in _USAGE_FIELDS}
        own = {k: v for k, v in traits.items() if k not in _USAGE_FIELDS}
        return replace(self, usage=replace(self.usage, **usage_fields), **own)


_USAGE_FIELDS = frozenset(Usage.__dataclass_fields__)


def _flag_port(argv: Sequence[str], flag: str | None) -> int | None:
    if not flag:
        return None
    for index, arg in enumerate(argv):
        value = None
        if arg == flag and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith(flag + "="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return int(value) if value.isdigit() else None
    return None


def _spread(logs: Sequence[str], seconds: float) -> tuple[tuple[float, str], ...]:
    """Start-up lines spread over the start-up time, the last one when it is ready."""
    if not logs:
        return ()
    step = seconds / len(logs)
    return tuple((round(step * (i + 1), 3), line) for i, line in enumerate(logs))


def _timed(logs: Sequence[str], seconds: float, status: int, usage: Usage | None = None) -> Step:
    return Step(lines=_spread(logs, seconds), duration=seconds, status=status, usage=usage)


def app_from_dict(spec: Mapping[str, Any]) -> AppSpec:
    """An ``AppSpec`` from the user-facing dict form (``sandbox registry add --file``).

    ``{"ports": {"8080": {"/": 200, "/healthz": 200}}, "tcpPorts": [5432], "memory": "200Mi",
    "cpu": "50m", "startupSeconds": 3, "logs": [...], "exitCode": 1, "runSeconds": 5,
    "requiredEnv": ["DATABASE_URL"], "errorRatio": 0.2, "latencySeconds": 0.1,
    "memoryGrowthPerSecond": "1Mi", "requestsPerSecond": 20}`` — every key is optional; without
    ``exitCode`` the program serves forever.
    """
    ports = {
        int(port): {str(path): int(code) for path, code in (routes or {"/": 200}).items()}
        for port, routes in (spec.get("ports") or {}).items()
    }
    exits = "exitCode" in spec
    usage = Usage(
        cpu_cores=parse_quantity(spec.get("cpu", "10m")) or 0.01,
        memory_bytes=parse_quantity(spec.get("memory", "64Mi")) or 64 * MiB,
        memory_growth=parse_quantity(spec.get("memoryGrowthPerSecond", 0)) or 0.0,
        requests_per_second=float(spec.get("requestsPerSecond", 5 if ports else 0)),
        cpu_per_request=float(spec.get("cpuPerRequest", 0.002)),
        error_ratio=float(spec.get("errorRatio", 0.0)),
        latency_seconds=float(spec.get("latencySeconds", 0.02)),
    )
    return AppSpec(
        http_ports=ports,
        tcp_ports=tuple(int(p) for p in spec.get("tcpPorts") or ()),
        startup_seconds=float(spec.get("startupSeconds", 1.0)),
        start_logs=tuple(str(line) for line in spec.get("logs") or ()),
        runs_forever=not exits,
        run_seconds=float(spec.get("runSeconds", 1.0)),
        exit_code=int(spec.get("exitCode", 0)),
        required_env=tuple(str(v) for v in spec.get("requiredEnv") or ()),
        usage=usage,
    )
