"""``kubectl exec``, ``kubectl run --rm -i`` and mounted Python scripts, through the real kubectl.

kubectl 1.30+ speaks WebSocket (``v5.channel.k8s.io``) to ``pods/exec`` and ``pods/attach``;
the commands run in the container's simulated shell, and kubectl reports their output, their
exit code and the runtime's refusals as against a real cluster.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.stream import stream

from tests.e2e.conftest import KUBECTL, Sandbox, SandboxFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

PODS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: scripts}
data:
  main.py: |
    import os, sys, time
    print("connecting to", os.environ["TARGET"], flush=True)
    time.sleep(2)
    import socket
    socket.create_connection((os.environ["TARGET"], 5432), timeout=3)
  run.sh: |
    #!/bin/sh
    echo "starting $0"
    exec python3 /app/check.py
  check.py: |
    import sys
    print("checking", flush=True)
    sys.exit(3)
---
apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "touch /tmp/ready; sleep 3600"]
    env: [{name: GREETING, value: hello}]
---
apiVersion: v1
kind: Pod
metadata: {name: script}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: python:3.12-slim
    command: ["python", "/scripts/main.py"]
    env: [{name: TARGET, value: db.example.com}, {name: PYTHONUNBUFFERED, value: "1"}]
    volumeMounts: [{name: scripts, mountPath: /scripts}]
  volumes:
  - name: scripts
    configMap: {name: scripts}
---
apiVersion: v1
kind: Pod
metadata: {name: runner}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: python:3.12-slim
    command: ["/scripts/run.sh"]
    volumeMounts:
    - {name: scripts, mountPath: /scripts}
    - {name: scripts, mountPath: /app/check.py, subPath: check.py}
  volumes:
  - name: scripts
    configMap: {name: scripts, defaultMode: 0755}
"""


@pytest.fixture
def cluster(sandbox_factory: SandboxFactory) -> Sandbox:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=PODS)
    sandbox.wait_for(
        lambda: sandbox.kubectl("get", "pod", "shell").stdout.count("Running"),
        what="pod shell running",
    )
    return sandbox


def test_exec_prints_stdout_and_stderr_apart_and_passes_the_exit_code(cluster: Sandbox) -> None:
    done = cluster.kubectl(
        "exec",
        "shell",
        "--",
        "sh",
        "-c",
        "echo $GREETING; ls /tmp; echo oops >&2; exit 3",
        check=False,
    )
    assert done.stdout == "hello\nready\n"
    assert done.stderr == "oops\ncommand terminated with exit code 3\n"
    assert done.returncode == 3


def test_exec_with_stdin_runs_a_piped_script(cluster: Sandbox) -> None:
    done = cluster.kubectl("exec", "-i", "shell", "--", "sh", stdin="echo $((6 * 7))\n")
    assert done.stdout == "42\n"


def test_exec_of_a_missing_program_is_the_runtimes_error(cluster: Sandbox) -> None:
    done = cluster.kubectl("exec", "shell", "--", "bash", check=False)
    assert done.returncode == 1
    assert 'exec: "bash": executable file not found in $PATH: unknown' in done.stderr


def test_the_viewer_may_not_exec(cluster: Sandbox) -> None:
    done = cluster.kubectl("exec", "shell", "--", "true", readonly=True, check=False)
    assert done.returncode == 1
    assert 'cannot create resource "pods/exec"' in done.stderr


def test_run_rm_i_attaches_prints_and_deletes_the_pod(cluster: Sandbox) -> None:
    done = cluster.kubectl(
        "run",
        "once",
        "--rm",
        "-i",
        "--image=busybox:1.36",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        "echo hi; sleep 5; echo bye; exit 2",
        check=False,
    )
    assert done.stdout.splitlines()[:2] == ["hi", "bye"]
    assert done.returncode == 2
    assert "once" not in cluster.kubectl("get", "pods", "-o", "name").stdout


def test_a_mounted_python_script_fails_like_python(cluster: Sandbox) -> None:
    def ended() -> str:
        return cluster.kubectl("get", "pod", "script").stdout

    cluster.wait_for(lambda: "Error" in ended(), what="the script to fail")
    logs = cluster.kubectl("logs", "script").stdout.splitlines()
    assert logs[0] == "connecting to db.example.com"
    assert logs[1] == "Traceback (most recent call last):"
    assert logs[-1] == "socket.gaierror: [Errno -2] Name or service not known"
    pod = cluster.kubectl_json("get", "pod", "script")
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 1


def test_an_interactive_shell_keeps_its_state_between_lines(cluster: Sandbox) -> None:
    """``exec -it POD -- sh`` through the official client's WebSocket stream (v4)."""
    with cluster.api_client() as api_client:
        session = stream(
            client.CoreV1Api(api_client).connect_get_namespaced_pod_exec,
            "shell",
            "default",
            command=["sh"],
            stdin=True,
            stdout=True,
            stderr=True,
            tty=True,
            _preload_content=False,
        )
        try:
            assert _read_until(session, "/ # ") == "/ # "
            session.write_stdin("X=6\r")
            assert _read_until(session, "/ # ") == "X=6\r\n/ # "
            session.write_stdin("echo $((X * 7))\r")
            assert _read_until(session, "/ # ") == "echo $((X * 7))\r\n42\r\n/ # "
            session.write_stdin("exit 5\r")
            session.run_forever(timeout=5)
            assert session.returncode == 5
        finally:
            session.close()
            session.sock.shutdown()  # websocket-client leaves the socket of a closed session


def _read_until(session: Any, ending: str) -> str:
    """What the terminal shows until it ends with ``ending`` (a prompt)."""
    screen = ""
    for _ in range(50):
        if screen.endswith(ending) or not session.is_open():
            break
        session.update(timeout=0.2)
        screen += session.read_stdout()
    return screen


def test_an_executable_mounted_script_runs_by_its_shebang(cluster: Sandbox) -> None:
    cluster.wait_for(
        lambda: "Error" in cluster.kubectl("get", "pod", "runner").stdout,
        what="the runner to exit",
    )
    assert cluster.kubectl("logs", "runner").stdout == "starting /scripts/run.sh\nchecking\n"
    pod = cluster.kubectl_json("get", "pod", "runner")
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
