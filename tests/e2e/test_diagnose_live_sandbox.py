"""The user's path end to end: break the sandbox with the CLI, diagnose it over the live API.

Nothing here is in-process: `kubemedic sandbox break` and `kubemedic diagnose` run as the
commands a user types, against the sandbox's HTTPS API through its kubeconfig.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

CASES = {
    "crashloop": ("crashloop.app-error", "Deployment", "backend", "DATABASE_URL"),
    "bad-image": ("image.not-found", "Deployment", "backend", "v1.2.0"),
    "missing-configmap": ("config.missing-configmap", "Deployment", "backend", "not found"),
    "unschedulable": ("scheduling.insufficient-resources", "Deployment", "backend", "CPU"),
}


def _kubemedic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubemedic", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class CliSandbox:
    """A sandbox started with `kubemedic sandbox up`, as a user would."""

    state_dir: Path

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    def diagnose(self) -> dict[str, Any]:
        result = _kubemedic(
            "diagnose", "-n", "todo", "-o", "json", "--kubeconfig", str(self.kubeconfig)
        )
        assert result.returncode == 0, result.stderr
        report: dict[str, Any] = json.loads(result.stdout)
        return report

    def sandbox(self, *args: str) -> None:
        result = _kubemedic("sandbox", *args, "--state-dir", str(self.state_dir))
        assert result.returncode == 0, result.stderr


def _wait_for(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cli_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliSandbox]:
    sandbox = CliSandbox(tmp_path_factory.mktemp("cli-sandbox") / "state")
    sandbox.sandbox("up", "--time-scale", "20")
    try:
        yield sandbox
    finally:
        _kubemedic("sandbox", "down", "--state-dir", str(sandbox.state_dir))


def _serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] in ("critical", "high")]


@pytest.mark.parametrize("scenario", sorted(CASES))
def test_broken_scenario_is_diagnosed_over_the_live_api(
    cli_sandbox: CliSandbox, scenario: str
) -> None:
    category, kind, name, mention = CASES[scenario]
    cli_sandbox.sandbox("reset")
    _wait_for(lambda: not _serious(cli_sandbox.diagnose()), timeout=60, what="a healthy todo app")
    cli_sandbox.sandbox("break", scenario)

    def diagnosed() -> dict[str, Any] | None:
        for finding in cli_sandbox.diagnose()["findings"]:
            obj = finding["object"]
            if finding["category"] == category and (obj["kind"], obj["name"]) == (kind, name):
                return dict(finding)
        return None

    finding = _wait_for(diagnosed, timeout=60, what=f"{category} on {kind}/{name}")
    assert mention in json.dumps(finding)
    assert finding["evidence"], "the finding must carry its evidence"
    assert finding["remediation"]["commands"], "the fix must give commands"
