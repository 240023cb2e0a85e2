"""The shipped examples load cleanly and the demo that walks through them runs."""

from __future__ import annotations

import json

import pytest

from kubemedic import __version__
from kubemedic.cli import demo
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


def test_the_demo_diagnoses_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capsys.readouterr().out
    for number, example in enumerate(demo.EXAMPLES, start=1):
        assert f"Example {number}/{len(demo.EXAMPLES)}: {example.folder}" in out
    assert out.count(f"kubemedic {__version__} diagnosis") == len(demo.EXAMPLES)
