"""A governed workspace on a sandbox: settings with people and roles, a records repository,
and the ``kubemedic`` command run as a user runs it (in-process through its real entry point,
or as a separate process where two must run at once)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox

PEOPLE = [
    {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
    {"name": "Bo", "email": "bo@example.com", "roles": ["architect"]},
    {"name": "Sam", "email": "sam@example.com", "roles": ["security"]},
    {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def first_line(self) -> str:
        return self.out.splitlines()[0] if self.out else ""


@dataclass
class Governed:
    """The sandbox, the records repository and the settings of one test."""

    sandbox: Sandbox
    records: Path
    config: Path
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = run(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def process(self, *args: str) -> subprocess.Popen[str]:
        """``kubemedic ARGS`` as a separate process (same environment)."""
        return subprocess.Popen(
            [sys.executable, "-m", "kubemedic", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def finish(process: subprocess.Popen[str]) -> Result:
        out, err = process.communicate(timeout=120)
        return Result(process.returncode, out, err)

    def settings(self, **policy: Any) -> None:
        """Rewrite the settings file with these policy values (and the people)."""
        data = yaml.safe_load(self.config.read_text())
        data["policy"] = {**data.get("policy", {}), **policy}
        self.config.write_text(yaml.safe_dump(data))

    def record(self, record_id: str) -> dict[str, Any]:
        result = self.cli("records", "show", record_id, "--json")
        assert result.code == 0, result.err
        data: dict[str, Any] = json.loads(result.out)
        return data

    def events(self, record_id: str) -> list[str]:
        return [s["event"] for s in self.record(record_id)["sections"]]

    def deployment(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = self.sandbox.kubectl_json("get", "deployment", name, "-n", "todo")
        return data

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.records), *args],
            capture_output=True,
            text=True,
            check=True,
            env={
                "GIT_AUTHOR_NAME": "Mallory",
                "GIT_AUTHOR_EMAIL": "m@example.com",
                "GIT_COMMITTER_NAME": "Mallory",
                "GIT_COMMITTER_EMAIL": "m@example.com",
                "HOME": str(self.records.parent),
                "PATH": "/usr/bin:/bin",
            },
        ).stdout


@pytest.fixture
def governed(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Governed]:
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "people": PEOPLE,
                "user": "Lin",
                "policy": {"validation_delays": ["1s", "2s"], "validation_timeout": "40s"},
            }
        )
    )
    records = tmp_path / "records"
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(records))
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    return Governed(sandbox, records, config, capsys)
