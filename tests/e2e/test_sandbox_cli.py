"""``kubemedic sandbox`` commands drive a real background sandbox process end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kubemedic.cli.app import run
from kubemedic.errors import EXIT_SANDBOX, EXIT_USAGE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def namespaces(kubeconfig: Path) -> list[str]:
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    with client.ApiClient(configuration) as api:
        return [ns.metadata.name for ns in client.CoreV1Api(api).list_namespace().items]


def test_up_status_scenarios_reset_and_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "sandbox"
    assert run(["sandbox", "up", "--state-dir", str(state), "--time-scale", "10"]) == 0
    try:
        started = capsys.readouterr().out
        assert f"export KUBECONFIG={state.resolve() / 'kubeconfig'}" in started
        config = yaml.safe_load((state / "kubeconfig").read_text())
        assert config["current-context"] == "kubemedic-sandbox"
        assert {c["name"] for c in config["contexts"]} == {
            "kubemedic-sandbox",
            "kubemedic-sandbox-readonly",
        }
        assert (state / "kubeconfig").stat().st_mode & 0o077 == 0

        assert run(["sandbox", "up", "--state-dir", str(state)]) == EXIT_SANDBOX
        assert "a sandbox is already running" in capsys.readouterr().err

        assert run(["sandbox", "status", "--state-dir", str(state)]) == 0
        status = capsys.readouterr().out
        assert "API server:   https://127.0.0.1:" in status
        assert "seed:         todo-chatbot (time scale x10.0)" in status

        assert run(["sandbox", "scenarios", "--state-dir", str(state)]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert any(line.startswith("crashloop ") for line in listed)

        taken = tmp_path / "taken"
        taken.mkdir()
        history = ["sandbox", "history", "--state-dir", str(state), "--days", "1", "--out"]
        assert run([*history, str(taken)]) == EXIT_USAGE
        assert f"{taken}: cannot write the history: Is a directory" in capsys.readouterr().err

        assert "todo" in namespaces(state / "kubeconfig")
        assert run(["sandbox", "reset", "--state-dir", str(state), "--seed", "empty"]) == 0
        assert "seeded with 'empty'" in capsys.readouterr().out
        assert "todo" not in namespaces(state / "kubeconfig")
    finally:
        assert run(["sandbox", "down", "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.strip() == "sandbox stopped"
    assert not (state / "pid").exists()

    assert run(["sandbox", "status", "--state-dir", str(state)]) == EXIT_SANDBOX
    assert f"no sandbox is running in {state.resolve()}" in capsys.readouterr().err
    assert run(["sandbox", "down", "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.strip() == "no sandbox was running"


def test_load_needs_a_known_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["sandbox", "load", "widget/x", "--cpu", "80", "--state-dir", str(tmp_path / "none")]
    )
    assert code == EXIT_SANDBOX
    assert "target must be KIND/NAME with a known kind" in capsys.readouterr().err
