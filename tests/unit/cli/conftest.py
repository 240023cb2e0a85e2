"""Run the real command line in-process, isolated from the developer's own settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kubemedic.cli.app import run

REPO = Path(__file__).parents[3]
SCENARIOS = REPO / "tests" / "scenarios"
EXAMPLES = REPO / "examples"
OOMKILLED = SCENARIOS / "oomkilled-undersized-limit"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No KUBEMEDIC_* variable, config file or terminal setting of whoever runs the tests."""
    for name in list(os.environ):
        if name.upper().startswith("KUBEMEDIC_") or name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "120")
    config_home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    return config_home


@pytest.fixture
def kubemedic(capsys: pytest.CaptureFixture[str]) -> Invoke:
    """``kubemedic(*args)`` runs the command line and returns its exit code and output."""

    def invoke(*args: str | Path) -> Result:
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke
