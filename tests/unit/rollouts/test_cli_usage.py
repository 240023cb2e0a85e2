"""``rollout guard`` refuses what it cannot do before it reads settings or reaches a cluster."""

from __future__ import annotations

import pytest

from kubemedic.cli.app import run
from kubemedic.errors import EXIT_USAGE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sts/db"], "the rollout guard watches Deployments, not statefulsets"),
        (["deploy/web", "--window", "soon"], "--window soon: not a duration like 90s, 5m, 7d"),
        (["deploy/web", "--max-error-rate", "lots"], "--max-error-rate lots: not a percentage"),
        (["deploy/web", "--set-image", "web"], "--set-image expects CONTAINER=IMAGE, got 'web'"),
        (
            ["deploy/web", "--set-image", "web=web:2", "--execute", "OP-20261207-abcdef"],
            "give at most one of --set-image, --execute and -- COMMAND",
        ),
        (
            ["deploy/web", "--execute", "OP-20261207-abcdef", "--", "helm", "upgrade"],
            "give at most one of --set-image, --execute and -- COMMAND",
        ),
    ],
)
def test_bad_usage_is_refused_with_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["rollout", "guard", *args]) == EXIT_USAGE
    assert message in capsys.readouterr().err
