"""Will the extra replicas fit? A placement simulation over the nodes as they are now.

The scheduler only counts requests: a node holds another pod while the pod's requests fit in
its allocatable minus the requests of the pods bound to it (Succeeded and Failed pods hold
nothing) and it has a pod slot left. Nodes the pods may not use (cordoned, NotReady, an
untolerated taint, a selector or required affinity they miss) are left out with the reason.
The pods are then placed first-fit over the nodes, roomiest first. One pass over the pods and
one over the nodes; topology spread, pod (anti-)affinity and ephemeral storage are not
simulated, so a "fits" is an upper bound the validation after a change confirms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kubemedic._internal.quantities import format_cpu, format_memory, parse_quantity
from kubemedic.models.k8s import Node, dig
from kubemedic.models.recommendations import CapacityCheck, NodeSkip
from kubemedic.recommenders.node_rules import why_unusable

_DEFAULT_POD_SLOTS = 110.0
"""The kubelet's default ``maxPods`` when a node does not report ``pods`` allocatable."""


def pod_requests(pod_spec: Mapping[str, Any]) -> tuple[float, float]:
    """The scheduler's view of a pod's (cores, bytes): containers plus sidecars, at least the
    largest init step, plus the pod overhead. A missing request defaults to the limit."""
    totals = []
    for resource in ("cpu", "memory"):
        app = sum(container_request(c, resource) for c in pod_spec.get("containers") or ())
        sidecars = init_peak = 0.0
        for init in pod_spec.get("initContainers") or ():
            if init.get("restartPolicy") == "Always":
                sidecars += container_request(init, resource)
                init_peak = max(init_peak, sidecars)
            else:
                init_peak = max(init_peak, sidecars + container_request(init, resource))
        overhead = parse_quantity(dig(pod_spec, "overhead", resource)) or 0.0
        totals.append(max(app + sidecars, init_peak) + overhead)
    return totals[0], totals[1]


def container_request(container: Mapping[str, Any], resource: str) -> float:
    """A container's request, defaulting to its limit as the API server does for pods."""
    resources = container.get("resources") or {}
    value = dig(resources, "requests", resource)
    if value is None:
        value = dig(resources, "limits", resource)
    return parse_quantity(value) or 0.0


@dataclass(slots=True)
class _Room:
    node: str
    cpu: float
    memory: float
    pods: float
    fits: int


def check_capacity(
    template: Mapping[str, Any],
    count: int,
    nodes: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
) -> CapacityCheck:
    """Place ``count`` more pods of the pod ``template`` onto ``nodes`` (raw API objects),
    given the ``pods`` bound to them now."""
    spec = dig(template, "spec") or {}
    cpu, memory = pod_requests(spec)
    rooms, skipped = _rooms(spec, cpu, memory, nodes, _used(pods))
    rooms.sort(key=lambda room: (-room.fits, room.node))
    placements: dict[str, int] = {}
    remaining = max(count, 0)
    for room in rooms:
        placed = min(room.fits, remaining)
        if placed:
            placements[room.node] = placed
            remaining -= placed
            room.cpu -= placed * cpu
            room.memory -= placed * memory
            room.pods -= placed
    short_cpu = max(remaining * cpu - sum(max(r.cpu, 0.0) for r in rooms), 0.0)
    short_memory = max(remaining * memory - sum(max(r.memory, 0.0) for r in rooms), 0.0)
    short_pods = max(remaining - int(sum(max(r.pods, 0.0) for r in rooms)), 0)
    check = CapacityCheck(
        needed=max(count, 0),
        placed=max(count, 0) - remaining,
        pod_cpu=cpu,
        pod_memory=memory,
        placements=placements,
        skipped=tuple(skipped),
        short_cpu=short_cpu if remaining else 0.0,
        short_memory=short_memory if remaining else 0.0,
        short_pods=short_pods if remaining else 0,
    )
    return _summarised(check, len(nodes))


def _used(pods: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per node name: [cores, bytes, pod count] requested by the pods that hold resources."""
    used: dict[str, list[float]] = {}
    for pod in pods:
        node = dig(pod, "spec", "nodeName")
        if not node or dig(pod, "status", "phase") in ("Succeeded", "Failed"):
            continue
        cpu, memory = pod_requests(dig(pod, "spec") or {})
        bucket = used.setdefault(node, [0.0, 0.0, 0.0])
        bucket[0] += cpu
        bucket[1] += memory
        bucket[2] += 1
    return used


def _rooms(
    spec: Mapping[str, Any],
    cpu: float,
    memory: float,
    nodes: Sequence[Mapping[str, Any]],
    used: Mapping[str, list[float]],
) -> tuple[list[_Room], list[NodeSkip]]:
    rooms: list[_Room] = []
    skipped: list[NodeSkip] = []
    for raw in nodes:
        node = Node(raw)
        reason = why_unusable(node, spec)
        have_cpu, have_memory = node.allocatable("cpu"), node.allocatable("memory")
        if reason is None:
            if have_cpu is not None and have_memory is not None:
                taken = used.get(node.name, [0.0, 0.0, 0.0])
                rooms.append(
                    _room(node, have_cpu - taken[0], have_memory - taken[1], taken[2], cpu, memory)
                )
                continue
            reason = "reporting no allocatable CPU or memory"
        skipped.append(NodeSkip(node.name, reason))
    return rooms, skipped


def _room(
    node: Node, free_cpu: float, free_memory: float, pods: float, cpu: float, memory: float
) -> _Room:
    slots = (node.allocatable("pods") or _DEFAULT_POD_SLOTS) - pods
    fits = min(_times(free_cpu, cpu), _times(free_memory, memory), math.floor(slots))
    return _Room(node.name, free_cpu, free_memory, slots, max(fits, 0))


def _times(free: float, need: float) -> int:
    """How many ``need`` fit in ``free``; a pod asking for none is limited by the others."""
    if need <= 0:
        return 2**31
    return math.floor(free / need + 1e-9)


def _summarised(check: CapacityCheck, node_count: int) -> CapacityCheck:
    if check.needed == 0:
        return replace(check, summary="no additional pods needed")
    where = ", ".join(f"{count} on {node}" for node, count in check.placements.items())
    if check.fits:
        return replace(check, summary=f"all {check.needed} additional pods fit: {where}")
    parts = [
        f"{_cores(check.short_cpu)} CPU" if check.short_cpu > 0 else "",
        f"{format_memory(check.short_memory)} memory" if check.short_memory > 0 else "",
        f"{check.short_pods} pod slots" if check.short_pods else "",
    ]
    usable = node_count > len(check.skipped)
    shortage = " and ".join(p for p in parts if p) if usable else ""
    text = f"{check.missing} of {check.needed} additional pods do not fit"
    if shortage:
        text += f": short of {shortage}"
    elif usable:
        text += ": the free room is split across nodes in pieces smaller than one pod"
    if where:
        text += f"; {check.placed} fit: {where}"
    return replace(check, summary=text + _skips(check.skipped, node_count))


def _cores(cores: float) -> str:
    """``1.2`` for a core or more, ``300m`` below: how people say CPU amounts."""
    return f"{cores:.2f}".rstrip("0").rstrip(".") if cores >= 1 else format_cpu(cores)


def _skips(skipped: Sequence[NodeSkip], node_count: int) -> str:
    if not node_count:
        return "; the cluster has no nodes"
    reasons: dict[str, list[str]] = {}
    for skip in skipped:
        reasons.setdefault(skip.reason, []).append(skip.node)
    if len(skipped) == node_count and len(reasons) == 1:
        return f"; every node is {skipped[0].reason}"
    grouped = "; ".join(f"{', '.join(names)} ({reason})" for reason, names in reasons.items())
    return f"; nodes left out: {grouped}" if grouped else ""
