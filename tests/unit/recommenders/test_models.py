"""The result and settings values: prices, policies, savings wording and JSON data."""

from __future__ import annotations

import json

import pytest

from kubemedic.models.recommendation_settings import (
    GIB,
    CpuLimitPolicy,
    PriceBook,
    RightSizingSettings,
    ScalingSettings,
)
from kubemedic.models.recommendations import Savings
from kubemedic.recommenders.resources import recommend_workload
from tests.unit.recommenders.objects import deployment, usage


def test_the_default_price_book_is_opencosts() -> None:
    # 500m and 1GiB for a month: (0.5 × 0.031611 + 1 × 0.004237) × 730
    assert PriceBook().monthly(0.5, GIB) == pytest.approx(14.63, abs=0.005)


def test_a_custom_price_book() -> None:
    book = PriceBook(cpu_hour=0.05, memory_gib_hour=0.01, hours_per_month=720)

    assert book.monthly(2, 4 * GIB) == pytest.approx((2 * 0.05 + 4 * 0.01) * 720)


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("none", CpuLimitPolicy("none")),
        ("Keep", CpuLimitPolicy("keep")),
        ("ratio:2", CpuLimitPolicy("ratio", 2.0)),
        (" ratio:1.5 ", CpuLimitPolicy("ratio", 1.5)),
    ],
)
def test_cpu_limit_policies_parse(text: str, policy: CpuLimitPolicy) -> None:
    assert CpuLimitPolicy.parse(text) == policy
    assert CpuLimitPolicy.parse(str(policy)) == policy


@pytest.mark.parametrize("text", ["", "always", "ratio", "ratio:0.5", "ratio:x", "keep:2"])
def test_bad_cpu_limit_policies_are_refused_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="expected none, keep or ratio:X with X >= 1"):
        CpuLimitPolicy.parse(text)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RightSizingSettings(margin=-0.1), "margin must be at least 0"),
        (
            lambda: RightSizingSettings(memory_limit_ratio=0.9),
            "memory_limit_ratio must be at least 1",
        ),
        (lambda: ScalingSettings(threshold=70), "threshold must be a fraction"),
        (lambda: ScalingSettings(min_replicas=0), "min_replicas must be at least 1"),
        (lambda: ScalingSettings(sustained_seconds=0), "must be positive"),
        (lambda: PriceBook(cpu_hour=-1), "prices.cpu_hour must not be negative"),
    ],
)
def test_nonsense_settings_are_refused_by_name(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_savings_are_worded_as_savings_or_as_a_cost() -> None:
    saved = Savings(monthly_before=100.0, monthly_after=58.0)
    dearer = Savings(monthly_before=20.0, monthly_after=23.1)

    assert saved.describe() == "saves $42.00/month (42%)"
    assert dearer.describe() == "costs $3.10/month more (+16%)"
    assert Savings().describe() == "no change in cost"
    assert Savings(monthly_after=5.0).describe() == "costs $5.00/month more"


def test_savings_add_up() -> None:
    total = Savings.total([Savings(1, 0.5, 10, 5, 3, 2), None, Savings(2, 1, 20, 10, 6, 4)])

    assert total == Savings(3, 1.5, 30, 15, 9, 6)
    assert total.cpu_reduction == pytest.approx(0.5)
    assert total.fraction == pytest.approx(1 / 3)


def test_a_workload_recommendation_is_json_data_with_kubernetes_quantities() -> None:
    result = recommend_workload(deployment(), [usage()], RightSizingSettings())
    data = json.loads(json.dumps(result.to_data()))

    assert data["workload"] == {"kind": "Deployment", "name": "web", "namespace": "shop"}
    app = data["containers"][0]
    assert app["recommended"] == {
        "requests": {"cpu": "260m", "memory": "156Mi"},
        "limits": {"memory": "200Mi"},
    }
    assert app["usage"]["memory_bytes"]["p95"] == 120 * 2**20
    assert app["usage"]["history_days"] == 7.5
    assert data["savings"]["summary"].startswith("saves $")
    assert data["patch"]["command"].startswith("kubectl patch deployment/web -n shop")
