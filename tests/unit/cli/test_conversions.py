"""Options convert the same with or without typer's conversion internals: a typer that lays
them out otherwise leaves every option to typer's own (pydantic) conversion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCENARIO = (
    Path(__file__).parents[2] / "scenarios" / "config.missing-configmap-kustomize-hash-suffix"
)

_RUN = """
import sys
if sys.argv.pop(1) == "without":
    # as with a typer whose internals differ: the module built on them cannot be imported
    sys.modules["kubemedic.cli._typer_conversion"] = None
from kubemedic.cli.app import run
code = run(sys.argv[1:])
from kubemedic.cli import conversions
print("plain" if conversions._typer_conversion is not None else "typer", code)
"""


def _diagnose(internals: str, *args: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _RUN, internals, "diagnose", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout, done.stderr


def test_a_typer_without_the_internals_converts_options_its_own_way_with_the_same_results() -> None:
    args = ("--from-file", str(SCENARIO), "-o", "json", "--fail-on", "none")
    plain_out, _ = _diagnose("with", *args)
    typer_out, _ = _diagnose("without", *args)
    assert plain_out.splitlines()[-1] == "plain 0"
    assert typer_out.splitlines()[-1] == "typer 0"
    assert plain_out.splitlines()[:-1] == typer_out.splitlines()[:-1]
    assert '"findings"' in plain_out


def test_a_refused_value_gets_typers_own_message_either_way() -> None:
    _, plain_err = _diagnose("with", "-o", "yamlish", "--from-file", str(SCENARIO))
    _, typer_err = _diagnose("without", "-o", "yamlish", "--from-file", str(SCENARIO))
    assert "yamlish" in plain_err
    assert plain_err == typer_err
