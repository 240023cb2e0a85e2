"""How many more replicas of a pod template the nodes can hold, from requests and allocatable.

The same arithmetic the scheduler's resource fit uses: per schedulable node, allocatable minus
the requests of the pods bound to it that still hold resources, divided by the template's
requests; the pod-count limit counts too. Taints and affinity are not considered, so the answer
is an upper bound — the validation after a scale checks the pods really ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.models.k8s import dig

_RESOURCES = ("cpu", "memory")


def template_requests(obj: Mapping[str, Any]) -> dict[str, float]:
    """Summed requests of a pod template's containers (cores, bytes)."""
    totals = dict.fromkeys(_RESOURCES, 0.0)
    containers = dig(obj, "spec", "template", "spec", "containers") or []
    for item in containers:
        requests = dig(item, "resources", "requests") or {}
        for resource in _RESOURCES:
            totals[resource] += parse_quantity(requests.get(resource)) or 0.0
    return totals


def replicas_that_fit(
    requests: Mapping[str, float],
    nodes: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
) -> int:
    """How many more pods with ``requests`` fit on the schedulable, Ready nodes."""
    used: dict[str, dict[str, float]] = {}
    for pod in pods:
        node = dig(pod, "spec", "nodeName")
        if not node or dig(pod, "status", "phase") in ("Succeeded", "Failed"):
            continue
        bucket = used.setdefault(node, {"cpu": 0.0, "memory": 0.0, "pods": 0.0})
        bucket["pods"] += 1
        for item in dig(pod, "spec", "containers") or []:
            wanted = dig(item, "resources", "requests") or {}
            for resource in _RESOURCES:
                bucket[resource] += parse_quantity(wanted.get(resource)) or 0.0
    total = 0
    for node in nodes:
        if not _schedulable(node):
            continue
        allocatable = dig(node, "status", "allocatable") or {}
        taken = used.get(str(dig(node, "metadata", "name")), {})
        fits = _free(allocatable, "pods", taken)
        for resource in _RESOURCES:
            need = requests.get(resource, 0.0)
            if need > 0:
                fits = min(fits, _free(allocatable, resource, taken) / need)
        total += max(int(fits), 0)
    return total


def _free(allocatable: Mapping[str, Any], resource: str, taken: Mapping[str, float]) -> float:
    have = parse_quantity(allocatable.get(resource))
    if have is None:
        return float("inf") if resource != "pods" else 110.0
    return have - taken.get(resource, 0.0)


def _schedulable(node: Mapping[str, Any]) -> bool:
    if dig(node, "spec", "unschedulable"):
        return False
    for condition in dig(node, "status", "conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False
