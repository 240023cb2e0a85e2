"""Fixtures that start a sandbox cluster in-process on free ports, and talk to it.

``sandbox`` is the seeded todo-chatbot cluster with its simulation running fast;
``bare_sandbox`` serves the API over a bare store (no controllers or kubelets), for tests of the
API machinery alone; ``sandbox_factory`` starts others with chosen options. Each comes with
helpers to run the real ``kubectl`` against it and to build an official Python client.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubemedic.sandbox.runtime import SandboxOptions, SandboxServer
from kubemedic.sandbox.statedir import READONLY_CONTEXT
from kubemedic.sandbox.store import Store

KUBECTL = shutil.which("kubectl")


@dataclass
class Sandbox:
    """A running sandbox and the ways a test talks to it."""

    server: SandboxServer
    cache_dir: Path

    @property
    def store(self) -> Store:
        return self.server.store

    @property
    def kubeconfig(self) -> Path:
        return self.server.kubeconfig

    def kubectl(
        self,
        *args: str,
        check: bool = True,
        readonly: bool = False,
        stdin: str | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real kubectl against this sandbox."""
        if KUBECTL is None:
            pytest.skip("kubectl is not installed")
        command = [
            KUBECTL,
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            str(self.cache_dir),
        ]
        if readonly:
            command += ["--context", READONLY_CONTEXT]
        result = subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def kubectl_json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def api_client(self, *, readonly: bool = False) -> Any:
        """An official ``kubernetes`` client ApiClient for this sandbox."""
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(
            config_file=str(self.kubeconfig),
            context=READONLY_CONTEXT if readonly else None,
            client_configuration=configuration,
        )
        return client.ApiClient(configuration)

    def wait_for(
        self,
        predicate: Callable[[], Any],
        *,
        timeout: float = 30,
        what: str = "condition",
        interval: float = 0.1,
    ) -> Any:
        """Poll ``predicate`` every ``interval`` seconds until it returns something truthy;
        fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)

    def break_into_a_crash_loop(self) -> None:
        """Break the todo app with the ``crashloop`` scenario and wait until one of its pods
        is in CrashLoopBackOff."""
        assert self.server.simulation is not None
        self.server.simulation.break_scenario("crashloop", target=None, namespace=None)
        self.wait_for(self._crash_looping, timeout=90, what="a crash loop")

    def _crash_looping(self) -> bool:
        pods, _ = self.store.list("Pod", "todo")
        return any(
            (s.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
            for pod in pods
            for s in (pod.get("status") or {}).get("containerStatuses") or ()
        )


SandboxFactory = Callable[..., Sandbox]


@pytest.fixture
def sandbox_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxFactory]:
    """Start sandboxes with ``factory(seed=..., time_scale=..., simulate=...)``; all stop after."""
    started: list[SandboxServer] = []

    def factory(
        *, seed: str = "todo-chatbot", time_scale: float = 10.0, simulate: bool = True
    ) -> Sandbox:
        root = tmp_path_factory.mktemp("sandbox")
        server = SandboxServer(
            SandboxOptions(
                state_dir=root / "state", seed=seed, time_scale=time_scale, simulate=simulate
            )
        )
        server.start()
        started.append(server)
        return Sandbox(server, root / "kube-cache")

    yield factory
    for server in reversed(started):
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> Sandbox:
    """The todo-chatbot sandbox, its cluster time running ten times faster than real time."""
    return sandbox_factory()


@pytest.fixture
def bare_sandbox(sandbox_factory: SandboxFactory) -> Sandbox:
    """A sandbox serving its API over a bare store: objects stay exactly as written."""
    return sandbox_factory(seed="empty", simulate=False)
