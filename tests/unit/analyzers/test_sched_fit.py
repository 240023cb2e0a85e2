"""Free capacity per node: allocatable minus the requests of the live pods bound to it."""

from __future__ import annotations

from typing import Any

from kubemedic.analyzers._fit import NodeLoad, assess_node
from kubemedic.analyzers._scheduler_message import Blocker
from kubemedic.models.k8s import Node, Pod


def pod(
    name: str,
    requests: dict[str, str],
    *,
    node: str = "",
    phase: str = "Running",
    init: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
) -> Pod:
    body: dict[str, Any] = {
        "containers": [{"name": "app", "resources": {"requests": requests}}],
        **(spec or {}),
    }
    if node:
        body["nodeName"] = node
    if init:
        body["initContainers"] = [{"name": "init", "resources": {"requests": init}}]
    return Pod(
        {"kind": "Pod", "metadata": {"name": name}, "spec": body, "status": {"phase": phase}}
    )


NODE = Node(
    {
        "kind": "Node",
        "metadata": {"name": "node-b", "labels": {}},
        "spec": {},
        "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "3"}},
    }
)


def test_terminal_and_unbound_pods_do_not_use_capacity() -> None:
    load = NodeLoad(
        [
            pod("running", {"cpu": "1500m"}, node="node-b"),
            pod("init-heavy", {"cpu": "300m"}, node="node-b", init={"cpu": "1"}),
            pod("done", {"cpu": "2"}, node="node-b", phase="Succeeded"),
            pod("evicted", {"cpu": "2"}, node="node-b", phase="Failed"),
            pod("pending", {"cpu": "2"}),
        ],
        {"cpu"},
    )
    assert load.requested("node-b", "cpu") == 2.5  # the init container's 1 CPU counts, not 300m
    assert load.free(NODE, "cpu") == 1.5
    assert load.requested("node-b", "pods") == 2


def test_only_the_resources_asked_for_are_added_up() -> None:
    load = NodeLoad([pod("running", {"cpu": "1", "memory": "1Gi"}, node="node-b")], {"memory"})
    assert (load.requested("node-b", "cpu"), load.requested("node-b", "memory")) == (0.0, 2**30)


def test_shortfall_names_need_free_and_allocatable() -> None:
    load = NodeLoad([pod("running", {"cpu": "2800m", "memory": "1Gi"}, node="node-b")], {"cpu"})
    fit = assess_node(pod("new", {"cpu": "2", "memory": "1Gi"}), NODE, load)
    assert fit.blockers == (Blocker.RESOURCES,)
    (short,) = fit.shortfalls
    assert (short.resource, short.needed, round(short.free, 3), short.allocatable) == (
        "cpu",
        2.0,
        1.2,
        4.0,
    )


def test_full_pod_slots_and_missing_extended_resources_are_shortfalls() -> None:
    load = NodeLoad([pod(f"p{i}", {}, node="node-b") for i in range(3)], {"nvidia.com/gpu"})
    fit = assess_node(pod("new", {"nvidia.com/gpu": "1"}), NODE, load)
    assert sorted(s.resource for s in fit.shortfalls) == ["nvidia.com/gpu", "pods"]


def test_cordon_is_a_blocker_unless_tolerated() -> None:
    cordoned = Node({**NODE.raw, "spec": {"unschedulable": True}})
    empty = NodeLoad([], ())
    assert assess_node(pod("new", {}), cordoned, empty).blockers == (Blocker.CORDONED,)
    tolerant = pod(
        "daemon",
        {},
        spec={"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}]},
    )
    assert assess_node(tolerant, cordoned, empty).fits


def test_a_node_whose_capacity_is_unknown_is_not_judged_full() -> None:
    """A node known from ``kubectl get nodes`` alone has no ``status.allocatable``."""
    from_a_table = Node({"kind": "Node", "metadata": {"name": "node-c"}, "spec": {}, "status": {}})
    load = NodeLoad([pod("running", {"cpu": "1"}, node="node-c")], {"cpu"})
    fit = assess_node(pod("new", {"cpu": "2"}), from_a_table, load)
    assert fit.shortfalls == ()
    assert fit.free == {}
    assert fit.fits
