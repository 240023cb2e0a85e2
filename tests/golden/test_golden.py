"""Each output format compared with its reviewed golden file (``pytest --update-golden``)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from rich.console import Console

from kubemedic.formatters import json, markdown, text
from kubemedic.formatters.report import Report
from tests.conftest import Golden
from tests.golden.samples import empty_report, full_report

REPORTS: dict[str, Callable[[], Report]] = {"full": full_report, "empty": empty_report}


def _text(report: Report) -> str:
    return text.render(report, Console(file=io.StringIO(), width=100, color_system=None))


RENDERERS: dict[str, Callable[[Report], str]] = {
    "txt": _text,
    "md": markdown.render,
    "json": json.render,
}


@pytest.mark.parametrize("extension", sorted(RENDERERS))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_output_matches_golden_file(golden: Golden, name: str, extension: str) -> None:
    golden.check(f"{name}.{extension}", RENDERERS[extension](REPORTS[name]()))
