"""docs/analyzers.md stays true: every analyzer, category and finding id is documented there.

The page is the reference users read to know what a finding id means; an analyzer added,
renamed or removed without updating it would make that reference lie.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kubemedic.analyzers import BUILTIN
from kubemedic.models.categories import Category

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "analyzers.md"
ANALYZERS_DIR = ROOT / "src" / "kubemedic" / "analyzers"
FINDING_ID = re.compile(r"KM-[A-Z-]+")
SECTION = re.compile(r"^### `([^`]+)`", re.MULTILINE)


def _page() -> str:
    return PAGE.read_text()


def _finding_ids() -> list[str]:
    """Finding ids in module-level constants of the analyzer modules (``ID``, ``IDS`` ...)."""
    found: set[str] = set()
    for module in sorted(ANALYZERS_DIR.glob("*.py")):
        tree = ast.parse(module.read_text(), filename=str(module))
        for statement in tree.body:
            if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
                continue
            for node in ast.walk(statement.value):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and FINDING_ID.fullmatch(node.value)
                ):
                    found.add(node.value)
    return sorted(found)


FINDING_IDS = _finding_ids()


def test_finding_ids_are_found_in_the_sources() -> None:
    assert "KM-POD-OOMKILLED" in FINDING_IDS
    assert len(FINDING_IDS) >= len(Category)


@pytest.mark.parametrize("name", [a.name for a in BUILTIN])
def test_every_registered_analyzer_has_a_section(name: str) -> None:
    assert name in SECTION.findall(_page()), f"docs/analyzers.md has no '### `{name}`' section"


def test_every_section_names_a_registered_analyzer() -> None:
    registered = {a.name for a in BUILTIN}
    stale = [name for name in SECTION.findall(_page()) if name not in registered]
    assert not stale, f"docs/analyzers.md documents analyzers that are not registered: {stale}"


@pytest.mark.parametrize("category", list(Category), ids=[c.value for c in Category])
def test_every_category_is_in_the_table_with_its_runbook(category: Category) -> None:
    text = _page()
    assert f"| `{category.value}` |" in text, f"no table row for {category.value}"
    assert f"(runbooks/{category.value}.md)" in text, f"no runbook link for {category.value}"


@pytest.mark.parametrize("finding_id", FINDING_IDS)
def test_every_finding_id_is_documented(finding_id: str) -> None:
    assert f"`{finding_id}`" in _page(), f"docs/analyzers.md does not mention {finding_id}"
