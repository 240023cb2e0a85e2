"""docs/recommendations.md names every setting and keeps the sections the commands fill in."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from kubemedic.models.recommendation_settings import (
    PriceBook,
    RightSizingSettings,
    ScalingSettings,
)

PAGE = (Path(__file__).parents[3] / "docs" / "recommendations.md").read_text(encoding="utf-8")
DEFAULTS = PAGE.split("## Defaults", 1)[1]


@pytest.mark.parametrize(
    "name",
    sorted(
        {f.name for kind in (RightSizingSettings, ScalingSettings, PriceBook) for f in fields(kind)}
    ),
)
def test_every_setting_is_in_the_defaults_table(name: str) -> None:
    assert f"`{name}`" in DEFAULTS


@pytest.mark.parametrize("heading", ["## Commands", "## Where the history comes from"])
def test_the_sections_for_the_commands_exist(heading: str) -> None:
    assert f"\n{heading}\n" in PAGE
