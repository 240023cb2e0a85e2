"""Continuous detection to verified fix: ``kubemedic watch`` opens the incident within seconds,
``diagnose --propose`` proposes the fix, it is approved, executed and validated, which closes
the incident, and ``stats`` reports MTTD and MTTR from the records."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.e2e.governed.conftest import Governed

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _read_until(process: subprocess.Popen[str], wanted: str, timeout: float) -> list[str]:
    """Lines of the watch's stdout up to the first one containing ``wanted``."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            lines.append(line)
            if wanted in line:
                return lines
        elif process.poll() is not None:
            break
    raise AssertionError(f"no {wanted!r} from watch within {timeout}s: {lines}")


def test_crash_loop_detected_fixed_validated_and_closed(governed: Governed) -> None:
    watch = governed.process("watch", "-n", "todo", "--close-after", "2", "--settle", "0.5")
    try:
        time.sleep(2)  # the watch lists and starts following
        governed.sandbox.server.simulation.break_scenario(  # type: ignore[union-attr]
            "crashloop", target=None, namespace=None
        )
        opened = _read_until(watch, "opened INC-", timeout=30)[-1]
        incident = opened.split()[1].rstrip(":")
        assert "DATABASE_URL" in opened

        proposed = governed.cli("diagnose", "-n", "todo", "--propose")
        line = next(row for row in proposed.out.splitlines() if "→ OP-" in row)
        assert line.strip().startswith(incident)  # the watch's incident, not a second one
        op = line.split("→ ")[1].split(" ")[0]
        assert governed.cli("approve", op, "--as", "Ada").code == 0
        done = governed.cli("execute", op, "--wait")
        assert done.code == 0, done.out + done.err

        record = governed.record(incident)
        assert record["state"] == "closed"  # closed by the validated fix
        assert f"fixed by {op}" in record["sections"][-1]["text"]
        time.sleep(4)  # the watch sees the problem gone and opens nothing new
    finally:
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=20)
    assert watch.returncode == 0, err
    assert "opened INC-" not in out  # one incident for the whole crash loop

    assert governed.record(incident)["state"] == "closed"
    stats = json.loads(governed.cli("stats", "-o", "json").out)
    assert stats["incidents"] == 1
    assert stats["mttd"]["count"] == 1
    assert stats["mttd"]["p50"] < 60  # detected within a minute of onset
    assert stats["mttr"]["count"] == 1
    assert stats["mttr"]["p50"] >= stats["mttd"]["p50"]
    assert stats["by_category"] == {"crashloop.app-error": 1}
    assert governed.cli("records", "verify").code == 0
    assert governed.cli("records", "audit").code == 0
