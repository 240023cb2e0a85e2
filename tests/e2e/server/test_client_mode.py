"""The CLI as a client of a running server (``kubemedic --server URL ...``): the governed
workflow against the sandbox with the kubeconfig's tokens, printed as local mode prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kubemedic.cli.app import run
from kubemedic.sandbox.statedir import READONLY_CONTEXT
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import RunningServer, ServerFactory, free_port


@pytest.fixture
def server(
    start_server: ServerFactory, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> RunningServer:
    """A server on the sandbox whose admin token may propose and execute, and whose read-only
    token (another person) may approve."""
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "policy": {"validation_delays": ["1s"], "validation_timeout": "40s"},
                "server": {
                    "group_roles": {"system:masters": ["operator", "architect"]},
                    "user_roles": {"kubemedic-viewer": ["architect"]},
                },
            }
        )
    )
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    return start_server()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.e2e
@pytest.mark.slow
def test_the_governed_workflow_from_the_cli_through_the_server(
    server: RunningServer,
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remote = ("--server", server.url)
    code, out, err = cli(
        capsys,
        *remote,
        "propose",
        "scale",
        "deploy/frontend",
        "-n",
        "todo",
        "--replicas",
        "3",
        "--reason",
        "more traffic",
    )
    assert code == 0, err
    op = out.splitlines()[0]
    assert op.startswith("OP-")
    assert "pending approval: needs" in out
    assert f"next: kubemedic approve {op}" in out

    code, out, err = cli(capsys, *remote, "approvals")
    assert code == 0, err
    assert out.splitlines()[0].split()[:2] == ["ID", "TIER"]
    assert out.splitlines()[1].startswith(op)
    assert "kubemedic-admin" in out.splitlines()[1]
    code, out, _ = cli(capsys, *remote, "approvals", "--json")
    assert [p["id"] for p in json.loads(out)] == [op]

    code, _, err = cli(capsys, *remote, "approve", op, "--reason", "mine")
    assert code == 6
    assert "requested operation" in err
    assert "cannot approve it" in err

    code, out, err = cli(
        capsys, *remote, "propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "5"
    )
    assert code == 0, err
    other = out.splitlines()[0]
    monkeypatch.setenv("KUBEMEDIC_CONTEXT", READONLY_CONTEXT)  # another person's credentials
    code, out, err = cli(
        capsys, *remote, "approve", op, "--reason", "fine", "--condition", "max-replicas=6"
    )
    assert code == 0, err
    assert out.startswith(f"{op} approved by kubemedic-viewer: now conditionally-approved")
    code, _, err = cli(capsys, *remote, "execute", op)
    assert code == 6, "the viewer has no operator role"
    assert "kubemedic-viewer may not execute" in err
    code, out, err = cli(capsys, *remote, "reject", other, "--reason", "too many")
    assert (code, out) == (0, f"{other} rejected by kubemedic-viewer\n"), err
    monkeypatch.delenv("KUBEMEDIC_CONTEXT")
    code, _, err = cli(capsys, *remote, "cancel", other)
    assert code == 6, "a rejected operation cannot be withdrawn"

    code, out, err = cli(capsys, *remote, "execute", op, "--wait")
    assert code == 0, err
    assert out.startswith(f"{op} executed")
    assert f"{op} is validated" in out
    assert (
        sandbox.kubectl_json("get", "deployment", "frontend", "-n", "todo")["spec"]["replicas"] == 3
    )

    # the server's records are the local repository here, so both modes must print the same
    for argv in (
        ("records", "show", op),
        ("records", "show", op, "--json"),
        ("records", "list", "--kind", "operation", "-o", "json"),
        ("records", "list"),
    ):
        code, through_server, err = cli(capsys, *remote, *argv)
        assert code == 0, err
        assert through_server == cli(capsys, *argv)[1], argv
    assert "decision-refused" in cli(capsys, *remote, "records", "show", op)[1]

    code, out, err = cli(capsys, *remote, "rollback", op, "--reason", "undo it", "--json")
    assert code == 0, err
    rolled = json.loads(out)
    assert (rolled["id"], rolled["state"]) == (op, "rolled-back")
    assert rolled["revert_id"].startswith("OP-")
    assert (
        sandbox.kubectl_json("get", "deployment", "frontend", "-n", "todo")["spec"]["replicas"] == 2
    )

    code, out, err = cli(capsys, *remote, "stats", "-o", "json")
    assert code == 0, err
    figures = json.loads(out)
    local = json.loads(cli(capsys, "stats", "-o", "json")[1])
    assert figures | {"since": None} == local | {"since": None}
    assert figures["executed"] == 2, "the change and its rollback"
    assert "Executions: 2 executed, 0 failed" in cli(capsys, *remote, "stats")[1]


@pytest.mark.e2e
def test_a_token_the_cluster_rejects_and_a_local_only_option_are_refused_clearly(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "token"
    wrong.write_text("not-a-token\n")
    code, _, err = cli(capsys, "--server", server.url, "--token-file", str(wrong), "approvals")
    assert code == 3
    assert "did not accept your token (TokenReview)" in err
    assert f"token file {wrong}" in err
    assert "not-a-token" not in err
    assert "Traceback" not in err

    code, _, err = cli(capsys, "--server", server.url, "approve", "OP-20260101-abcdef")
    assert code == 2
    assert "no record OP-20260101-abcdef" in err

    code, _, err = cli(capsys, "--server", server.url, "approve", "OP-1", "--as", "ada")
    assert code == 2
    assert "--as cannot be used with the kubemedic server" in err

    code, _, err = cli(capsys, "--server", server.url, "records", "verify")
    assert code == 2
    assert "--server does not apply to 'kubemedic records verify'" in err


def test_an_unreachable_server_exits_3_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "token"
    token.write_text("some-token\n")
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = cli(capsys, "--server", url, "--token-file", str(token), "records", "list")
    assert (code, out) == (3, "")
    assert f"cannot reach kubemedic server {url}" in err
    assert "Traceback" not in err


def test_server_url_from_the_settings_leaves_local_commands_local_and_flag_refuses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KUBEMEDIC_SERVER_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(tmp_path / "records"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    code, out, err = cli(capsys, "records", "verify")
    assert code == 0, err
    assert out.startswith("Records intact")

    code, _, err = cli(capsys, "--server", "http://127.0.0.1:1", "diagnose")
    assert code == 2
    assert "--server does not apply to 'kubemedic diagnose': it runs locally" in err
