"""Each command's code is loaded when that command runs, and help still lists every command.

``kubemedic diagnose`` runs in every CI job and shell; the governance, records and sandbox
stacks, and pydantic (settings and typer's option conversion) when nothing but the command
line sets anything, are start-up time it does not need. Checked in fresh interpreters, by the
modules they end up holding.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from kubemedic.cli.app import COMMANDS
from tests.unit.cli.conftest import OOMKILLED, Invoke

_LOADED = """
import json, sys
from kubemedic.cli.app import run
code = run(sys.argv[1:]) if len(sys.argv) > 1 else None
loaded = (m for m in sys.modules if m.startswith(("kubemedic", "pydantic")))
print(json.dumps([code, sorted(loaded)]))
"""


def _modules_after(*args: str, env: dict[str, str] | None = None) -> tuple[int | None, list[str]]:
    """The exit code of ``kubemedic ARGS`` in a fresh interpreter (with the test's settings
    isolation, see conftest), and the modules it loaded (no ARGS: by the import alone)."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    code, modules = json.loads(done.stdout.splitlines()[-1])
    return code, modules


def test_importing_the_cli_loads_no_command() -> None:
    _, modules = _modules_after()
    assert [m for m in modules if m.startswith("kubemedic.cli.")] == [
        "kubemedic.cli._typer_conversion",
        "kubemedic.cli.app",
        "kubemedic.cli.conversions",
        "kubemedic.cli.session",
    ]


def test_diagnose_loads_neither_governance_records_sandbox_nor_pydantic() -> None:
    code, modules = _modules_after("diagnose", "-f", str(OOMKILLED), "-o", "json")
    assert code == 0
    heavy = [
        m
        for m in modules
        if m.startswith(
            (
                "kubemedic.governance",
                "kubemedic.adapters.records",
                "kubemedic.sandbox",
                "kubemedic.services.operations",
                "kubemedic.cli.decide",
                "kubemedic.cli.propose",
                "kubemedic.cli.records",
                "kubemedic.cli.sandbox",
                "kubemedic.config",
                "pydantic",
            )
        )
    ]
    assert heavy == []


def test_a_kubemedic_variable_still_sets_its_setting() -> None:
    env = {**os.environ, "KUBEMEDIC_FAIL_ON": "high"}
    code, modules = _modules_after("diagnose", "-f", str(OOMKILLED), "-o", "json", env=env)
    assert code == 1  # the OOM kill is high: the variable took effect
    assert "pydantic_settings" in modules


def test_help_lists_every_command(kubemedic: Invoke) -> None:
    result = kubemedic("--help")
    assert result.code == 0
    listed = re.findall(r"^│ ([a-z][a-z-]*) ", result.stdout, re.MULTILINE)
    assert listed == list(COMMANDS)


def test_a_mistyped_command_is_still_matched_to_the_right_one(kubemedic: Invoke) -> None:
    result = kubemedic("diagnos")
    assert result.code == 2
    assert "Did you mean 'diagnose'?" in result.stderr
