"""The taxonomy is complete: every category has a runbook and an analyzer that can report it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.analyzers import BUILTIN
from kubemedic.models.categories import Category

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## Symptoms", "## Manual procedure", "## Common causes", "## Fixes", "## Prevention")


@pytest.mark.parametrize("category", list(Category), ids=[c.value for c in Category])
def test_every_category_has_a_runbook(category: Category) -> None:
    page = ROOT / category.runbook
    assert page.is_file(), f"missing runbook {category.runbook}"
    text = page.read_text()
    for section in SECTIONS:
        assert section in text, f"{category.runbook} lacks {section}"
    assert "kubectl" in text, "a runbook must give the manual kubectl procedure"


@pytest.mark.parametrize("category", list(Category), ids=[c.value for c in Category])
def test_every_category_is_reported_by_an_analyzer(category: Category) -> None:
    assert category in BUILTIN.categories, f"no registered analyzer emits {category.value}"


@pytest.mark.parametrize("category", list(Category), ids=[c.value for c in Category])
def test_every_category_has_scenarios(category: Category) -> None:
    scenarios = ROOT / "tests" / "scenarios"
    folders = [p for p in scenarios.iterdir() if p.name.startswith(f"{category.value}-")]
    assert len(folders) >= 2, f"fewer than two scenario folders for {category.value}"
