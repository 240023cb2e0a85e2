"""Quantiles of several series taken together, when each is known only by a few quantiles.

A workload's percentile is asked over all its pods' samples pooled, but a metrics server can
only summarise one series at a time (PromQL has no way to pool samples across series over
time). Each series is therefore summarised by its sample count, p50, p95, p99 and maximum
(and minimum, when known); the pooled distribution is the count-weighted mixture
``G(x) = Σ wᵢ Fᵢ(x)`` and the pooled quantile solves ``G(x) = q``.

Each ``Fᵢ`` passes exactly through the known points, and between them takes a shape:

* below the median, a straight line from the minimum (``2·p50 − p95``, at least 0, when it is
  not known);
* above it, a generalised Pareto tail fitted through p50, p95 and p99 — the three points fix
  its scale and shape, so it is a straight line for uniform samples, an exponential for
  exponential ones, and bends as much as the data says in between — continued up to the
  maximum, but never past ``n / (n + 1)`` before it, where the largest of ``n`` samples is
  expected (the rest of the mass sits at the maximum).

On synthetic pods that differ (skewed, heavy-tailed, uniform, of different ages) this keeps
the pooled p95 and p99 within 1% of the percentiles of all samples together, the p50 within 5%
(tests/prometheus/test_pooling.py); straight lines between the points overshoot the p95 and
p99 of skewed pods by 5-18%. A binary search over the known values finds the segment where
``G`` reaches ``q``; when ``q`` is reached at a known value that value is returned as it is —
so one series gives back its own quantiles unchanged — otherwise a bisection inside the
segment finds ``x``.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TOLERANCE = 1e-12
"""How far a cumulative probability may be off and still count as reaching ``q``."""
PRECISION = 1e-7
"""Relative precision of a quantile found by bisection (far finer than any reading)."""
FIT_STEPS = 40
"""Bisection steps fitting a tail's shape: to within 40 / 2**40, far finer than needed."""
SHAPE_LIMIT = 20.0
"""The fitted tail shape is searched within [-limit, limit]."""
MEDIAN, P95, P99 = 0.5, 0.95, 0.99


@dataclass(frozen=True, slots=True)
class Summary:
    """One series: how many samples, its p50, p95, p99 and maximum, and its minimum if known.

    An unknown minimum is taken as ``2·p50 − p95`` (the median's distance to p95, mirrored
    below it; at least 0): it only shapes the pooled median, and does so better than 0.
    """

    count: float
    p50: float
    p95: float
    p99: float
    maximum: float
    minimum: float | None = None


def pooled_quantiles(series: Sequence[Summary], qs: Sequence[float]) -> tuple[float, ...]:
    """The ``qs`` quantiles of all the series' samples pooled (weighted by their counts).

    Series without samples are ignored; ValueError when none is left or a ``q`` is outside
    [0, 1].
    """
    if any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must be within [0, 1], got {list(qs)}")
    parts = [_Distribution.of(s) for s in series if s.count > 0]
    if not parts:
        raise ValueError("no series with samples to pool")
    total = sum(p.weight for p in parts)
    shares = [(p.weight / total, p) for p in parts]
    knots = sorted({v for p in parts for v in p.values})

    def mixed(x: float) -> float:
        return sum(share * p.cdf(x) for share, p in shares)

    def mixed_below(x: float) -> float:
        return sum(share * p.cdf_below(x) for share, p in shares)

    return tuple(_solve(q, knots, mixed, mixed_below) for q in qs)


def _solve(
    q: float,
    knots: list[float],
    mixed: Callable[[float], float],
    mixed_below: Callable[[float], float],
) -> float:
    j = _first(len(knots), lambda i: mixed(knots[i]) >= q - TOLERANCE)
    if j == 0 or mixed_below(knots[j]) <= q + TOLERANCE:
        return knots[j]  # reached at the known value itself (exactly, or by a jump there)
    low, high = knots[j - 1], knots[j]
    while high - low > PRECISION * max(abs(low), abs(high)):
        middle = (low + high) / 2.0
        if middle in (low, high):  # neighbouring floats: as close as it gets
            break
        if mixed(middle) >= q:
            high = middle
        else:
            low = middle
    return high


def _first(count: int, reached: Callable[[int], bool]) -> int:
    """The first index in ``range(count)`` where ``reached`` holds (it holds at the last)."""
    low, high = 0, count - 1
    while low < high:
        middle = (low + high) // 2
        if reached(middle):
            high = middle
        else:
            low = middle + 1
    return low


@dataclass(frozen=True, slots=True)
class _Tail:
    """A generalised Pareto tail above the median: ``1 - F = ½ (1 + ξ y / σ) ^ (-1/ξ)``."""

    median: float
    shape: float
    scale: float

    @classmethod
    def through(cls, p50: float, p95: float, p99: float) -> _Tail | None:
        """The tail through the three points, or None when they leave no room for one."""
        if not p50 < p95 < p99:
            return None
        ratio = (p99 - p50) / (p95 - p50)  # 49/45 for a uniform, ln 50 / ln 10 for ξ = 0
        low, high = -SHAPE_LIMIT, SHAPE_LIMIT
        for _ in range(FIT_STEPS):
            middle = (low + high) / 2.0
            if _spread(2 * (1 - P99), middle) / _spread(2 * (1 - P95), middle) < ratio:
                low = middle
            else:
                high = middle
        shape = (low + high) / 2.0
        return cls(p50, shape, (p95 - p50) / _spread(2 * (1 - P95), shape))

    def cdf(self, x: float) -> float:
        y = (x - self.median) / self.scale
        if abs(self.shape) < 1e-9:
            return 1.0 - 0.5 * math.exp(-y)
        base = 1.0 + self.shape * y
        return 1.0 if base <= 0 else 1.0 - 0.5 * math.pow(base, -1.0 / self.shape)


def _spread(exceeding: float, shape: float) -> float:
    """How far above the median (in scales) the tail leaves ``exceeding`` of its mass."""
    if abs(shape) < 1e-9:
        return -math.log(exceeding)
    return (math.pow(exceeding, -shape) - 1.0) / shape


@dataclass(frozen=True, slots=True)
class _Distribution:
    """A series' CDF through its known points (``values`` at ``probabilities``)."""

    weight: float
    probabilities: tuple[float, ...]
    values: tuple[float, ...]
    tail: _Tail | None

    @classmethod
    def of(cls, summary: Summary) -> _Distribution:
        n = summary.count
        minimum = summary.minimum
        if minimum is None:
            minimum = max(0.0, 2.0 * summary.p50 - summary.p95)
        points = [
            (0.0, min(minimum, summary.p50)),
            (MEDIAN, summary.p50),
            (P95, summary.p95),
            (P99, summary.p99),
        ]
        if n / (n + 1.0) > P99:
            points.append((n / (n + 1.0), summary.maximum))
        points.append((1.0, summary.maximum))
        values: list[float] = []
        for _, value in points:  # quantiles read by separate queries may disagree slightly
            values.append(max(value, values[-1]) if values else value)
        tail = _Tail.through(values[1], values[2], values[3])
        return cls(n, tuple(p for p, _ in points), tuple(values), tail)

    def cdf(self, x: float) -> float:
        """The share of samples at or below ``x``."""
        k = bisect_right(self.values, x) - 1
        if k < 0:
            return 0.0
        if self.values[k] == x:
            return self.probabilities[k]
        if k == len(self.values) - 1:
            return 1.0
        return self._inside(k, x)

    def cdf_below(self, x: float) -> float:
        """The share of samples strictly below ``x`` (differs from ``cdf`` at jumps)."""
        k = bisect_left(self.values, x)
        if k < len(self.values) and self.values[k] == x:
            return self.probabilities[k]
        return self.cdf(x)

    def _inside(self, k: int, x: float) -> float:
        p0, p1 = self.probabilities[k], self.probabilities[k + 1]
        low, high = self.values[k], self.values[k + 1]
        share = (x - low) / (high - low)
        if p0 < MEDIAN or p1 == 1.0:
            return p0 + share * (p1 - p0)
        if self.tail is not None:
            return min(self.tail.cdf(x), p1)
        return 1.0 - (1.0 - p0) * math.pow((1.0 - p1) / (1.0 - p0), share)  # no room for a fit
