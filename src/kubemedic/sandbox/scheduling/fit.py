"""NodeResourcesFit: does a node have room for a pod's requests, and if not, what is short.

Every resource the pod requests is checked against the node's allocatable minus what the pods
bound to it request — CPU, memory, ephemeral storage and extended resources alike, so
``nvidia.com/gpu: 5`` on a node without GPUs is ``Insufficient nvidia.com/gpu``. The reasons
come out in the scheduler's order: pod count, cpu, memory, ephemeral-storage, then the rest.
Extended resources a device plugin advertises in ``capacity`` count as allocatable, as the
kubelet copies them there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.sandbox.podresources import pod_resources
from kubemedic.sandbox.quantity import parse

Obj = dict[str, Any]
_FIRST = ("cpu", "memory", "ephemeral-storage")
_DEFAULT_PODS = 110.0
_EPSILON = 1e-9


def requests_of(spec: Mapping[str, Any]) -> dict[str, float]:
    """The pod's requests per resource, in plain numbers (cores, bytes, devices)."""
    return {name: float(q.amount) for name, q in pod_resources(spec).items() if q.amount > 0}


def allocatable(node: Mapping[str, Any]) -> dict[str, float]:
    status = node.get("status") or {}
    amounts = {
        name: float(q.amount)
        for name, raw in (status.get("capacity") or {}).items()
        if "/" in name and (q := parse(raw)) is not None
    }
    for name, raw in (status.get("allocatable") or {}).items():
        quantity = parse(raw)
        if quantity is not None:
            amounts[name] = float(quantity.amount)
    return amounts


def shortfalls(
    requested: Mapping[str, float], used: Mapping[str, float], pods: int, node: Mapping[str, Any]
) -> list[str]:
    """``Too many pods`` / ``Insufficient <resource>`` for each thing the node is short of."""
    free = allocatable(node)
    reasons = []
    if pods + 1 > free.get("pods", _DEFAULT_PODS):
        reasons.append("Too many pods")
    rest = sorted(name for name in requested if name not in _FIRST and name != "pods")
    for name in (*(n for n in _FIRST if n in requested), *rest):
        if requested[name] > free.get(name, 0.0) - used.get(name, 0.0) + _EPSILON * max(
            1.0, requested[name]
        ):
            reasons.append(f"Insufficient {name}")
    return reasons
