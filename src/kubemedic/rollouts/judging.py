"""The guard's rules: when traffic figures fail, when a round is undecided, when to halt.

Each round (every ``--interval``) judges the new pods' traffic over the time since the window
opened (at most one window back): the share of requests answered 5xx against
``max_error_rate``, and their p95 latency against the old pods' baseline: the highest p95 the
old pods showed in any round of this rollout, so one quiet reading of a coarse histogram does
not make a healthy release look slow (``max_latency_ratio``; a gap under ``LATENCY_FLOOR``
never fails). Fewer requests than ``min_requests`` is *too little
traffic*, no series at all is *no data*: both leave the round undecided, neither passes nor
fails it. ``failures`` failed rounds in a row halt the rollout; a pod failure halts it at once.
When the window is over the rollout passes unless the last round was undecided: then it is
held for a person (``no_data_passes`` lets it pass instead). A Prometheus that does not answer
leaves the pod signals to judge alone, and the decision says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from kubemedic._internal.timeutils import human_duration
from kubemedic.rollouts.pod_signals import Failure

LATENCY_FLOOR = 0.05
"""Seconds: a p95 this close to the old pods' is noise, whatever the ratio."""


class MetricStatus(StrEnum):
    OK = "pass"
    FAIL = "fail"
    NO_DATA = "no-data"
    LOW_TRAFFIC = "too-little-traffic"
    UNAVAILABLE = "unavailable"
    """Prometheus did not answer: the pod signals judge alone."""
    OFF = "off"
    """No Prometheus is configured."""

    @property
    def undecided(self) -> bool:
        return self in (MetricStatus.NO_DATA, MetricStatus.LOW_TRAFFIC)


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_error_rate: float = 0.05
    min_requests: float = 50.0
    max_latency_ratio: float = 2.0
    failures: int = 1
    """Failed rounds in a row that halt the rollout."""


@dataclass(frozen=True, slots=True)
class Traffic:
    """What Prometheus says about the new pods (and the old ones' latency) over one range."""

    seconds: float
    requests: float | None
    """Requests to the new pods in the range; None when Prometheus has no series of them."""
    errors: float = 0.0
    by_pod: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Per new pod: (requests, errors)."""
    p95: float | None = None
    baseline_p95: float | None = None
    """The old pods' p95 over the same range (None: no old pod served any)."""


@dataclass(frozen=True, slots=True)
class MetricCheck:
    """One round's judgement of the traffic."""

    status: MetricStatus
    detail: str
    error_rate: float | None = None
    requests: float | None = None
    p95: float | None = None
    baseline_p95: float | None = None
    evidence: tuple[str, ...] = ()


OFF = MetricCheck(MetricStatus.OFF, "no Prometheus configured: judged on pod signals only")


def unavailable(error: str) -> MetricCheck:
    return MetricCheck(
        MetricStatus.UNAVAILABLE,
        f"Prometheus stopped answering ({error}): judged on pod signals only",
    )


def judge_traffic(
    traffic: Traffic, limits: Thresholds, metric: str, *, baseline: float | None = None
) -> MetricCheck:
    """Pass, fail or undecided for one range of the new pods' traffic; ``baseline`` is the
    old pods' highest p95 in earlier rounds."""
    span = human_duration(traffic.seconds)
    measured = [p for p in (baseline, traffic.baseline_p95) if p is not None]
    traffic = replace(traffic, baseline_p95=max(measured, default=None))
    if traffic.requests is None:
        return MetricCheck(
            MetricStatus.NO_DATA,
            f"no data: Prometheus has no {metric} of the new pods over the last {span} (do "
            "they export it, and is it scraped?)",
        )
    if traffic.requests < limits.min_requests:
        return _checked(
            traffic,
            MetricStatus.LOW_TRAFFIC,
            f"too little traffic: {traffic.requests:.0f} requests to the new pods in the last "
            f"{span}, fewer than the {limits.min_requests:g} needed to judge",
        )
    rate = traffic.errors / traffic.requests if traffic.requests else 0.0
    evidence = tuple(
        f"pod {pod}: {errors:.0f} of {requests:.0f} requests failed ({_share(errors, requests)})"
        for pod, (requests, errors) in sorted(traffic.by_pod.items())
    )
    failed = []
    if rate > limits.max_error_rate:
        failed.append(
            f"error rate {rate:.1%} > {limits.max_error_rate:.0%} ({traffic.errors:.0f} of "
            f"{traffic.requests:.0f} requests to the new pods answered 5xx in the last {span})"
        )
    latency = _latency(traffic, limits)
    if latency:
        failed.append(latency)
    status = MetricStatus.FAIL if failed else MetricStatus.OK
    detail = "; ".join(failed) or (
        f"error rate {rate:.1%} ≤ {limits.max_error_rate:.0%} over {traffic.requests:.0f} "
        f"requests in the last {span}" + _latency_text(traffic)
    )
    return _checked(traffic, status, detail, rate, evidence)


def _checked(
    traffic: Traffic,
    status: MetricStatus,
    detail: str,
    rate: float | None = None,
    evidence: tuple[str, ...] = (),
) -> MetricCheck:
    return MetricCheck(
        status,
        detail,
        error_rate=rate,
        requests=traffic.requests,
        p95=traffic.p95,
        baseline_p95=traffic.baseline_p95,
        evidence=evidence,
    )


def _latency(traffic: Traffic, limits: Thresholds) -> str:
    new, old = traffic.p95, traffic.baseline_p95
    if new is None or old is None or old <= 0:
        return ""
    if new > old * limits.max_latency_ratio and new - old >= LATENCY_FLOOR:
        return f"p95 latency {_ms(new)} > {limits.max_latency_ratio:g} × the old pods' {_ms(old)}"
    return ""


def _latency_text(traffic: Traffic) -> str:
    if traffic.p95 is None:
        return ""
    old = f" (old pods {_ms(traffic.baseline_p95)})" if traffic.baseline_p95 is not None else ""
    return f"; p95 {_ms(traffic.p95)}{old}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


@dataclass(frozen=True, slots=True)
class Tally:
    """The rounds so far: how many failed in a row, and the last one."""

    in_a_row: int = 0
    rounds: int = 0
    last: MetricCheck | None = None
    baseline_p95: float | None = None
    """The highest p95 the old pods showed in any round."""

    def after(self, check: MetricCheck) -> Tally:
        """A pass resets the count, a failure adds one, an undecided round leaves it."""
        in_a_row = {MetricStatus.FAIL: self.in_a_row + 1, MetricStatus.OK: 0}.get(
            check.status, self.in_a_row
        )
        measured = [p for p in (self.baseline_p95, check.baseline_p95) if p is not None]
        return replace(
            self,
            in_a_row=in_a_row,
            rounds=self.rounds + 1,
            last=check,
            baseline_p95=max(measured, default=None),
        )


class Verdict(StrEnum):
    JUDGING = "judging"
    HALT = "halt"
    UNDECIDED = "undecided"
    """The window is over without traffic to judge: held for a person, never undone."""
    PASSED = "passed"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    """Why, in words; the first one is the headline."""
    evidence: tuple[str, ...] = ()


def decide(
    failures: Sequence[Failure],
    tally: Tally,
    limits: Thresholds,
    *,
    window_over: bool,
    no_data_passes: bool = False,
) -> Decision:
    """What to do now, from the pod failures, the rounds so far and whether the window is over."""
    if failures:
        return Decision(Verdict.HALT, tuple(f.describe() for f in failures))
    last = tally.last
    if last is not None and last.status is MetricStatus.FAIL:
        if tally.in_a_row >= limits.failures:
            rounds = f" ({tally.in_a_row} rounds in a row)" if limits.failures > 1 else ""
            return Decision(Verdict.HALT, (last.detail + rounds,), last.evidence)
        return Decision(Verdict.JUDGING, (last.detail,), last.evidence)
    if not window_over:
        return Decision(Verdict.JUDGING)
    if last is None:
        return Decision(Verdict.PASSED, (OFF.detail,))
    if last.status.undecided and not no_data_passes:
        return Decision(Verdict.UNDECIDED, (last.detail,), last.evidence)
    return Decision(Verdict.PASSED, (last.detail,), last.evidence)
