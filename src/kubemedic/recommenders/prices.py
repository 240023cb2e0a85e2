"""What a recommendation is worth in money: request savings and the cost of extra replicas.

Costs follow requests, not usage: the scheduler reserves what is requested, so that is what
the nodes (and the bill) must hold. Prices come from a ``PriceBook`` (per vCPU-hour and per
GiB-hour, 730 hours a month by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.models.recommendation_settings import PriceBook
from kubemedic.models.recommendations import CostImpact, ResourceValues, Savings


def request_savings(
    current: ResourceValues, recommended: ResourceValues, replicas: int, prices: PriceBook
) -> Savings:
    """Requests of all ``replicas`` before and after, and their monthly cost (unset = 0)."""
    cpu_before = (current.cpu_request or 0.0) * replicas
    cpu_after = (recommended.cpu_request or 0.0) * replicas
    memory_before = (current.memory_request or 0.0) * replicas
    memory_after = (recommended.memory_request or 0.0) * replicas
    return Savings(
        cpu_before=cpu_before,
        cpu_after=cpu_after,
        memory_before=memory_before,
        memory_after=memory_after,
        monthly_before=prices.monthly(cpu_before, memory_before),
        monthly_after=prices.monthly(cpu_after, memory_after),
    )


def replica_cost(
    pod_cpu: float,
    pod_memory: float,
    *,
    current: int,
    low: int,
    high: int,
    prices: PriceBook,
) -> CostImpact:
    """Monthly cost of running ``low`` (best case) or ``high`` (worst) instead of ``current``."""
    return CostImpact(
        per_replica_monthly=prices.monthly(pod_cpu, pod_memory),
        best_extra_replicas=max(low - current, 0),
        worst_extra_replicas=max(high - current, 0),
    )


def realised_savings(
    prior: Mapping[str, Any], after: Mapping[str, Any], replicas: int, prices: PriceBook
) -> Savings:
    """What an applied ``resources`` change saves, from the plan's prior and new requests.

    Only the requests the change set count; an unset prior request is free (costs nothing).
    """

    def request(values: Mapping[str, Any], key: str) -> float | None:
        return parse_quantity(values.get(key)) if values.get(key) is not None else None

    keys = ("cpu_request", "memory_request")
    before = {key: request(prior, key) for key in keys if key in after}
    now = {key: request(after, key) for key in keys if key in after}
    return request_savings(ResourceValues(**before), ResourceValues(**now), replicas, prices)
