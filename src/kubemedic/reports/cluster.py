"""The sections a cluster view alone answers: pods by phase, restarts, nodes and workloads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from kubemedic._internal.quantities import parse_quantity
from kubemedic.models.cluster import ClusterView
from kubemedic.models.health import (
    PHASES,
    Availability,
    Capacity,
    NamespacePods,
    NodeHealth,
    RestartHotSpot,
)
from kubemedic.models.k8s import Node, Pod, dig

HOT_SPOTS = 10
"""Restart hot spots listed, most restarts first."""
PROBLEM_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
AVAILABILITY_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def pods_by_namespace(view: ClusterView) -> tuple[NamespacePods, ...]:
    """Every namespace's pods counted by phase; Running pods not ready are counted apart."""
    phases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    not_ready: dict[str, int] = defaultdict(int)
    for pod in view.pods:
        phase = pod.phase if pod.phase in PHASES else "Unknown"
        phases[pod.namespace][phase] += 1
        if phase == "Running" and not all(s.ready for s in pod.container_statuses):
            not_ready[pod.namespace] += 1
    return tuple(
        NamespacePods(
            namespace,
            tuple((p, counts[p]) for p in PHASES if counts.get(p)),
            not_ready[namespace],
        )
        for namespace, counts in sorted(phases.items())
    )


def restart_hot_spots(view: ClusterView, *, limit: int = HOT_SPOTS) -> tuple[RestartHotSpot, ...]:
    """The containers that restarted most, with why they last stopped and why they wait."""
    spots = []
    for pod in view.pods:
        for status in pod.container_statuses:
            if status.restart_count <= 0:
                continue
            last = status.last_termination
            spots.append(
                RestartHotSpot(
                    pod=pod.ref,
                    workload=view.workload_of(pod),
                    container=status.name,
                    restarts=status.restart_count,
                    last_reason=last.reason if last else "",
                    waiting=status.state.waiting_reason,
                )
            )
    spots.sort(key=lambda s: (-s.restarts, s.pod.namespace, s.pod.name, s.container))
    return tuple(spots[:limit])


def node_health(view: ClusterView) -> tuple[NodeHealth, ...]:
    """Each node's conditions and its allocatable, requested (by the pods read) and used."""
    requested: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pods: dict[str, int] = defaultdict(int)
    for pod in view.pods:
        if pod.node_name and not pod.is_finished:
            pods[pod.node_name] += 1
            for resource in ("cpu", "memory"):
                requested[pod.node_name][resource] += pod.total_request(resource)
    usage = {m.name: m.raw.get("usage") or {} for m in view.objects("NodeMetrics")}
    return tuple(
        _node(node, requested[node.name], usage.get(node.name), pods[node.name])
        for node in sorted(view.nodes, key=lambda n: n.name)
    )


def _node(
    node: Node, requested: Mapping[str, float], usage: Mapping[str, object] | None, pods: int
) -> NodeHealth:
    problems = [c.type for c in node.conditions if c.type in PROBLEM_CONDITIONS and c.is_true]
    if node.unschedulable:
        problems.append("SchedulingDisabled")

    def capacity(resource: str) -> Capacity:
        used = parse_quantity(usage.get(resource)) if usage else None  # type: ignore[arg-type]
        return Capacity(node.allocatable(resource) or 0.0, requested.get(resource, 0.0), used)

    return NodeHealth(
        node.name, node.ready, tuple(problems), capacity("cpu"), capacity("memory"), pods
    )


def availability(view: ClusterView) -> tuple[Availability, ...]:
    """Every Deployment, StatefulSet and DaemonSet: desired replicas and available ones."""
    found = []
    for kind in AVAILABILITY_KINDS:
        for workload in view.workloads(kind):
            if kind == "DaemonSet":
                desired = int(dig(workload.raw, "status", "desiredNumberScheduled") or 0)
                available = int(dig(workload.raw, "status", "numberAvailable") or 0)
            else:
                desired = workload.replicas
                available = workload.status_int("availableReplicas")
            found.append(Availability(workload.ref, desired, available))
    found.sort(key=lambda a: (a.available_fully, a.workload.namespace, a.workload.name))
    return tuple(found)


def service_pods(view: ClusterView) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(namespace, service, names of the pods it selects) for each Service with a selector
    that selects a running pod: whose latency and error rate the report asks Prometheus for."""
    running: dict[str, list[Pod]] = defaultdict(list)
    for pod in view.pods:
        if pod.phase == "Running":
            running[pod.namespace].append(pod)
    found = []
    for service in view.objects("Service"):
        selector = dig(service.raw, "spec", "selector") or {}
        if not selector:
            continue
        names = tuple(
            sorted(
                p.name
                for p in running[service.namespace]
                if all(p.labels.get(k) == v for k, v in selector.items())
            )
        )
        if names:
            found.append((service.namespace, service.name, names))
    return tuple(sorted(found))
