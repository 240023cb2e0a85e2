"""Quantities read and written the way manifests spell them."""

from __future__ import annotations

import pytest

from kubemedic._internal.quantities import (
    format_cpu,
    format_memory,
    parse_quantity,
    round_up_memory,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", 0.25),
        ("2", 2.0),
        ("1.5", 1.5),
        ("512Mi", 512 * 2**20),
        ("1Gi", 2**30),
        ("1G", 1e9),
        ("58472Ki", 58472 * 1024),
        ("2e3", 2000.0),
        ("100n", 100e-9),
    ],
)
def test_parse_quantity(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "5 Mi", "Mi"])
def test_unparseable_quantities_are_none(text: str) -> None:
    assert parse_quantity(text) is None


def test_format_cpu_matches_manifest_style() -> None:
    assert format_cpu(0.25) == "250m"
    assert format_cpu(2.0) == "2"
    assert format_cpu(1.5) == "1500m"


def test_format_memory_prefers_exact_units() -> None:
    assert format_memory(256 * 2**20) == "256Mi"
    assert format_memory(2**30) == "1Gi"
    assert format_memory(1101004 * 1024) == "1075Mi"
    assert format_memory(12.5 * 2**30) == "12800Mi"
    assert format_memory(12.5 * 2**30 + 4096) == "12.5Gi"


def test_round_up_memory_gives_tidy_values() -> None:
    assert round_up_memory(300 * 2**20) == "304Mi"
    assert round_up_memory(1398 * 2**20) == "1408Mi"
    assert round_up_memory(2047 * 2**20) == "2Gi"
    assert round_up_memory(100.2 * 2**20) == "101Mi"
