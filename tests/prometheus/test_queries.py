"""The PromQL plan: resolution within Prometheus' limits, selectors that match exactly."""

from __future__ import annotations

import pytest

from kubemedic.adapters.prometheus.queries import (
    CURRENT,
    LEGACY,
    MAX_POINTS,
    Levels,
    UsageQueries,
    load_step,
    matcher,
    usage_step,
)

DAY = 86_400.0


@pytest.mark.parametrize(
    ("days", "scrape", "step"),
    [
        (7, 60, 300),  # 5-minute means: 2,016 points
        (14, 60, 300),
        (7, 120, 480),  # four scrape intervals when longer
        (7, 15, 300),
        (60, 60, 480),  # coarser only to stay within 11,000 points
        (400, 60, 3180),
    ],
)
def test_the_step_is_five_minutes_or_four_scrapes_within_the_point_limit(
    days: int, scrape: float, step: float
) -> None:
    assert usage_step(days * DAY, scrape) == step
    assert days * DAY / step <= MAX_POINTS


def test_presence_and_load_steps_stay_within_the_point_limit() -> None:
    week = UsageQueries.plan(CURRENT, None, 7 * DAY, 60)
    assert (week.presence_step, week.presence_points) == (3600, 168)
    years = UsageQueries.plan(CURRENT, None, 1000 * DAY, 60)
    assert years.window / years.presence_step <= MAX_POINTS
    assert load_step(300) == 30
    assert 30 * DAY / load_step(30 * DAY) <= MAX_POINTS


def test_namespace_and_pod_matchers_match_the_names_exactly() -> None:
    assert matcher("namespace", None) == ""
    assert matcher("namespace", ["shop", "blog", "shop"]) == 'namespace=~"blog|shop"'
    assert matcher("pod", ["a.b+c"]) == r'pod=~"a\\.b\\+c"'


def test_every_query_covers_all_namespaces_asked_at_once() -> None:
    plan = UsageQueries.plan(LEGACY, ["shop", "blog"], 7 * DAY, 60)
    levels = Levels.of(1_767_571_200.5, {"p95": 0.95})
    expected = (
        "max by (namespace, pod_name, container_name) (quantile_over_time("
        "0.95 * (time() > bool 1767571200.0005) * (time() < bool 1767571200.0015), "
        'rate(container_cpu_usage_seconds_total{namespace=~"blog|shop", container_name!="", '
        'container_name!="POD"}[300s])[604800001ms:300s]))'
    )
    assert plan.cpu_levels(levels) == expected
    for query in (plan.memory_levels(levels), plan.memory_peak(), plan.samples()):
        assert 'namespace=~"blog|shop"' in query
        assert "pod_name" in query
    assert 'namespace=~"blog|shop"' in plan.restarts()


def test_levels_are_read_one_per_millisecond_after_the_windows_end() -> None:
    levels = Levels.of(1_000.9, {"p50": 0.5, "p99": 0.99, "max": 1.0})
    assert (levels.start, levels.last) == (pytest.approx(1_000.001), pytest.approx(1_000.003))
    assert [levels.name_at(1_000 + k / 1000) for k in range(5)] == [None, "p50", "p99", "max", None]
    # Each step's range reaches back to the window's start from the last step.
    assert levels.widened(3600.2) == "3601003ms"
