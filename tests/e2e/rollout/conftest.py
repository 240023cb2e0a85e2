"""A sandbox whose cluster clock runs twice as fast, settings with people and a policy that lets
``set-image`` in ``todo`` run without approval, a records repository, a real Prometheus
scraping the sandbox's metrics endpoint every second and a webhook receiver (each started only
by the tests that ask)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox, SandboxFactory
from tests.support.prometheus_server import Scraper, scraping

GUARD = ("rollout", "guard", "deploy/backend", "-n", "todo")
FAST = ("--first", "1", "--interval", "1s")
"""Hold at the first new replica (the backend runs 2) and judge every second."""
HEALTHY = "ghcr.io/kubemedic/todo-backend:1.1.0"
SEEDED = "ghcr.io/kubemedic/todo-backend:1.2.0"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass
class Guarded:
    sandbox: Sandbox
    records: Path
    config: Path
    capsys: pytest.CaptureFixture[str]

    def settings(self, **top: Any) -> None:
        """Set top-level keys of the settings file."""
        data = yaml.safe_load(self.config.read_text())
        self.config.write_text(yaml.safe_dump({**data, **top}))

    def cli(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = run(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def guard(self, *args: str) -> Result:
        return self.cli(*GUARD, *FAST, *args)

    def record(self, record_id: str) -> dict[str, Any]:
        shown = self.cli("records", "show", record_id, "--json")
        assert shown.code == 0, shown.err
        data: dict[str, Any] = json.loads(shown.out)
        return data

    def note(self, record_id: str) -> dict[str, Any]:
        """The data of the record's ``rollout-guarded`` note."""
        notes = [s for s in self.record(record_id)["sections"] if s["event"] == "rollout-guarded"]
        assert len(notes) == 1, notes
        data: dict[str, Any] = notes[0]["data"]
        return data

    def backend(self) -> dict[str, Any]:
        data: dict[str, Any] = self.sandbox.kubectl_json(
            "get", "deployment", "backend", "-n", "todo"
        )
        return data

    def image(self) -> str:
        return str(self.backend()["spec"]["template"]["spec"]["containers"][0]["image"])

    def events(self, reason: str) -> list[dict[str, Any]]:
        listed = self.sandbox.kubectl_json("get", "events", "-n", "todo")["items"]
        return [e for e in listed if e.get("reason") == reason]

    def break_command(self, scenario: str) -> tuple[str, ...]:
        """A command that breaks the sandbox the way ``kubemedic sandbox break`` does."""
        script = (
            "import sys; from pathlib import Path; "
            "from kubemedic.sandbox.control import ControlClient; "
            "print(ControlClient.from_kubeconfig(Path(sys.argv[1]))"
            ".break_scenario(sys.argv[2], target=None, namespace=None))"
        )
        return (sys.executable, "-c", script, str(self.sandbox.kubeconfig), scenario)


@pytest.fixture
def guarded(
    sandbox_factory: SandboxFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Guarded:
    sandbox = sandbox_factory(time_scale=2.0)
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "people": [
                    {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
                    {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
                ],
                "user": "Lin",
                "policy": {
                    "tiers": [{"action": "set-image", "namespace": "todo", "tier": "trivial"}],
                    "validation_delays": ["1s"],
                    "validation_timeout": "40s",
                },
            }
        )
    )
    records = tmp_path / "records"
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(records))
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBEMEDIC_PROMETHEUS_URL", raising=False)
    return Guarded(sandbox, records, config, capsys)


@pytest.fixture
def prometheus(guarded: Guarded, tmp_path: Path) -> Iterator[Scraper]:
    """A real Prometheus scraping the sandbox every second."""
    workdir = tmp_path / "prometheus"
    workdir.mkdir()
    with scraping(f"127.0.0.1:{guarded.sandbox.server.metrics_port}", workdir) as server:
        yield server


@dataclass
class Receiver:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a loopback port, keeping each JSON body it is sent."""
    got = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield got
    server.shutdown()
    server.server_close()
