"""Test options shared by every suite: ``--update-golden`` rewrites golden files on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files with the current output instead of comparing (review the diff)",
    )


class Golden:
    """Compares output with a file under a golden directory, or rewrites it when asked."""

    def __init__(self, directory: Path, update: bool) -> None:
        self.directory = directory
        self.update = update

    def check(self, name: str, actual: str) -> None:
        path = self.directory / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.is_file(), f"no golden file {path}; run pytest --update-golden to create it"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path}; if intended: --update-golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    directory = Path(request.path).parent / "expected"
    return Golden(directory, bool(request.config.getoption("--update-golden")))
