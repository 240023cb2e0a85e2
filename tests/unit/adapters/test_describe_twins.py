"""Pasted kubectl text gives the diagnosis its state gives as YAML.

Each folder under ``describe_twins/`` holds a state as the API returns it (``objects.yaml``,
plus logs); ``tests/scenarios/describe-<folder>/`` holds what kubectl printed for that same
state. The sandbox ones are recorded together by ``tests/scenarios/describe_regenerate.py``;
the ``public-*`` ones are written from the describe output of a public report (its source is
in the scenario's ``expected.yaml``). The same problems must be found, on the same objects,
with the same severity and affected pods.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.services.diagnose import diagnose

TWINS = Path(__file__).parent / "describe_twins"
SCENARIOS = Path(__file__).parents[2] / "scenarios"
CASES = sorted(p for p in TWINS.iterdir() if p.is_dir())

Summary = list[tuple[str, str, str, str, tuple[str, ...]]]


def _findings(folder: Path) -> Summary:
    result = diagnose(load_files([folder]))
    assert not result.failures, result.failures
    return sorted(
        (
            f.id,
            f.category.value,
            str(f.object),
            f.severity.value,
            tuple(sorted(p.name for p in f.affected)),
        )
        for f in result.findings
    )


@pytest.mark.parametrize("twin", CASES, ids=[p.name for p in CASES])
def test_pasted_text_is_diagnosed_like_the_yaml_of_the_same_state(twin: Path) -> None:
    text = SCENARIOS / f"describe-{twin.name}"
    assert _findings(text) == _findings(twin)


def test_every_describe_scenario_has_its_twin() -> None:
    scenarios = {p.name.removeprefix("describe-") for p in SCENARIOS.glob("describe-*/")}
    assert scenarios == {p.name for p in CASES}
