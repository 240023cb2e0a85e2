"""What a request change does to an HPA that scales the same workload on CPU or memory.

An HPA's utilization is usage / request (summed over the pod's containers, or one container
for a ContainerResource metric), so lowering requests raises the utilization it measures and
the HPA answers with more replicas — right-sizing and autoscaling interact. Instead of skipping
such workloads (what KRR does), the recommendation says by how much the measured utilization
moves, at p95 usage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubemedic.models.k8s import dig
from kubemedic.models.recommendations import ContainerRecommendation, ResourceValues

_DEFAULT_METRICS = (
    {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
    },
)
"""autoscaling/v2: an HPA without metrics scales on CPU at 80% utilization."""
_NAMES = {"cpu": "CPU", "memory": "memory"}


def hpa_effects(
    hpa: Mapping[str, Any] | None, containers: Sequence[ContainerRecommendation]
) -> tuple[str, ...]:
    """One sentence per utilization target of ``hpa`` whose denominator the change moves."""
    if hpa is None or not any(c.changes for c in containers):
        return ()
    name = str(dig(hpa, "metadata", "name") or "")
    metrics = dig(hpa, "spec", "metrics") or _DEFAULT_METRICS
    return tuple(
        _effect(name, resource, target, scope)
        for resource, target, scope in _utilization_targets(metrics, containers)
    )


def _utilization_targets(
    metrics: Sequence[Mapping[str, Any]], containers: Sequence[ContainerRecommendation]
) -> Iterator[tuple[str, int, Sequence[ContainerRecommendation]]]:
    for metric in metrics:
        kind = metric.get("type")
        source = metric.get("resource") if kind == "Resource" else metric.get("containerResource")
        resource = dig(source, "name")
        target = dig(source, "target", "averageUtilization")
        if (
            kind not in ("Resource", "ContainerResource")
            or resource not in _NAMES
            or dig(source, "target", "type") != "Utilization"
            or not isinstance(target, int)
        ):
            continue
        if kind == "ContainerResource":
            scope = [c for c in containers if c.container == dig(source, "container")]
        else:
            scope = list(containers)
        if any(c.changes for c in scope):
            yield str(resource), target, scope


def _effect(
    hpa: str, resource: str, target: int, containers: Sequence[ContainerRecommendation]
) -> str:
    usage = sum(_p95(c, resource) for c in containers)
    before = sum(_request(c.current, resource) for c in containers)
    after = sum(_request(c.recommended or c.current, resource) for c in containers)
    label = _NAMES[resource]
    head = f"HPA {hpa} targets {target}% {label}"
    if not after:
        return f"{head}; the containers have no {label} request, so it cannot measure utilization"
    new = usage / after * 100
    today = f"{usage / before * 100:.0f}% today" if before else "no request today"
    if new > target:
        expect = "expect more replicas"
    elif before and usage / before * 100 > target:
        expect = "expect fewer replicas"
    else:
        expect = "it stays under the target: no extra replicas expected"
    return (
        f"{head}; at p95 usage the new requests put utilization at {new:.0f}% vs {today}: {expect}"
    )


def _p95(container: ContainerRecommendation, resource: str) -> float:
    if container.usage is None:
        return 0.0
    return container.usage.cpu.p95 if resource == "cpu" else container.usage.memory.p95


def _request(values: ResourceValues, resource: str) -> float:
    value = values.cpu_request if resource == "cpu" else values.memory_request
    return value or 0.0
