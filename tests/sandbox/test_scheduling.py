"""The scheduler places pods by extended resources, pod (anti-)affinity and topology spread.

Each refusal carries the real scheduler's words and preemption verdict, and kubemedic's
diagnosis names the scheduling problem.
"""

from __future__ import annotations

from typing import Any

from kubemedic.models.categories import Category
from kubemedic.services.diagnose import diagnose
from tests.sandbox.conftest import Cluster
from tests.sandbox.test_workloads import deployment

Obj = dict[str, Any]
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    container = {"name": "app", "image": "nginx:1.27", **spec.pop("container", {})}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps", "labels": labels or {"app": "web"}},
        "spec": {"containers": [container], **spec},
    }


def scheduled(cluster: Cluster, name: str) -> str | None:
    found = cluster.store.try_get("Pod", "apps", name)
    return ((found or {}).get("spec") or {}).get("nodeName")


def refusal(cluster: Cluster, name: str) -> str:
    """The pod's PodScheduled=False message, once the scheduler has written it."""

    def message() -> str:
        status = (cluster.store.try_get("Pod", "apps", name) or {}).get("status") or {}
        for condition in status.get("conditions") or []:
            if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
                return str(condition.get("message"))
        return ""

    return str(cluster.wait(message, f"{name} to be refused by the scheduler"))


def categories(cluster: Cluster) -> set[Category]:
    return {f.category for f in diagnose(cluster.view("apps")).findings}


def anti_affinity(key: str) -> Obj:
    term = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": key}
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def test_extended_resources_are_checked_against_node_capacity(empty_cluster: Cluster) -> None:
    gpus = {"resources": {"limits": {"nvidia.com/gpu": 5}}}
    empty_cluster.store.create(pod("trainer", container=gpus))
    assert refusal(empty_cluster, "trainer") == (
        "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod."
    )
    assert Category.SCHEDULING_INSUFFICIENT_RESOURCES in categories(empty_cluster)

    # a device plugin advertises eight GPUs on node-2 (as `kubectl patch --subresource status`)
    empty_cluster.store.patch(
        "Node",
        "",
        "node-2",
        {"status": {"capacity": {"nvidia.com/gpu": "8"}}},
        "merge",
        subresource="status",
    )
    assert empty_cluster.wait(lambda: scheduled(empty_cluster, "trainer"), "the GPU pod") == (
        "node-2"
    )
    empty_cluster.store.create(pod("second", container=gpus))
    assert "3 Insufficient nvidia.com/gpu" in refusal(empty_cluster, "second")


def test_required_pod_anti_affinity_allows_one_pod_per_node(empty_cluster: Cluster) -> None:
    for index in range(4):
        empty_cluster.store.create(pod(f"web-{index}", affinity=anti_affinity(HOSTNAME)))
    nodes = {
        empty_cluster.wait(lambda i=i: scheduled(empty_cluster, f"web-{i}"), "a node")
        for i in range(3)
    }
    assert nodes == {"node-1", "node-2", "node-3"}
    assert refusal(empty_cluster, "web-3") == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: "
        "0/3 nodes are available: 3 No preemption victims found for incoming pod."
    )
    assert Category.SCHEDULING_AFFINITY_OR_SELECTOR in categories(empty_cluster)


def test_an_existing_pods_anti_affinity_keeps_others_away(empty_cluster: Cluster) -> None:
    loner = anti_affinity(ZONE)
    loner["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0][
        "labelSelector"
    ] = {"matchLabels": {"app": "noisy"}}
    empty_cluster.store.create(
        pod("quiet", {"app": "quiet"}, affinity=loner, nodeSelector={HOSTNAME: "node-1"})
    )
    empty_cluster.wait(lambda: scheduled(empty_cluster, "quiet"), "the quiet pod")
    empty_cluster.store.create(pod("noisy", {"app": "noisy"}, nodeSelector={ZONE: "eu-west-1a"}))
    assert refusal(empty_cluster, "noisy") == (
        "0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
        "available: 1 No preemption victims found for incoming pod, 2 Preemption is not "
        "helpful for scheduling."
    )


def test_required_pod_affinity_follows_the_pods_it_names(empty_cluster: Cluster) -> None:
    term = {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": ZONE}
    affinity = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    empty_cluster.store.create(pod("api", {"app": "api"}, affinity=affinity))
    assert refusal(empty_cluster, "api") == (
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 "
        "nodes are available: 3 Preemption is not helpful for scheduling."
    )
    empty_cluster.store.create(pod("cache", {"app": "cache"}, nodeSelector={HOSTNAME: "node-3"}))
    assert empty_cluster.wait(lambda: scheduled(empty_cluster, "api"), "api next to the cache") == (
        "node-3"
    )


def test_the_first_pod_of_a_self_affine_group_may_start(empty_cluster: Cluster) -> None:
    term = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": ZONE}
    affinity = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    empty_cluster.store.create(pod("first", affinity=affinity))
    zone_of = empty_cluster.wait(lambda: scheduled(empty_cluster, "first"), "the first pod")
    empty_cluster.store.create(pod("second", affinity=affinity))
    assert empty_cluster.wait(lambda: scheduled(empty_cluster, "second"), "the second") == zone_of


def test_preferred_anti_affinity_spreads_replicas(empty_cluster: Cluster) -> None:
    term = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": HOSTNAME}
    preferred = [{"weight": 100, "podAffinityTerm": term}]
    affinity = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}}
    for index in range(3):
        empty_cluster.store.create(pod(f"web-{index}", affinity=affinity))
        empty_cluster.wait(lambda i=index: scheduled(empty_cluster, f"web-{i}"), "a node")
    assert {scheduled(empty_cluster, f"web-{i}") for i in range(3)} == {
        "node-1",
        "node-2",
        "node-3",
    }


def test_topology_spread_counts_a_tainted_node_as_an_empty_domain(empty_cluster: Cluster) -> None:
    taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    empty_cluster.store.patch("Node", "", "node-3", {"spec": {"taints": [taint]}}, "merge")
    spread = {
        "maxSkew": 1,
        "topologyKey": HOSTNAME,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    empty_cluster.store.create(
        deployment("web", {"image": "nginx:1.27"}, 4, topologySpreadConstraints=[spread])
    )

    def placed() -> list[Obj]:
        return [p for p in empty_cluster.pods("apps", "web-") if p["spec"].get("nodeName")]

    empty_cluster.wait(lambda: len(placed()) == 2, "two replicas placed")
    waiting = [p for p in empty_cluster.pods("apps", "web-") if not p["spec"].get("nodeName")]
    assert refusal(empty_cluster, waiting[0]["metadata"]["name"]) == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}, 2 node(s) "
        "didn't match pod topology spread constraints. preemption: 0/3 nodes are available: "
        "1 Preemption is not helpful for scheduling, 2 No preemption victims found for "
        "incoming pod."
    )
    # kubemedic names the cause closest to a fix: the taint that keeps node-3's domain empty
    assert Category.SCHEDULING_TAINT in categories(empty_cluster)


def test_topology_spread_needs_the_key_on_the_node(empty_cluster: Cluster) -> None:
    spread = {
        "maxSkew": 1,
        "topologyKey": "example.com/rack",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    empty_cluster.store.create(pod("racked", topologySpreadConstraints=[spread]))
    assert refusal(empty_cluster, "racked") == (
        "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints "
        "(missing required label). preemption: 0/3 nodes are available: 3 Preemption is not "
        "helpful for scheduling."
    )
