"""Bad input against a live cluster: a change of nothing and a mistyped namespace are refused
with the object named and a documented exit code, and nothing is recorded."""

from __future__ import annotations

import pytest

from kubemedic.errors import EXIT_CLUSTER, EXIT_USAGE
from tests.e2e.governed.conftest import Governed

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("scale", "deploy/frontend", "--replicas", "2"),
            "Deployment todo/frontend already has 2 replicas: nothing to change",
        ),
        (
            (
                "resources",
                "deploy/frontend",
                "--container",
                "frontend",
                "--memory-limit",
                "0.125Gi",
            ),
            "container frontend of Deployment todo/frontend already has memory limit 128Mi: "
            "nothing to change",
        ),
    ],
)
def test_a_change_of_nothing_is_refused_and_not_recorded(
    governed: Governed, args: tuple[str, ...], message: str
) -> None:
    result = governed.cli("propose", *args, "-n", "todo")
    assert result.code == EXIT_USAGE, result.err
    assert f"error: {message}" in result.err
    assert not (governed.records / "operations").exists()


def test_a_namespace_that_does_not_exist_is_not_reported_healthy(governed: Governed) -> None:
    result = governed.cli("diagnose", "-n", "tood")
    assert result.code == EXIT_CLUSTER
    assert 'error: Namespace "tood" not found (context "kubemedic-sandbox")' in result.err
    assert "hint: list what exists with: kubectl get namespaces" in result.err

    governed.sandbox.kubectl("create", "namespace", "quiet")
    quiet = governed.cli("diagnose", "-n", "quiet")
    assert quiet.code == 0, quiet.err
    assert "No problems found." in quiet.out
