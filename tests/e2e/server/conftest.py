"""A running ``kubemedic serve``: the real app on uvicorn in a thread on a free loopback port,
with local accounts, a settings file and (for the governed tests) the sandbox cluster:
``serve_sandbox(settings)`` starts it on the sandbox, ``pending_oom_fix`` adds an OOM fix there
waiting for a decision."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from kubemedic.cli.app import run
from kubemedic.config import load_settings
from kubemedic.services.accounts import add_account
from kubemedic.web.app import create_app, http_server
from tests.e2e.conftest import Sandbox

PASSWORD = "correct horse battery"
ACCOUNTS = {
    "ada": (("architect", "operator"), "ada@example.com"),
    "lin": (("operator", "architect"), "lin@example.com"),
    "sam": (("security",), "sam@example.com"),
    "vic": (("viewer",), "vic@example.com"),
}
LIN_REQUESTS = {
    "people": [
        {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
        {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
    ],
    "user": "Lin",
    "policy": {"validation_delays": ["1s", "2s"], "validation_timeout": "40s"},
}
"""Settings where Lin requests what the CLI proposes, validated 1 s and 2 s after the change."""


@dataclass
class Clock:
    """The server's clock for sessions and sign-in throttling; tests move it forward."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class RunningServer:
    url: str
    clock: Clock
    users: Path
    uvicorn_server: uvicorn.Server | None = None
    """For tests of shutting down: set its ``should_exit`` as a signal would."""
    thread: threading.Thread | None = None
    _clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        made = httpx.Client(base_url=self.url, headers=headers, timeout=120)
        self._clients.append(made)
        return made

    def signed_in(self, name: str) -> tuple[httpx.Client, str]:
        """A client with a session as ``name``, and the session's CSRF token."""
        browser = self.client()
        form = browser.get("/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        done = browser.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf})
        assert done.status_code == 303, done.text
        page = browser.get("/")
        return browser, page.text.split('name="csrf" value="')[1].split('"')[0]

    def close(self) -> None:
        for made in self._clients:
            made.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


ServerFactory = Callable[..., RunningServer]
SandboxServerFactory = Callable[[Mapping[str, object]], RunningServer]


@pytest.fixture
def start_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerFactory]:
    """Start the server on the current settings (``KUBEMEDIC_*`` of the test)."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(tmp_path / "records"))

    def start(**server: object) -> RunningServer:
        settings = load_settings()
        settings = settings.model_copy(update={"server": settings.server.model_copy(update=server)})
        users = settings.server.users_path()
        for name, (roles, email) in ACCOUNTS.items():
            add_account(users, name, PASSWORD, roles, email)
        clock = Clock()
        port = free_port()
        app = create_app(settings, clock=clock)
        instance = http_server(app, "127.0.0.1", port)
        thread = threading.Thread(target=instance.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not instance.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        assert app.state.warmed.wait(20), "the server did not read its records"
        running.append((instance, thread))
        started.append(RunningServer(f"http://127.0.0.1:{port}", clock, users, instance, thread))
        return started[-1]

    started: list[RunningServer] = []
    yield start
    for each in started:
        each.close()
    for instance, thread in running:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def serve_sandbox(
    start_server: ServerFactory, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxServerFactory:
    """Start the server on the sandbox with these settings (written to its settings file);
    HOME is the test's own directory."""

    def serve(settings: Mapping[str, object]) -> RunningServer:
        config = tmp_path / "kubemedic.yaml"
        config.write_text(yaml.safe_dump(dict(settings)))
        monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
        monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
        monkeypatch.setenv("HOME", str(tmp_path))
        return start_server()

    return serve


def oom_fix(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> str:
    """Break the sandbox with an OOM and let ``kubemedic diagnose --propose`` propose its fix:
    the fix's id (a medium change, pending approval)."""
    sandbox.server.simulation.break_scenario("oom", target=None, namespace=None)  # type: ignore[union-attr]
    sandbox.wait_for(
        lambda: "OOMKilled" in sandbox.kubectl("get", "pods", "-n", "todo", "-o", "yaml").stdout,
        timeout=60,
        what="an OOMKilled container",
    )
    capsys.readouterr()
    run(["diagnose", "-n", "todo", "--propose"])
    line = next(r for r in capsys.readouterr().out.splitlines() if "→ OP-" in r)
    assert "(medium, pending-approval)" in line
    return line.split("→ ")[1].split(" ")[0]


@dataclass(frozen=True, slots=True)
class PendingFix:
    server: RunningServer
    op: str


@pytest.fixture
def pending_oom_fix(
    serve_sandbox: SandboxServerFactory, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> PendingFix:
    """The server on the sandbox with Lin requesting, and the OOM fix Lin proposed waiting for
    a decision."""
    server = serve_sandbox(LIN_REQUESTS)
    return PendingFix(server, oom_fix(sandbox, capsys))
