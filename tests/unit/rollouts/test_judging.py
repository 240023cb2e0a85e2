"""The traffic rules, the consecutive-failure count and the window's end, as documented in
docs/rollouts.md."""

from __future__ import annotations

import pytest

from kubemedic.rollouts.judging import (
    OFF,
    MetricStatus,
    Tally,
    Thresholds,
    Traffic,
    Verdict,
    decide,
    judge_traffic,
    unavailable,
)
from kubemedic.rollouts.pod_signals import Failure

LIMITS = Thresholds(max_error_rate=0.05, min_requests=50, max_latency_ratio=2.0, failures=2)
METRIC = "http_requests_total"


def _judge(requests: float | None, errors: float = 0, **latency: float) -> tuple[str, str]:
    traffic = Traffic(60, requests, errors, {"web-b-1": (requests or 0, errors)}, **latency)
    check = judge_traffic(traffic, LIMITS, METRIC)
    return check.status.value, check.detail


def test_an_error_rate_above_the_bar_fails_with_the_figures() -> None:
    assert _judge(200, 42) == (
        "fail",
        "error rate 21.0% > 5% (42 of 200 requests to the new pods answered 5xx in the last 60s)",
    )


def test_an_error_rate_at_the_bar_passes() -> None:
    status, detail = _judge(200, 10, p95=0.05, baseline_p95=0.04)
    assert status == "pass"
    assert (
        detail
        == "error rate 5.0% ≤ 5% over 200 requests in the last 60s; p95 50 ms (old pods 40 ms)"
    )


def test_no_series_is_no_data_and_few_requests_too_little_traffic() -> None:
    assert _judge(None)[0] == "no-data"
    status, detail = _judge(12, 12)
    assert status == "too-little-traffic"
    assert detail.startswith("too little traffic: 12 requests to the new pods in the last 60s")


@pytest.mark.parametrize(
    ("p95", "baseline", "status"),
    [
        (0.90, 0.20, "fail"),  # 4.5 × slower
        (0.35, 0.20, "pass"),  # under 2 ×
        (0.06, 0.02, "pass"),  # 3 × slower, but only 40 ms: noise of a coarse histogram
    ],
)
def test_latency_fails_above_the_ratio_and_the_floor(
    p95: float, baseline: float, status: str
) -> None:
    assert _judge(200, p95=p95, baseline_p95=baseline)[0] == status


def test_latency_is_compared_with_the_highest_baseline_seen() -> None:
    traffic = Traffic(60, 200, 0, {}, p95=0.30, baseline_p95=0.10)
    assert judge_traffic(traffic, LIMITS, METRIC).status is MetricStatus.FAIL
    assert judge_traffic(traffic, LIMITS, METRIC, baseline=0.18).status is MetricStatus.OK


def test_without_old_pods_latency_is_not_judged() -> None:
    assert _judge(200, p95=5.0)[0] == "pass"


def test_per_pod_evidence_names_each_new_pod() -> None:
    traffic = Traffic(60, 300, 42, {"web-b-2": (100, 0), "web-b-1": (200, 42)})
    assert judge_traffic(traffic, LIMITS, METRIC).evidence == (
        "pod web-b-1: 42 of 200 requests failed (21.0%)",
        "pod web-b-2: 0 of 100 requests failed (0.0%)",
    )


def _tally(*statuses: MetricStatus) -> Tally:
    tally = Tally()
    for status in statuses:
        tally = tally.after(
            judge_traffic(Traffic(60, 200, 0), LIMITS, METRIC)
            if status is MetricStatus.OK
            else judge_traffic(Traffic(60, 200, 100), LIMITS, METRIC)
            if status is MetricStatus.FAIL
            else judge_traffic(Traffic(60, None), LIMITS, METRIC)
        )
    return tally


def test_failures_in_a_row_are_counted_and_a_pass_resets_them() -> None:
    ok, fail, none = MetricStatus.OK, MetricStatus.FAIL, MetricStatus.NO_DATA
    assert _tally(fail, fail).in_a_row == 2
    assert _tally(fail, ok, fail).in_a_row == 1
    assert _tally(fail, none, fail).in_a_row == 2  # undecided rounds neither pass nor fail


def test_the_rollout_halts_after_the_failures_in_a_row() -> None:
    once = decide([], _tally(MetricStatus.FAIL), LIMITS, window_over=False)
    assert once.verdict is Verdict.JUDGING
    twice = decide([], _tally(MetricStatus.FAIL, MetricStatus.FAIL), LIMITS, window_over=False)
    assert twice.verdict is Verdict.HALT
    assert twice.reasons[0].endswith("(2 rounds in a row)")


def test_a_pod_failure_halts_at_once_whatever_the_traffic() -> None:
    crash = Failure("pod web-b-1 container web", "CrashLoopBackOff", "back-off 10s")
    decision = decide([crash], _tally(MetricStatus.OK), LIMITS, window_over=False)
    assert decision.verdict is Verdict.HALT
    assert decision.reasons == ("pod web-b-1 container web: CrashLoopBackOff (back-off 10s)",)


def test_no_data_at_the_end_of_the_window_is_not_a_pass_by_default() -> None:
    tally = _tally(MetricStatus.OK, MetricStatus.NO_DATA)
    held = decide([], tally, LIMITS, window_over=True)
    assert held.verdict is Verdict.UNDECIDED
    assert held.reasons[0].startswith("no data: Prometheus has no http_requests_total")
    assert decide([], tally, LIMITS, window_over=True, no_data_passes=True).verdict is (
        Verdict.PASSED
    )


def test_the_window_passes_on_good_traffic_and_on_pod_signals_alone() -> None:
    assert decide([], _tally(MetricStatus.OK), LIMITS, window_over=True).verdict is Verdict.PASSED
    alone = decide([], Tally(), LIMITS, window_over=True)
    assert (alone.verdict, alone.reasons) == (Verdict.PASSED, (OFF.detail,))
    down = Tally().after(unavailable("connection refused"))
    passed = decide([], down, LIMITS, window_over=True)
    assert passed.verdict is Verdict.PASSED
    assert passed.reasons[0] == (
        "Prometheus stopped answering (connection refused): judged on pod signals only"
    )


def test_a_failing_last_round_keeps_judging_after_the_window() -> None:
    assert decide([], _tally(MetricStatus.FAIL), LIMITS, window_over=True).verdict is (
        Verdict.JUDGING
    )
