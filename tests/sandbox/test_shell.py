"""What the sandbox's shell does that a real shell cannot show in a second: scripts run on
the cluster's clock, endless loops become steady logs, a stop signal ends a script as its
trap decides, probes and mounts see the files a script writes, and no script ever reaches
the machine the sandbox runs on (``test_shell_conformance`` compares output with real shells).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.images import parse_reference
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.programs import RunContext, find_executable
from kubemedic.sandbox.kubelet.shell import run_program, run_shell, start_process
from tests.sandbox.conftest import Cluster

CATALOG = builtin_catalog()


def context(image: str = "busybox:1.36", **fields: Any) -> RunContext:
    ref = parse_reference(image)
    found = CATALOG.lookup(ref)
    assert found is not None
    return RunContext(
        image=found,
        tag=ref.tag,
        env={"HOME": "/root"},
        hostname="web-0",
        started_at=datetime(2024, 11, 20, tzinfo=UTC),
        **{"files": set(found.files), **fields},
    )


def start(script: str, image: str = "busybox:1.36", **fields: Any) -> Process:
    return start_process(["sh", "-c", script], context(image, **fields), node_arch="amd64")


def log(process: Process, until: float = 3600.0) -> list[tuple[float, str]]:
    return process.lines_until(until)


def test_sleeps_take_cluster_time_and_the_script_ends_with_its_status() -> None:
    process = start('echo "waiting"; sleep 30; [ -z "$READY" ] && echo "still not ready"; exit 3')
    assert log(process) == [(0.0, "waiting"), (30.0, "still not ready")]
    assert (process.exit_at, process.exit_code) == (30.0, 3)


def test_a_loop_that_leaves_nothing_changed_repeats_for_ever() -> None:
    process = start("while true; do echo heartbeat; sleep 5; done")
    assert process.runs_forever
    assert [text for _, text in log(process, until=22)] == ["heartbeat"] * 5


def test_a_bounded_loop_runs_to_its_end() -> None:
    process = start("i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; echo $i")
    assert (log(process), process.exit_code) == ([(0.0, "2000")], 0)


def test_a_loop_without_sleep_keeps_a_cpu_busy() -> None:
    process = start("while :; do :; done")
    assert process.runs_forever
    assert process.usage.cpu_cores == 1.0


@pytest.mark.parametrize(
    ("script", "image", "stop"),
    [
        ("trap 'exit 0' TERM; sleep infinity & wait", "busybox:1.36", 0),
        ("trap 'echo bye; exit 3' TERM; while true; do sleep 1; done", "debian:12", 3),
        ("trap 'exit 0' TERM; while true; do sleep 3600; done", "busybox:1.36", 137),
        ("sleep infinity", "debian:12", 137),
        ("echo start; exec python -m http.server 8000", "python:3.12", 143),
    ],
    ids=["trap-and-wait", "trap-in-a-short-loop", "trap-while-asleep", "pid-1-ignores", "exec"],
)
def test_a_stop_signal_ends_a_script_as_its_trap_decides(
    script: str, image: str, stop: int
) -> None:
    process = start(script, image)
    assert process.foreground is not None
    assert process.foreground.stop_exit_code == stop


def test_busybox_execs_the_last_command_so_it_gets_the_signal_itself() -> None:
    alone = start_process(["sleep", "infinity"], context(), node_arch="amd64")
    busybox = start("echo start; sleep infinity", "busybox:1.36")
    dash = start("echo start; sleep infinity", "debian:12")
    assert alone.foreground is not None
    assert busybox.foreground is not None
    assert dash.foreground is not None
    assert busybox.foreground.stop_exit_code == alone.foreground.stop_exit_code
    assert dash.foreground.stop_exit_code == 137


def test_background_jobs_serve_beside_the_script_and_die_with_it() -> None:
    serving = start("python -m http.server 8080 & sleep infinity", "python:3.12")
    assert serving.listener(8080, age=5) is not None
    done = start("(sleep 5; echo late) & echo early; exit 0")
    assert [text for _, text in log(done)] == ["early"]


def test_files_a_script_writes_are_read_by_programs_and_seen_by_probes() -> None:
    process = start(
        "mkdir -p /etc/app; cat <<EOF > /etc/app/app.conf\nport=${PORT:-8080}\nEOF\n"
        "cat /etc/app/app.conf; touch /tmp/healthy; sleep 60; rm /tmp/healthy; sleep infinity"
    )
    assert [text for _, text in log(process)] == ["port=8080"]
    initial = frozenset[str]()
    assert process.file_exists("/tmp/healthy", 30, initial)
    assert not process.file_exists("/tmp/healthy", 61, initial)


def test_programs_read_pipes_and_here_documents() -> None:
    process = start("printf 'a\\nb\\n' | cat; cat <<EOF\nc\nEOF")
    assert [text for _, text in log(process)] == ["a", "b", "c"]


def test_scripts_read_mounted_files() -> None:
    ctx = context(contents={"/config/mode": "fast\n"})
    result = run_shell(["sh", "-c", 'mode=$(cat /config/mode); [ "$mode" = fast ] && echo on'], ctx)
    assert (result.stdout, result.status) == ("on\n", 0)


def test_a_script_file_runs_with_its_arguments() -> None:
    ctx = context(contents={"/scripts/run.sh": 'echo "$0 got $1"\nexit 5\n'})
    result = run_shell(["sh", "/scripts/run.sh", "x"], ctx)
    assert (result.stdout, result.status) == ("/scripts/run.sh got x\n", 5)
    missing = run_shell(["sh", "/scripts/none.sh"], ctx)
    assert (missing.stderr, missing.status) == (
        "sh: can't open '/scripts/none.sh': No such file or directory\n",
        2,
    )


def test_a_nested_shell_returns_its_status_and_keeps_its_flavour() -> None:
    result = run_shell(["bash", "-c", "sh -c 'exit 4'; echo $?; foo"], context("debian:12"))
    assert (result.stdout, result.stderr) == ("4\n", "bash: line 1: foo: command not found\n")


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["test", "-z", ""], 0),
        (["[", "-n", "", "]"], 1),
        (["test", "-f", "/tmp/healthy"], 0),
        (["[", "1", "-lt", "2", "]"], 0),
        (["test", "1", "-lt"], 2),
    ],
)
def test_exec_probes_run_test_without_a_shell(argv: list[str], status: int) -> None:
    ctx = context(files={"/tmp/healthy"})
    found = find_executable(argv[0], ctx.image)
    assert found is not None
    assert found.program is not None
    assert run_program(found.program, argv, ctx).status == status


@pytest.mark.parametrize(
    "script",
    [
        "f() { f; }; f",
        "f() { f | f; }; f",
        "echo " + "$(" * 300 + "echo deep" + ")" * 300,
        "x=a; while true; do x=$x$x; done",
        "i=0; while true; do i=$((i+1)); done",
    ],
    ids=["recursion", "fork-bomb", "nesting", "memory", "counting-for-ever"],
)
def test_runaway_scripts_end_quickly_as_a_crash_or_a_busy_process(script: str) -> None:
    process = start(script)
    assert process.exit_code == 139 or process.runs_forever


def test_no_script_reaches_the_host(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.write_text("host data\n")
    created = tmp_path / "created"
    result = run_shell(
        [
            "sh",
            "-c",
            f"cat {kept}; rm -f {kept}; echo x > {created}; cat /etc/passwd; exec 3</etc/hostname",
        ],
        context(),
    )
    assert "host data" not in result.stdout
    assert kept.read_text() == "host data\n"
    assert not created.exists()
    assert "/etc/passwd" in result.stderr
    assert result.status == 1


def test_a_pod_script_fails_with_its_own_status_and_words(empty_cluster: Cluster) -> None:
    script = '[ -z "" ] && echo "empty is empty"; test -z "$UNSET"; [ 1 -lt ]; exit 3'
    empty_cluster.store.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "script", "namespace": "apps"},
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script]}
                ],
            },
        }
    )

    def terminated() -> dict[str, Any] | None:
        pod = empty_cluster.store.get("Pod", "apps", "script")
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        state = statuses[0]["state"] if statuses else {}
        return state.get("terminated")

    ended = empty_cluster.wait(terminated, "the script to end")
    assert (ended["exitCode"], ended["reason"]) == (3, "Error")
    logs = empty_cluster.sim.pod_log("apps", "script", "app", previous=False, tail_lines=None)
    assert logs == "empty is empty\nsh: -lt: argument expected\n"
