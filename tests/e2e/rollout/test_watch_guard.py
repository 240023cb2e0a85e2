"""``kubemedic watch --guard-rollouts`` on the sandbox: an image change someone makes with
kubectl while the watch runs is guarded, and its crash-looping rollout paused and recorded."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.rollout.conftest import Guarded

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _read_until(process: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """The watch's stdout up to the first line matching ``pattern``."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            lines.append(line)
            if re.search(pattern, line):
                return "".join(lines)
        elif process.poll() is not None:
            break
    raise AssertionError(f"no {pattern!r} from watch within {timeout}s: {lines}")


def test_watch_guards_a_new_rollout_and_pauses_it_when_it_crash_loops(guarded: Guarded) -> None:
    watch = subprocess.Popen(
        [sys.executable, "-m", "kubemedic", "watch", "-n", "todo", "--guard-rollouts"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2)  # the watch lists the Deployments and starts following
        guarded.sandbox.kubectl(
            "set", "image", "deploy/backend", "backend=busybox:1.36", "-n", "todo"
        )
        out = _read_until(watch, r"^halted by: OP-", timeout=60)
    finally:
        watch.send_signal(signal.SIGTERM)
        rest, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    assert "Traceback" not in err
    assert "guarding the new rollout of deployment/backend -n todo" in out
    assert re.search(
        r"^\[deployment/backend -n todo\] halted at \d/2 new replicas: pod ", out, re.M
    )
    halt = re.findall(r"^halted by: (OP-\S+)$", out, re.M)[0]
    assert guarded.record(halt)["header"]["action"]["type"] == "pause"
    assert guarded.note(halt)["outcome"] == "halted"
    assert guarded.backend()["spec"]["paused"] is True
    assert "guarding the new rollout" not in rest  # the pause starts no second rollout
