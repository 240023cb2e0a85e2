"""`make demo` runs end to end: sandbox up, three breakages diagnosed, one fix governed from
proposal to validation, a crash-looping release halted and undone by the guard, sandbox down."""

from __future__ import annotations

import os
import re

import pytest

from kubemedic.cli import demo

pytestmark = pytest.mark.e2e


def test_the_demo_breaks_diagnoses_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    before = dict(os.environ)
    assert demo.main() == 0
    assert dict(os.environ) == before  # the demo's settings do not leak into the caller
    out = capsys.readouterr().out
    for breakage in demo.BREAKAGES:
        assert f"sandbox break {breakage.scenario}" in out
        assert breakage.category in out, f"the demo's diagnosis lacks {breakage.category}"
    assert "(medium, pending-approval)" in out  # fixes proposed for approval
    assert "approved by Ada" in out
    assert "is validated" in out
    assert "Records intact" in out
    assert "MTTR" in out
    assert "halted at 1/2 new replicas: pod backend-" in out
    assert re.search(
        r"^OP-\S+ +operation +validated .* Halt the rollout: roll deployment/backend", out, re.M
    )
    assert "sandbox stopped" in out
