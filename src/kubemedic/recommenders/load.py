"""Is a workload under sustained CPU load? Utilization point by point over the last minutes.

Utilization at a point is the workload's CPU (cores, all pods) divided by what those pods
requested (pods × the pod's CPU request), the figure an HPA works with. "Sustained" is a strong
claim, so it needs evidence across the whole window: points from its start to ``now`` with no
gap longer than allowed, and every one of them at or above the threshold. A window with too
few points or a hole says "not enough recent data", never "sustained".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.models.recommendation_settings import ScalingSettings
from kubemedic.models.recommendations import LoadAssessment, LoadVerdict
from kubemedic.models.usage import LoadPoint

_EPSILON = 1e-9


def assess_load(
    points: Sequence[LoadPoint],
    pod_cpu_request: float,
    settings: ScalingSettings,
    now: datetime,
) -> LoadAssessment:
    """Sustained, near, below or not enough data, over the ``settings.sustained_seconds``
    before ``now``; points where no pod reported are treated as missing."""
    window = settings.sustained_seconds
    start = now - timedelta(seconds=window)
    inside = sorted((p for p in points if start <= p.at <= now and p.pods > 0), key=lambda p: p.at)
    shown = human_duration(window)
    gap = _largest_gap(inside, start, now)
    if len(inside) < settings.min_points or gap[0] > settings.max_gap_seconds:
        return LoadAssessment(
            LoadVerdict.NOT_ENOUGH_DATA,
            _missing(inside, gap, shown, settings),
            points=len(inside),
        )
    utilization = [p.cores / (p.pods * pod_cpu_request) for p in inside]
    lowest, median, highest = min(utilization), statistics.median(utilization), max(utilization)
    spread = f"{lowest:.0%} to {highest:.0%}, median {median:.0%}"
    threshold = settings.threshold
    if lowest >= threshold - _EPSILON:
        verdict = LoadVerdict.SUSTAINED
        detail = f"CPU stayed at or above {threshold:.0%} of requests for the whole {shown}: "
    elif median >= threshold - settings.near_margin - _EPSILON:
        verdict = LoadVerdict.NEAR
        detail = (
            f"CPU near {threshold:.0%} of requests over the last {shown} (median within "
            f"{settings.near_margin * 100:.0f} points) but not above it throughout: "
        )
    else:
        verdict = LoadVerdict.BELOW
        detail = f"CPU below {threshold:.0%} of requests over the last {shown}: "
    return LoadAssessment(
        verdict, detail + spread, len(inside), lowest=lowest, median=median, highest=highest
    )


def _largest_gap(
    points: Sequence[LoadPoint], start: datetime, now: datetime
) -> tuple[float, datetime]:
    """The longest stretch of the window without a point, and where it begins."""
    edges = [start, *(p.at for p in points), now]
    return max(((later - earlier).total_seconds(), earlier) for earlier, later in pairwise(edges))


def _missing(
    points: Sequence[LoadPoint],
    gap: tuple[float, datetime],
    shown: str,
    settings: ScalingSettings,
) -> str:
    head = f"not enough recent data: {len(points)} point(s) in the last {shown}"
    if len(points) < settings.min_points:
        return f"{head}, {settings.min_points} needed"
    return (
        f"{head}, with no data for {human_duration(gap[0])} from {format_time(gap[1])} "
        f"(at most {human_duration(settings.max_gap_seconds)} allowed)"
    )
