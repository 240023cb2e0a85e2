"""The shipped examples load cleanly and completely."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import EXAMPLES, Invoke


@pytest.mark.parametrize(
    ("example", "objects"),
    [
        ("single-pod", {"Event": 5, "Pod": 1}),
        (
            "shop-cluster",
            {
                "DaemonSet": 1,
                "Deployment": 7,
                "Event": 33,
                "Node": 3,
                "Pod": 17,
                "ReplicaSet": 8,
                "Service": 7,
            },
        ),
    ],
)
def test_examples_load_completely(kubemedic: Invoke, example: str, objects: dict[str, int]) -> None:
    result = kubemedic("diagnose", "-f", EXAMPLES / example, "-o", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["scanned"]["objects"] == objects
    assert result.stderr == ""
