"""``kubemedic execute ID --guard`` on the sandbox: an approved set-image runs under the rollout
guard, which halts its crash-looping rollout (pausing it by default, undoing it with
``--on-failure undo``); a change that starts no rollout is refused as bad usage before anything
is applied."""

from __future__ import annotations

import pytest

from kubemedic.errors import EXIT_FINDINGS, EXIT_USAGE
from tests.e2e.rollout.conftest import SEEDED, Guarded

pytestmark = pytest.mark.e2e


def _propose(guarded: Guarded, action: str, *params: str) -> str:
    proposed = guarded.cli("propose", action, "deploy/backend", "-n", "todo", *params)
    assert proposed.code == 0, proposed.out + proposed.err
    return proposed.out.splitlines()[0]


def test_an_approved_set_image_executed_with_guard_is_halted_when_it_crash_loops(
    guarded: Guarded,
) -> None:
    operation = _propose(guarded, "set-image", "backend=busybox:1.36")  # trivial in todo
    done = guarded.cli("execute", operation, "--guard")
    assert done.code == EXIT_FINDINGS, done.out + done.err
    assert f"executed {operation}: Set image of container backend" in done.out
    assert "halted at " in done.out
    assert f"started by: {operation}" in done.out
    note = guarded.note(operation)
    assert (note["outcome"], note["started_by"]) == ("halted", operation)
    assert note["rules"]["on_failure"] == "pause"  # the guard's defaults
    assert guarded.backend()["spec"]["paused"] is True


def test_guard_refuses_a_change_that_starts_no_rollout_and_applies_nothing(
    guarded: Guarded,
) -> None:
    operation = _propose(guarded, "scale", "--replicas", "3")
    done = guarded.cli("execute", operation, "--guard", "--as", "Ada")
    assert done.code == EXIT_USAGE, done.out + done.err
    assert f"operation {operation} (scale of deployment/backend -n todo) starts no" in done.err
    assert f"kubemedic execute {operation}" in done.err
    assert guarded.record(operation)["state"] in ("pending-approval", "approved")
    assert guarded.backend()["spec"]["replicas"] == 2
    assert guarded.image() == SEEDED

    both = guarded.cli("execute", operation, "--guard", "--wait")
    assert both.code == EXIT_USAGE
    assert "give --wait or --guard, not both" in both.err


@pytest.mark.slow
def test_the_guard_options_given_to_execute_reach_the_guard(guarded: Guarded) -> None:
    operation = _propose(guarded, "set-image", "backend=busybox:1.36")
    done = guarded.cli(
        "execute", operation, "--guard", "--on-failure", "undo", "--first", "1", "--window", "1m"
    )
    assert done.code == EXIT_FINDINGS, done.out + done.err
    assert "holding at 1/2 new replicas" in done.out
    note = guarded.note(operation)
    assert (note["rules"]["on_failure"], note["rules"]["first"]) == ("undo", 1)
    assert note["rules"]["window_seconds"] == 60
    assert guarded.record(note["halt"])["header"]["action"]["type"] == "undo"
    assert guarded.image() == SEEDED
    assert not guarded.backend()["spec"].get("paused")
