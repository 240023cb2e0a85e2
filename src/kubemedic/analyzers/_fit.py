"""Would this pod fit on that node? The scheduler's filters recomputed from the view.

The scheduler's message only counts rejected nodes. Recomputing each node's verdict (cordon,
taints, labels, free capacity = allocatable minus the requests of the pods bound to it) lets
kubemedic name the closest node and the exact gap: "needs 2 CPU; the most free is 1.2 CPU on
node-b".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.analyzers._placement import (
    NodeConstraint,
    Requirement,
    Taint,
    pod_node_constraint,
    tolerates,
    untolerated_taints,
)
from kubemedic.analyzers._scheduler_message import CORDON_TAINT, Blocker
from kubemedic.models.k8s import Node, Pod

PODS = "pods"
_TERMINAL = frozenset({"Succeeded", "Failed"})
_EPSILON = 1e-9
_NO_SPEC: Mapping[str, Any] = {}


class NodeLoad:
    """Requests already committed on each node by the non-terminal pods bound to it.

    Built once per view and only for the resources the waiting pods ask for: it is the one
    pass over every pod of the cluster the pending analyzer makes.
    """

    def __init__(self, pods: Iterable[Pod], resources: Iterable[str]) -> None:
        wanted = frozenset(resources)
        requested: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for pod in pods:
            spec = pod.raw.get("spec") or _NO_SPEC
            node = spec.get("nodeName")
            if not node or (pod.raw.get("status") or _NO_SPEC).get("phase") in _TERMINAL:
                continue
            on_node = requested[node]
            on_node[PODS] += 1
            for resource, amount in spec_requests(spec).items():
                if resource in wanted:
                    on_node[resource] += amount
        self._requested = requested
        self._free: dict[tuple[str, str], float] = {}

    def requested(self, node: str, resource: str) -> float:
        return self._requested.get(node, {}).get(resource, 0.0)

    def free(self, node: Node, resource: str) -> float:
        key = (node.name, resource)
        if key not in self._free:
            allocatable = node.allocatable(resource) or 0.0
            self._free[key] = allocatable - self.requested(node.name, resource)
        return self._free[key]


def pod_requests(pod: Pod) -> dict[str, float]:
    """The scheduler's view of a pod's requests: max(largest init container, sum of containers)."""
    return spec_requests(pod.spec)


def spec_requests(spec: Mapping[str, Any]) -> dict[str, float]:
    """``pod_requests`` on a raw pod spec, since it runs for every pod bound to a node."""
    total: dict[str, float] = {}
    for container in spec.get("containers") or ():
        for name, value in _requests(container).items():
            total[name] = total.get(name, 0.0) + _quantity(value)
    for container in spec.get("initContainers") or ():
        for name, value in _requests(container).items():
            total[name] = max(total.get(name, 0.0), _quantity(value))
    return total


def _requests(container: object) -> Mapping[str, Any]:
    # Plain dict checks: this runs for every container in the cluster.
    resources = container.get("resources") if isinstance(container, dict) else None
    requests = resources.get("requests") if isinstance(resources, dict) else None
    return requests if isinstance(requests, dict) else _NO_SPEC


@lru_cache(maxsize=4096)
def _quantity(value: str | int | float) -> float:
    return parse_quantity(value) or 0.0


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A resource the node cannot give: the pod needs more than is free."""

    resource: str
    needed: float
    free: float
    allocatable: float


@dataclass(frozen=True, slots=True)
class NodeFit:
    """One node's verdict for one pod, with every reason it would refuse it."""

    node: Node
    cordoned: bool
    taints: tuple[Taint, ...]
    unmet_labels: tuple[Requirement, ...]
    unmet_volume_labels: tuple[Requirement, ...]
    shortfalls: tuple[Shortfall, ...]
    free: Mapping[str, float]

    @property
    def blockers(self) -> tuple[Blocker, ...]:
        found = []
        if self.cordoned:
            found.append(Blocker.CORDONED)
        if self.taints:
            found.append(Blocker.TAINT)
        if self.unmet_labels:
            found.append(Blocker.NODE_AFFINITY)
        if self.shortfalls:
            found.append(Blocker.RESOURCES)
        if self.unmet_volume_labels:
            found.append(Blocker.VOLUME_NODE_AFFINITY)
        return tuple(found)

    @property
    def fits(self) -> bool:
        return not self.blockers


def assess_node(
    pod: Pod,
    node: Node,
    load: NodeLoad,
    *,
    needs: Mapping[str, float] | None = None,
    constraint: NodeConstraint | None = None,
    volume_constraints: Iterable[NodeConstraint] = (),
) -> NodeFit:
    """Check one node against the pod the way the scheduler's filters would."""
    needs = needs if needs is not None else pod_requests(pod)
    constraint = constraint if constraint is not None else pod_node_constraint(pod)
    cordoned = node.unschedulable and not tolerates(
        pod.tolerations, Taint(CORDON_TAINT, "", "NoSchedule")
    )
    taints = tuple(t for t in untolerated_taints(pod, node) if t.key != CORDON_TAINT)
    free: dict[str, float] = {}
    shortfalls = []
    # A node read from a pasted table or a describe cut before "Allocatable:" says nothing of
    # its capacity: judging it as 0 would blame a full node that may be empty.
    capacity_known = bool(node.status.get("allocatable"))
    for resource, needed in (*needs.items(), (PODS, 1.0)) if capacity_known else ():
        free[resource] = load.free(node, resource)
        if needed > 0 and needed > free[resource] + _EPSILON:
            allocatable = node.allocatable(resource) or 0.0
            shortfalls.append(Shortfall(resource, needed, free[resource], allocatable))
    volume_unmet = tuple(r for c in volume_constraints for r in c.unmet(node))
    return NodeFit(
        node=node,
        cordoned=cordoned,
        taints=taints,
        unmet_labels=constraint.unmet(node),
        unmet_volume_labels=volume_unmet,
        shortfalls=tuple(shortfalls),
        free=free,
    )


class Fitter:
    """Node verdicts for waiting pods, computed once per distinct placement request.

    Replicas of one workload ask for the same thing; assessing every node once for all of
    them keeps a cluster with hundreds of Pending pods and nodes fast.
    """

    def __init__(
        self, nodes: Sequence[Node], load: NodeLoad, order: Callable[[NodeFit], Any]
    ) -> None:
        self._nodes = nodes
        self._load = load
        self._order = order
        self._cache: dict[Hashable, tuple[NodeFit, ...]] = {}

    def fits(self, pod: Pod, volumes: Sequence[NodeConstraint] = ()) -> tuple[NodeFit, ...]:
        """Every node's verdict for this pod, in ``order``."""
        needs = pod_requests(pod)
        constraint = pod_node_constraint(pod)
        key = (
            tuple(sorted(needs.items())),
            constraint,
            json.dumps(pod.tolerations, sort_keys=True, default=str),
            bool(pod.spec.get("nodeName")),
            tuple(volumes),
        )
        if key not in self._cache:
            fits = (
                assess_node(
                    pod,
                    node,
                    self._load,
                    needs=needs,
                    constraint=constraint,
                    volume_constraints=volumes,
                )
                for node in self._nodes
            )
            self._cache[key] = tuple(sorted(fits, key=self._order))
        return self._cache[key]
