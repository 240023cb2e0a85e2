"""Pooled quantiles of several pods from each pod's few known quantiles (_internal.pooling)."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable

import pytest

from kubemedic._internal.pooling import Summary, pooled_quantiles

QS = (0.5, 0.95, 0.99)
Draw = Callable[[random.Random, float], float]


def summary(samples: list[float]) -> Summary:
    """A pod as the Prometheus backend reads it: count, p50/p95/p99 and max (no minimum)."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Summary(len(samples), cuts[49], cuts[94], cuts[98], max(samples))


def test_one_pod_gives_back_its_own_quantiles_exactly() -> None:
    pod = Summary(1440, 0.12, 0.31, 0.47, 0.9)
    assert pooled_quantiles([pod], (*QS, 1.0)) == (0.12, 0.31, 0.47, 0.9)


def test_alike_pods_pool_to_the_same_quantiles() -> None:
    pods = [Summary(count, 2.0, 5.0, 7.0, 9.0, 1.0) for count in (10, 300, 7)]
    assert pooled_quantiles(pods, QS) == (2.0, 5.0, 7.0)


@pytest.mark.parametrize(
    ("draw", "tolerances"),
    [
        # right-skewed, pods 5-20% apart and of different ages
        (lambda rng, mu: rng.lognormvariate(mu, 0.3), (0.03, 0.005, 0.005)),
        # twice as skewed, pods 50% apart
        (lambda rng, mu: rng.lognormvariate(mu * 2.5, 0.8), (0.015, 0.01, 0.01)),
        # heavy-tailed
        (lambda rng, mu: rng.paretovariate(3) * (1 + mu), (0.05, 0.005, 0.005)),
        # exponential, pods twice as busy as each other: the median is the least precise
        (lambda rng, mu: rng.expovariate(1 + 5 * mu), (0.05, 0.005, 0.005)),
        # far apart: the median falls in the gap between the pods
        (
            lambda rng, mu: rng.uniform(100, 120) if mu < 0.1 else rng.uniform(200, 240),
            (0.005, 0.005, 0.005),
        ),
        # CPU-like: a daily wave plus noise, pods alike
        (lambda rng, mu: max(0.0, rng.gauss(0.2 + 0.05 * mu, 0.02)), (0.005, 0.005, 0.005)),
    ],
)
def test_pooled_quantiles_are_close_to_those_of_all_samples_together(
    draw: Draw, tolerances: tuple[float, float, float]
) -> None:
    rng = random.Random(4)
    pods = [
        [draw(rng, mu) for _ in range(n)]
        for mu, n in ((0.0, 10_080), (0.2, 10_080), (0.1, 3_000), (0.05, 7_000))
    ]
    together = statistics.quantiles([x for pod in pods for x in pod], n=100, method="inclusive")
    pooled = pooled_quantiles([summary(pod) for pod in pods], QS)
    for got, index, tolerance in zip(pooled, (49, 94, 98), tolerances, strict=True):
        assert got == pytest.approx(together[index], rel=tolerance)


def test_pods_with_constant_usage_make_steps() -> None:
    idle, busy = Summary(10, 1.0, 1.0, 1.0, 1.0, 1.0), Summary(10, 3.0, 3.0, 3.0, 3.0, 3.0)
    assert pooled_quantiles([idle, busy], (0.5, 0.95)) == (1.0, 3.0)


def test_an_idle_container_is_zero() -> None:
    assert pooled_quantiles([Summary(100, 0.0, 0.0, 0.0, 0.0)], QS) == (0.0, 0.0, 0.0)


def test_quantiles_never_fall_as_q_rises() -> None:
    rng = random.Random(7)
    for _ in range(30):
        pods = []
        for _ in range(rng.randint(1, 6)):
            low, p50, p95, p99, high = sorted(rng.uniform(0, 10) for _ in range(5))
            pods.append(Summary(rng.randint(1, 5000), p50, p95, p99, high, low))
        answers = pooled_quantiles(pods, [q / 50 for q in range(51)])
        assert list(answers) == sorted(answers)


def test_quantiles_read_by_separate_queries_may_disagree_a_little() -> None:
    # p95 read as slightly above p99 (each came from its own query): taken as equal.
    assert pooled_quantiles([Summary(50, 10.0, 11.0000001, 11.0, 12.0)], QS) == (
        10.0,
        11.0000001,
        11.0000001,
    )


def test_pods_without_samples_do_not_count() -> None:
    empty, pod = Summary(0, 100.0, 150.0, 190.0, 200.0), Summary(3, 1.0, 1.5, 1.9, 2.0)
    assert pooled_quantiles([empty, pod], [0.5]) == (1.0,)
    with pytest.raises(ValueError, match="no series with samples"):
        pooled_quantiles([empty], [0.5])


def test_a_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="within"):
        pooled_quantiles([Summary(1, 1.0, 1.0, 1.0, 1.0)], [95])
