"""``kubemedic watch --guard-rollouts`` on the sandbox: an image change someone makes with
kubectl while the watch runs is guarded, and its crash-looping rollout paused and recorded; the
settings' ``rollouts`` section and the guard's options on the command line decide how."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.rollout.conftest import SEEDED, Guarded

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _read_until(
    process: subprocess.Popen[str], pattern: str, timeout: float, *, stderr: bool = False
) -> str:
    """The watch's stdout (or stderr) up to the first line matching ``pattern``."""
    stream = process.stderr if stderr else process.stdout
    assert stream is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if line:
            lines.append(line)
            if re.search(pattern, line):
                return "".join(lines)
        elif process.poll() is not None:
            break
    raise AssertionError(f"no {pattern!r} from watch within {timeout}s: {lines}")


def _watch_a_crash_looping_rollout(guarded: Guarded, *options: str) -> tuple[str, str]:
    """``kubemedic watch --guard-rollouts OPTIONS`` while someone sets a crash-looping image:
    its output up to the halt, and what it printed after."""
    watch = subprocess.Popen(
        [sys.executable, "-m", "kubemedic", "watch", "-n", "todo", "--guard-rollouts", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The first status line comes after the first scan: the watch follows the Deployments
        # by then, and a rollout started now is one it sees start.
        _read_until(watch, r"^watching: ", timeout=60, stderr=True)
        guarded.sandbox.kubectl(
            "set", "image", "deploy/backend", "backend=busybox:1.36", "-n", "todo"
        )
        out = _read_until(watch, r"^halted by: OP-", timeout=60)
    finally:
        watch.send_signal(signal.SIGTERM)
        rest, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    assert "Traceback" not in err
    return out, rest


def test_watch_guards_a_new_rollout_and_pauses_it_when_it_crash_loops(guarded: Guarded) -> None:
    out, rest = _watch_a_crash_looping_rollout(guarded)
    assert "guarding the new rollout of deployment/backend -n todo" in out
    assert re.search(
        r"^\[deployment/backend -n todo\] halted at \d/2 new replicas: pod ", out, re.M
    )
    halt = re.findall(r"^halted by: (OP-\S+)$", out, re.M)[0]
    assert guarded.record(halt)["header"]["action"]["type"] == "pause"
    assert guarded.note(halt)["outcome"] == "halted"
    assert guarded.backend()["spec"]["paused"] is True
    assert "guarding the new rollout" not in rest  # the pause starts no second rollout


def test_the_settings_rollouts_section_and_the_options_reach_the_watch_guards(
    guarded: Guarded,
) -> None:
    guarded.settings(rollouts={"on_failure": "undo", "first": 2, "window": "1m"})
    out, _ = _watch_a_crash_looping_rollout(guarded, "--first", "1")
    assert "holding at 1/2 new replicas" in out  # --first 1 over the settings' 2
    halt = re.findall(r"^halted by: (OP-\S+)$", out, re.M)[0]
    assert guarded.record(halt)["header"]["action"]["type"] == "undo"  # the settings'
    rules = guarded.note(halt)["rules"]
    assert (rules["first"], rules["window_seconds"], rules["on_failure"]) == (1, 60, "undo")
    guarded.sandbox.wait_for(
        lambda: guarded.image() == SEEDED,
        what="the undo to restore the previous image",
    )
