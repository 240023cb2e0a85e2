"""How much memory a container can be given on its node without starving the other pods.

A container that uses far more memory than it requests puts its node under MemoryPressure. Its
fix is a request that says what it uses and a limit the node can really give: the node's
allocatable memory minus what its other pods request, less a tenth for what the system and
those pods use beyond their requests. A limit above that protects nothing: the container would
starve the node before reaching it.
"""

from __future__ import annotations

from collections.abc import Callable

from kubemedic._internal.quantities import parse_quantity, round_up_memory
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Node, Pod

HEADROOM = 1.3
"""A limit this much above the observed usage, when the node has room for it."""
_NODE_SHARE = 0.9
_ENDED = frozenset({"Succeeded", "Failed"})


def fitting_memory(
    view: ClusterView, node_name: str, usage: float, *, besides: Callable[[Pod], bool]
) -> tuple[str, str]:
    """(request, limit) for a container using ``usage`` bytes on node ``node_name``: the limit
    1.3 × its usage, at most what the node can give it next to the pods for which ``besides``
    is True; the request its usage, at most the limit."""
    limit = usage * HEADROOM
    node = view.get("Node", "", node_name)
    allocatable = node.allocatable("memory") if isinstance(node, Node) else None
    if allocatable is not None:
        others = sum(
            p.total_request("memory") or 0.0
            for p in view.pods
            if p.node_name == node_name and p.phase not in _ENDED and besides(p)
        )
        limit = min(limit, (allocatable - others) * _NODE_SHARE)
    text = round_up_memory(limit) if limit == usage * HEADROOM else round_down_memory(limit)
    capped = parse_quantity(text) or limit
    return round_up_memory(min(usage, capped)), text


def round_down_memory(num_bytes: float) -> str:
    """Bytes rounded down to a tidy manifest value (the counterpart of ``round_up_memory``)."""
    mib = num_bytes / 2**20
    step = 64 if mib > 1024 else 16 if mib > 128 else 1
    rounded = int(mib // step * step)
    return f"{rounded // 1024}Gi" if rounded % 1024 == 0 else f"{rounded}Mi"
