"""The sandbox process: store, clock, simulation and servers wired together.

``SandboxServer`` is the whole sandbox as one object with ``start()`` / ``stop()``, used
in-process by tests (on free ports) and by ``python -m kubemedic.sandbox.runtime``, the process
``kubemedic sandbox up`` starts in the background. Starting generates a fresh CA and tokens,
seeds the cluster, starts the controllers and both servers, then writes the state directory
(kubeconfig, ca.crt, port, metrics-port, pid).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox import tls
from kubemedic.sandbox.apierrors import AlreadyExistsError
from kubemedic.sandbox.auth import Tokens
from kubemedic.sandbox.backend import Backend, StoreOnly
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.control_api import ControlAPI
from kubemedic.sandbox.served_time import ServedTime
from kubemedic.sandbox.server import ApiApp, HttpServer, prometheus_responder
from kubemedic.sandbox.statedir import StateDir, kubeconfig_text
from kubemedic.sandbox.store import Store

if TYPE_CHECKING:
    from kubemedic.sandbox.simulation import Simulation

log = logging.getLogger("kubemedic.sandbox")

# Namespaces and the Service every API server creates for itself.
_SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    state_dir: Path
    port: int = 0
    metrics_port: int = 0
    seed: str = "todo-chatbot"
    time_scale: float = 1.0
    simulate: bool = True
    detach: bool = False
    clock_start: datetime | None = None
    """Cluster time at start (default: now); set earlier, a fast clock catches up with the wall."""


class SandboxServer:
    """One sandbox cluster: its API on HTTPS, its Prometheus endpoint, and its simulation."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.state = StateDir.at(options.state_dir)
        self.clock = SimClock(options.time_scale, start=options.clock_start)
        self.store = Store(self.clock.now)
        self.tokens = Tokens.generate()
        self.simulation: Simulation | None = None
        self.backend: Backend = StoreOnly()
        if options.simulate:
            from kubemedic.sandbox.simulation import Simulation  # the controllers are heavy

            self.simulation = Simulation(self.store, self.clock, state_dir=self.state.root)
            self.backend = self.simulation
        self._seed = options.seed
        self._api: HttpServer | None = None
        self._metrics: HttpServer | None = None
        self._app: ApiApp | None = None
        self._started_at = datetime.now(UTC)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind both ports (failing fast if taken), seed, start the simulation, then serve."""
        self.state.prepare()
        self._started_at = datetime.now(UTC)
        certificate = tls.generate(datetime.now(UTC))
        control = ControlAPI(self.backend, self.status, self.reset)
        self._app = ApiApp(
            self.store,
            self.backend,
            self.tokens,
            self.clock.now,
            control,
            "",
            ServedTime(self.clock.lead),
        )
        self._api = HttpServer(
            self._app.respond,
            port=self.options.port,
            ssl_context=certificate.server_context(self.state.root),
        )
        self._app.address = f"127.0.0.1:{self._api.port}"
        self._metrics = HttpServer(
            prometheus_responder(self.backend), port=self.options.metrics_port
        )
        self._populate(self._seed)
        if self.simulation is not None:
            self.simulation.start()
        self._api.start()
        self._metrics.start()
        self.state.ca.write_bytes(certificate.ca_pem)
        self.state.write_private(
            self.state.kubeconfig,
            kubeconfig_text(self.url, certificate.ca_pem, self.tokens.admin, self.tokens.readonly),
        )
        self.state.port.write_text(f"{self._api.port}\n", encoding="utf-8")
        self.state.metrics_port.write_text(f"{self._metrics.port}\n", encoding="utf-8")
        log.info("sandbox API serving on %s (metrics on port %s)", self.url, self._metrics.port)

    def stop(self) -> None:
        if self._app is not None:
            self._app.stopping.set()
        for server in (self._api, self._metrics):
            if server is not None:
                server.stop()
        if self.simulation is not None:
            self.simulation.stop()
        self.store.reset()
        self._api = self._metrics = None
        log.info("sandbox stopped")

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ state

    @property
    def port(self) -> int:
        if self._api is None:
            raise RuntimeError("the sandbox is not started")
        return self._api.port

    @property
    def metrics_port(self) -> int:
        if self._metrics is None:
            raise RuntimeError("the sandbox is not started")
        return self._metrics.port

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.state.kubeconfig

    def status(self) -> dict[str, Any]:
        """What ``kubemedic sandbox status`` shows."""
        return {
            "apiServer": self.url,
            "metricsUrl": f"http://127.0.0.1:{self.metrics_port}/metrics",
            "kubeconfig": str(self.kubeconfig),
            "pid": os.getpid(),
            "seed": self._seed,
            "timeScale": self.options.time_scale,
            "simulated": self.simulation is not None,
            "startedAt": format_time(self._started_at),
            "clusterTime": format_time(self.clock.now()),
            "resourceVersion": self.store.resource_version(),
            "objects": self.store.counts(),
        }

    def reset(self, seed: str | None = None) -> str:
        """Drop every object and seed again (with ``seed``, or the one the sandbox started with)."""
        with self._lock:
            self._seed = seed or self._seed
            if self.simulation is not None:
                self.simulation.reset()
            self.store.reset()
            self._populate(self._seed)
        return f"sandbox reset and seeded with {self._seed!r}"

    def _populate(self, seed: str) -> None:
        if self.simulation is not None:
            self.simulation.seed(seed)
        self._bootstrap()

    def _bootstrap(self) -> None:
        """What every API server creates for itself, unless the seed did already."""
        for name in _SYSTEM_NAMESPACES:
            _create_if_missing(
                self.store, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            )
        _create_if_missing(
            self.store,
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "kubernetes",
                    "namespace": "default",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "clusterIP": "10.96.0.1",
                    "ports": [{"name": "https", "port": 443, "targetPort": 6443}],
                },
            },
        )


def _create_if_missing(store: Store, obj: dict[str, Any]) -> None:
    with contextlib.suppress(AlreadyExistsError):
        store.create(obj)


# ---------------------------------------------------------------- process entry point


def _parse_args(argv: Sequence[str] | None) -> SandboxOptions:
    parser = argparse.ArgumentParser(
        prog="python -m kubemedic.sandbox.runtime",
        description="Serve a kubemedic sandbox cluster until SIGTERM or SIGINT.",
    )
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0, help="HTTPS API port (0: any free port)")
    parser.add_argument("--metrics-port", type=int, default=0)
    parser.add_argument("--seed", default="todo-chatbot")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument(
        "--no-simulation",
        action="store_true",
        help="serve the API over a bare store (no controllers, kubelets or metrics)",
    )
    parser.add_argument(
        "--detach", action="store_true", help="fork into the background and return at once"
    )
    args = parser.parse_args(argv)
    return SandboxOptions(
        state_dir=args.state_dir,
        port=args.port,
        metrics_port=args.metrics_port,
        seed=args.seed,
        time_scale=args.time_scale,
        simulate=not args.no_simulation,
        detach=args.detach,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = _parse_args(argv)
    state = StateDir.at(options.state_dir)
    state.prepare()
    if options.detach and os.fork() > 0:
        return 0  # the parent returns; the child carries on as the sandbox
    if options.detach:
        os.setsid()
    state.pid.write_text(f"{os.getpid()}\n", encoding="utf-8")
    logging.basicConfig(
        filename=state.log,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sandbox = SandboxServer(options)
    try:
        sandbox.start()
    except OSError as exc:
        log.error("the sandbox cannot listen on 127.0.0.1: %s", exc.strerror or exc)
        state.clear_runtime_files()
        return 1
    except Exception:
        log.exception("the sandbox failed to start")
        state.clear_runtime_files()
        return 1
    try:
        while not stop.wait(timeout=1.0):
            pass
    finally:
        started = time.monotonic()
        sandbox.stop()
        state.clear_runtime_files()
        log.info("shut down in %.1fs", time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
