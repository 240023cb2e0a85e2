"""A settled simulation stays quiet, and API writes never stall it.

Clients keep writing while the kubelet syncs pods; a settled cluster must not rewrite objects
that did not change (every write wakes each watch and controller).
"""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Cluster, ready
from tests.sandbox.test_workloads import deployment, state

SLEEPER = {"image": "busybox:1.36", "command": ["sleep", "1000000"]}


def config_map(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "apps"},
        "data": {"mode": "fast"},
    }


def test_config_written_while_pods_start_reaches_every_waiting_pod(empty_cluster: Cluster) -> None:
    env = [
        {
            "name": "MODE",
            "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}},
        }
    ]
    empty_cluster.store.create(deployment("api", {**SLEEPER, "env": env}, replicas=60))
    written = 0

    def all_waiting_while_writing() -> bool:
        nonlocal written
        for _ in range(50):  # unrelated writes while the kubelet syncs the new pods
            empty_cluster.store.create(config_map(f"unrelated-{written}"))
            written += 1
        pods = empty_cluster.pods("apps", "api-")
        return len(pods) == 60 and all(
            (state(p).get("state") or {}).get("waiting", {}).get("reason")
            == "CreateContainerConfigError"
            for p in pods
        )

    empty_cluster.wait(all_waiting_while_writing, "the api pods to wait for their ConfigMap")
    empty_cluster.store.create(config_map("settings"))

    def all_ready() -> bool:
        pods = empty_cluster.pods("apps", "api-")
        return len(pods) == 60 and all(ready(p) for p in pods)

    empty_cluster.wait(all_ready, "the 60 api pods to start once their ConfigMap exists")


def test_a_settled_cluster_rewrites_nothing(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(deployment("web", SLEEPER, replicas=20))
    empty_cluster.store.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )

    def settled() -> bool:
        endpoints = empty_cluster.store.try_get("Endpoints", "apps", "web") or {}
        addresses = [a for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []]
        status = empty_cluster.store.get("Deployment", "apps", "web").get("status") or {}
        pods = empty_cluster.store.list("Pod")[0]
        return (
            len(addresses) == 20
            and status.get("availableReplicas") == 20
            and all(ready(p) for p in pods)
        )

    empty_cluster.wait(settled, "every pod ready, the 20 web pods behind their Service")
    version = empty_cluster.store.resource_version()
    since = empty_cluster.clock.elapsed()
    empty_cluster.wait(
        lambda: empty_cluster.clock.elapsed() > since + 60, "a minute of cluster time"
    )

    assert empty_cluster.store.resource_version() == version
