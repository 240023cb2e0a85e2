"""Sustained, near, below, or not enough data: the recent window judged point by point."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubemedic.models.recommendation_settings import ScalingSettings
from kubemedic.models.recommendations import LoadVerdict
from kubemedic.models.usage import LoadPoint
from kubemedic.recommenders.load import assess_load
from tests.unit.recommenders.objects import NOW, load

SETTINGS = ScalingSettings()
REQUEST = 0.5  # cores per pod; 3 pods → 1.5 cores is 100%


def _judge(cores: list[float], *, step: float = 30.0, pods: int = 3) -> LoadVerdict:
    points = load(cores, step=step, pods=pods).points
    return assess_load(points, REQUEST, SETTINGS, NOW).verdict


def test_every_point_at_or_above_the_threshold_for_the_whole_window_is_sustained() -> None:
    cores = [1.2, 1.25, 1.05, 1.3, 1.2, 1.35, 1.2, 1.1, 1.2, 1.25, 1.2]  # 70%..90% over 5 min
    result = assess_load(load(cores).points, REQUEST, SETTINGS, NOW)

    assert result.verdict is LoadVerdict.SUSTAINED
    assert result.points == 11
    assert result.lowest == pytest.approx(0.70)
    assert result.highest == pytest.approx(0.90)
    assert result.detail == (
        "CPU stayed at or above 70% of requests for the whole 5m: 70% to 90%, median 80%"
    )


def test_one_dip_below_the_threshold_makes_it_near_not_sustained() -> None:
    cores = [1.2] * 5 + [0.9] + [1.2] * 5

    assert _judge(cores) is LoadVerdict.NEAR


def test_a_median_within_the_near_margin_is_near() -> None:
    assert _judge([0.95] * 11) is LoadVerdict.NEAR  # 63%: within 10 points of 70%


def test_low_load_is_below() -> None:
    result = assess_load(load([0.6] * 11).points, REQUEST, SETTINGS, NOW)

    assert result.verdict is LoadVerdict.BELOW
    assert result.median == pytest.approx(0.4)


def test_a_gap_in_the_window_is_not_enough_data_even_if_every_point_is_high() -> None:
    points = [
        p
        for p in load([1.4] * 11).points
        if not NOW - timedelta(minutes=4) < p.at < NOW - timedelta(minutes=1)
    ]
    result = assess_load(points, REQUEST, SETTINGS, NOW)

    assert result.verdict is LoadVerdict.NOT_ENOUGH_DATA
    assert result.detail == (
        "not enough recent data: 6 point(s) in the last 5m, with no data for 3m from "
        "2026-06-08T11:56:00Z (at most 2m allowed)"
    )


def test_points_that_start_late_do_not_cover_the_window() -> None:
    assert _judge([1.4] * 4) is LoadVerdict.NOT_ENOUGH_DATA  # only the last 90 seconds


def test_points_that_stopped_coming_do_not_cover_the_window() -> None:
    stale = load([1.4] * 11, end=NOW - timedelta(minutes=3)).points

    assert assess_load(stale, REQUEST, SETTINGS, NOW).verdict is LoadVerdict.NOT_ENOUGH_DATA


def test_too_few_points_is_not_enough_data() -> None:
    result = assess_load(load([1.4, 1.4], step=110).points, REQUEST, SETTINGS, NOW)

    assert result.verdict is LoadVerdict.NOT_ENOUGH_DATA
    assert result.detail == "not enough recent data: 2 point(s) in the last 5m, 3 needed"


def test_points_where_no_pod_reported_count_as_missing() -> None:
    points = [
        LoadPoint(p.at, 0.0, 0) if i % 2 else p
        for i, p in enumerate(load([1.4] * 21, step=15).points)
    ]
    kept = assess_load(points, REQUEST, SETTINGS, NOW)

    assert kept.verdict is LoadVerdict.SUSTAINED
    assert kept.points == 11


def test_points_before_the_window_do_not_count() -> None:
    old_spike = load([3.0] * 10, end=NOW - timedelta(minutes=10)).points
    calm = load([0.3] * 11).points

    assert assess_load(old_spike + calm, REQUEST, SETTINGS, NOW).highest == pytest.approx(0.2)


def test_utilization_is_per_reporting_pod() -> None:
    # 2 of 3 pods reported 0.8 cores in all: 80% of their 1.0 core of requests
    result = assess_load(load([0.8] * 11, pods=2).points, REQUEST, SETTINGS, NOW)

    assert result.verdict is LoadVerdict.SUSTAINED
    assert result.median == pytest.approx(0.8)


def test_threshold_and_window_are_settings() -> None:
    strict = ScalingSettings(threshold=0.9, sustained_seconds=120)
    points = load([1.2] * 11).points

    assert assess_load(points, REQUEST, strict, NOW).verdict is LoadVerdict.NEAR
