"""The guard's options, shared by ``rollout guard``, ``execute --guard`` and ``watch
--guard-rollouts``: an option given wins over the settings' ``rollouts`` section, which wins
over the guard's own defaults; given without a guard to take them, they are refused."""

from __future__ import annotations

import pytest

from kubemedic.cli.app import run
from kubemedic.cli.rollout import GuardOptions
from kubemedic.config import RolloutsSetting, Settings
from kubemedic.errors import EXIT_USAGE
from kubemedic.rollouts.settings import GuardSettings, HelmRollback, OnFailure


def test_without_options_or_settings_the_guard_has_its_defaults() -> None:
    assert GuardOptions().settings(RolloutsSetting()) == GuardSettings()


def test_the_settings_section_sets_the_defaults_and_an_option_wins() -> None:
    section = Settings(
        rollouts={
            "first": 1,
            "window": "30s",
            "max_error_rate": "2%",
            "on_failure": "undo",
            "helm_rollback": "run",
            "no_data": "pass",
        }
    ).rollouts
    from_settings = GuardOptions().settings(section)
    assert (from_settings.first, from_settings.window) == (1, 30.0)
    assert from_settings.thresholds.max_error_rate == pytest.approx(0.02)
    assert from_settings.on_failure is OnFailure.UNDO
    assert from_settings.helm_rollback is HelmRollback.RUN
    assert from_settings.no_data_passes

    given = GuardOptions(first=0, window="1m", max_error_rate="10%", on_failure=OnFailure.PAUSE)
    chosen = given.settings(section, propose_only=True)
    assert (chosen.first, chosen.window, chosen.on_failure) == (0, 60.0, OnFailure.PAUSE)
    assert chosen.thresholds.max_error_rate == pytest.approx(0.10)
    assert chosen.propose_only
    assert chosen.helm_rollback is HelmRollback.RUN  # not given: the settings'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["execute", "OP-20261207-abcdef", "--first", "1"], "--first: only with --guard"),
        (
            ["execute", "OP-20261207-abcdef", "--on-failure", "undo", "--window", "1m"],
            "--window, --on-failure: only with --guard",
        ),
        (["watch", "--on-failure", "undo"], "--on-failure: only with --guard-rollouts"),
    ],
)
def test_guard_options_without_a_guard_are_refused(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == EXIT_USAGE
    assert message in capsys.readouterr().err
