"""Execution safety on the sandbox: applied once under concurrency, resumed after a crash,
rolled back when validation fails, and the fix of a real failure found by diagnose --propose."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.services import execution
from tests.e2e.governed.conftest import Governed

pytestmark = pytest.mark.e2e

EXIT_REFUSED = 6


def _approved(governed: Governed, *args: str) -> str:
    result = governed.cli("propose", *args)
    assert result.code == 0, result.err
    op = result.first_line
    assert governed.cli("approve", op, "--as", "Ada").code == 0
    return op


def test_two_concurrent_executes_apply_once(governed: Governed) -> None:
    op = _approved(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    generation = governed.deployment("frontend")["metadata"]["generation"]
    first, second = governed.process("execute", op), governed.process("execute", op)
    results = [governed.finish(first), governed.finish(second)]
    assert sorted(r.code for r in results) == [0, EXIT_REFUSED], results
    refused = next(r for r in results if r.code == EXIT_REFUSED)
    assert "is executed: it cannot be executed" in refused.err
    events = governed.events(op)
    assert events.count("executed") == 1
    assert events.count("execution-started") == 1
    deployment = governed.deployment("frontend")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["generation"] == generation + 1


def test_an_execution_killed_before_its_write_resumes_and_applies_once(
    governed: Governed, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = _approved(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    real = execution.apply_unchanged

    def die_before_the_write(*args: object, dry_run: bool, **kwargs: object) -> object:
        if not dry_run:
            raise SystemExit(137)  # the process is killed here
        return real(*args, dry_run=dry_run, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(execution, "apply_unchanged", die_before_the_write)
    assert governed.cli("execute", op).code == 137
    assert governed.events(op)[-1] == "execution-started"
    assert governed.deployment("frontend")["spec"]["replicas"] == 2
    monkeypatch.setattr(execution, "apply_unchanged", real)

    resumed = governed.cli("execute", op)
    assert resumed.code == 0, resumed.err
    assert "resumed" in resumed.out
    assert governed.deployment("frontend")["spec"]["replicas"] == 3
    assert governed.events(op).count("executed") == 1


def test_an_execution_killed_after_its_write_is_found_applied(
    governed: Governed, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = _approved(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    real = execution._complete
    monkeypatch.setattr(execution, "_complete", _killed)
    assert governed.cli("execute", op).code == 137
    assert governed.deployment("frontend")["spec"]["replicas"] == 3  # the write landed
    monkeypatch.setattr(execution, "_complete", real)
    generation = governed.deployment("frontend")["metadata"]["generation"]

    resumed = governed.cli("execute", op)
    assert resumed.code == 0, resumed.err
    record = governed.record(op)
    executed = [s for s in record["sections"] if s["event"] == "executed"]
    assert len(executed) == 1
    assert executed[0]["data"]["resumed"] is True
    assert governed.deployment("frontend")["metadata"]["generation"] == generation  # not re-applied


def _killed(*args: object, **kwargs: object) -> None:
    raise SystemExit(137)


def test_a_failed_validation_rolls_the_change_back(governed: Governed) -> None:
    op = _approved(
        governed,
        "set-image",
        "deploy/frontend",
        "-n",
        "todo",
        "frontend=ghcr.io/kubemedic/todo-frontend:9.9.9",
    )
    governed.settings(validation_timeout="5s", auto_rollback=True)
    done = governed.cli("execute", op, "--wait")
    assert done.code == 1, done.out + done.err
    assert "FAIL" in done.out
    assert "rolled back by OP-" in done.out
    record = governed.record(op)
    assert record["state"] == "rolled-back"
    revert = record["sections"][-1]["data"]["operation"]
    assert governed.record(revert)["state"] == "validated"
    assert governed.record(revert)["header"]["rollback_of"] == op
    image = governed.deployment("frontend")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "ghcr.io/kubemedic/todo-frontend:1.2.0"
    assert governed.cli("records", "audit").code == 0


def test_oomkilled_backend_is_fixed_by_a_medium_memory_raise(governed: Governed) -> None:
    governed.sandbox.server.simulation.break_scenario("oom", target=None, namespace=None)  # type: ignore[union-attr]
    governed.sandbox.wait_for(
        lambda: (
            "OOMKilled"
            in governed.sandbox.kubectl("get", "pods", "-n", "todo", "-o", "yaml").stdout
        ),
        timeout=60,
        what="an OOMKilled container",
    )
    proposed = governed.cli("diagnose", "-n", "todo", "--propose")
    line = next(row for row in proposed.out.splitlines() if "→ OP-" in row)
    assert "(medium, pending-approval)" in line
    assert "memory limit" in line
    op = line.split("→ ")[1].split(" ")[0]
    assert governed.cli("approve", op, "--as", "Sam").code == EXIT_REFUSED  # not an architect
    assert governed.cli("approve", op, "--as", "Ada").code == 0
    done = governed.cli("execute", op, "--wait")
    assert done.code == 0, done.out + done.err
    assert "ok   no-oomkilled" in done.out
    assert "ok   no-new-restarts" in done.out
    record = governed.record(op)
    assert record["header"]["incident"].startswith("INC-")


def test_a_configmap_is_restored_from_a_saved_manifest_and_from_its_record(
    governed: Governed, tmp_path: Path
) -> None:
    saved = tmp_path / "backend-config.yaml"
    saved.write_text(
        governed.sandbox.kubectl("get", "cm", "backend-config", "-n", "todo", "-o", "yaml").stdout
    )
    original = _data(governed)
    governed.sandbox.kubectl(
        "patch",
        "cm",
        "backend-config",
        "-n",
        "todo",
        "--type",
        "merge",
        "-p",
        '{"data": {"EDITED": "by hand"}}',
    )
    restore = _approved(
        governed, "configmap-restore", "cm/backend-config", "-n", "todo", "--from-file", str(saved)
    )
    assert governed.cli("execute", restore, "--wait").code == 0
    assert _data(governed) == original

    again = _approved(
        governed, "configmap-restore", "cm/backend-config", "-n", "todo", "--from-record", restore
    )  # the data the restore replaced
    assert governed.cli("execute", again).code == 0
    assert _data(governed) == {**original, "EDITED": "by hand"}


def _data(governed: Governed) -> dict[str, str]:
    cm = governed.sandbox.kubectl_json("get", "cm", "backend-config", "-n", "todo")
    return dict(cm["data"])


def test_an_autoscaler_is_changed_deleted_and_restored_by_rollback(governed: Governed) -> None:
    change = _approved(
        governed,
        "hpa",
        "deploy/backend",
        "-n",
        "todo",
        "--min",
        "2",
        "--max",
        "6",
        "--cpu-target",
        "60",
    )
    done = governed.cli("execute", change, "--wait")
    assert done.code == 0, done.out + done.err
    assert "ok   hpa-active" in done.out
    hpa = governed.sandbox.kubectl_json("get", "hpa", "backend", "-n", "todo")
    assert hpa["spec"]["maxReplicas"] == 6

    delete = _approved(governed, "hpa-delete", "hpa/backend", "-n", "todo")
    assert governed.cli("execute", delete).code == 0
    assert governed.sandbox.kubectl("get", "hpa", "backend", "-n", "todo", check=False).returncode
    back = governed.cli("rollback", delete)
    assert back.code == 0, back.out + back.err
    restored = governed.sandbox.kubectl_json("get", "hpa", "backend", "-n", "todo")
    assert restored["spec"]["maxReplicas"] == 6
    assert restored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
