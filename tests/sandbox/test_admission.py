"""Admission refuses pods the way the API server's plugins do: quota, LimitRange, ServiceAccount.

A controller whose pod is refused records ``FailedCreate`` with the plugin's message, its
ReplicaSet (and Deployment) get ``ReplicaFailure``, and kubemedic diagnoses the refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.models.categories import Category
from kubemedic.sandbox.apierrors import ForbiddenError
from kubemedic.services.diagnose import diagnose
from tests.sandbox.conftest import Cluster
from tests.sandbox.test_workloads import deployment

Obj = dict[str, Any]


def web(name: str, replicas: int, resources: Obj, **pod_spec: Any) -> Obj:
    container = {"image": "nginx:1.27", "resources": resources}
    return deployment(name, container, replicas, **pod_spec)


def quota(hard: Obj, name: str = "compute-quota") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"hard": hard},
    }


def limit_range(*items: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "limits", "namespace": "apps"},
        "spec": {"limits": list(items)},
    }


def failed_creates(cluster: Cluster, owner: str) -> list[str]:
    return [e["message"] for e in cluster.events(owner, "FailedCreate")]


def first_failure(cluster: Cluster, owner: str) -> str:
    found = cluster.wait(lambda: failed_creates(cluster, owner), f"FailedCreate on {owner}")
    return str(found[0])


def condition(obj: Obj | None, type_: str) -> Obj | None:
    for entry in ((obj or {}).get("status") or {}).get("conditions") or []:
        if entry.get("type") == type_:
            return dict(entry)
    return None


def categories(cluster: Cluster) -> set[Category]:
    return {f.category for f in diagnose(cluster.view("apps")).findings}


def test_a_quota_refuses_the_replica_that_would_exceed_it(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(quota({"requests.cpu": "2", "requests.memory": "4Gi"}))
    resources = {"requests": {"cpu": "600m", "memory": "256Mi"}}
    store.create(web("web", 4, resources))
    message = first_failure(empty_cluster, "web-")
    created = empty_cluster.pods("apps", "web-")
    assert len(created) == 3
    assert message.startswith('Error creating: pods "web-')
    assert message.endswith(
        "is forbidden: exceeded quota: compute-quota, requested: requests.cpu=600m, "
        "used: requests.cpu=1800m, limited: requests.cpu=2"
    )

    def used() -> Obj:
        status = store.get("ResourceQuota", "apps", "compute-quota").get("status") or {}
        return dict(status.get("used") or {})

    empty_cluster.wait(lambda: used().get("requests.cpu") == "1800m", "the quota's usage")
    assert used() == {"requests.cpu": "1800m", "requests.memory": "768Mi"}

    replica_set = store.list("ReplicaSet", "apps")[0][0]
    failure = condition(replica_set, "ReplicaFailure")
    assert failure is not None
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert failure["message"].startswith('pods "web-')
    deployed = empty_cluster.wait(
        lambda: condition(store.get("Deployment", "apps", "web"), "ReplicaFailure"),
        "the Deployment's ReplicaFailure",
    )
    assert deployed["reason"] == "FailedCreate"
    assert Category.WORKLOAD_FAILED_CREATE in categories(empty_cluster)

    store.patch(
        "ResourceQuota", "apps", "compute-quota", {"spec": {"hard": {"requests.cpu": "3"}}}, "merge"
    )
    empty_cluster.wait(lambda: len(empty_cluster.pods("apps", "web-")) == 4, "the fourth replica")
    empty_cluster.wait(
        lambda: condition(store.list("ReplicaSet", "apps")[0][0], "ReplicaFailure") is None,
        "ReplicaFailure to clear",
    )


def test_a_quota_on_cpu_or_memory_needs_every_container_to_say(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(quota({"limits.memory": "2Gi", "requests.cpu": "2"}))
    empty_cluster.store.create(web("api", 1, {"requests": {"cpu": "100m"}}))
    assert first_failure(empty_cluster, "api-").endswith(
        "is forbidden: failed quota: compute-quota: must specify limits.memory for: app"
    )
    assert Category.WORKLOAD_FAILED_CREATE in categories(empty_cluster)


def job(name: str, *command: str) -> Obj:
    container = {"name": "app", "image": "busybox:1.36", "command": list(command)}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [container]}}},
    }


def test_a_quota_counts_objects_and_frees_what_finished_pods_held(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(quota({"pods": "1"}, name="pod-count"))
    store.create(job("once", "true"))
    empty_cluster.wait(
        lambda: any(p["status"].get("phase") == "Succeeded" for p in empty_cluster.pods("apps")),
        "the job's pod to finish",
    )
    store.create(job("serve", "sleep", "infinity"))  # the finished pod no longer counts
    empty_cluster.wait(lambda: empty_cluster.pods("apps", "serve-"), "the second job's pod")
    store.create(job("more", "true"))
    assert first_failure(empty_cluster, "more").endswith(
        "is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=1, limited: pods=1"
    )


def test_a_limit_range_fills_in_defaults_and_says_so(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(
        limit_range(
            {"type": "Container", "default": {"memory": "512Mi"}, "defaultRequest": {"cpu": "250m"}}
        )
    )
    store.create(web("plain", 1, {}))
    pod = empty_cluster.wait(lambda: empty_cluster.pods("apps", "plain-"), "the pod")[0]
    assert pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"memory": "512Mi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; memory limit for "
        "container app"
    )
    assert pod["status"]["qosClass"] == "Burstable"


def test_a_limit_range_refuses_what_exceeds_its_maximum(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(limit_range({"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}}))
    resources = {"limits": {"cpu": "2", "memory": "512Mi"}}
    store.create(web("big", 1, resources))
    assert first_failure(empty_cluster, "big-").endswith(
        "is forbidden: maximum cpu usage per Container is 1, but limit is 2"
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bigger", "namespace": "apps"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx",
                    "resources": {"limits": {"cpu": "2", "memory": "2Gi"}},
                }
            ]
        },
    }
    with pytest.raises(ForbiddenError) as refused:
        store.create(pod)
    assert refused.value.message == (
        'pods "bigger" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, '
        "maximum memory usage per Container is 1Gi, but limit is 2Gi]"
    )
    assert Category.WORKLOAD_FAILED_CREATE in categories(empty_cluster)


def test_a_missing_service_account_blocks_pod_creation(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(web("bot", 1, {}, serviceAccountName="robot"))
    message = first_failure(empty_cluster, "bot-")
    assert message.startswith('Error creating: pods "bot-')
    # the mutating plugin refuses before the name is generated: the message names the prefix
    prefix = message.split('"')[1]
    assert prefix.endswith("-")
    assert message.endswith(
        'is forbidden: error looking up service account apps/robot: serviceaccount "robot" '
        "not found"
    )
    assert Category.WORKLOAD_FAILED_CREATE in categories(empty_cluster)
    account = {"apiVersion": "v1", "kind": "ServiceAccount"}
    store.create({**account, "metadata": {"name": "robot", "namespace": "apps"}})
    empty_cluster.wait(
        lambda: empty_cluster.pods("apps", "bot-"), "the pod once the account exists"
    )


def test_every_namespace_gets_a_default_service_account(empty_cluster: Cluster) -> None:
    empty_cluster.wait(
        lambda: empty_cluster.store.try_get("ServiceAccount", "apps", "default"),
        "the default ServiceAccount",
    )
    empty_cluster.store.delete("ServiceAccount", "apps", "default")
    empty_cluster.wait(
        lambda: empty_cluster.store.try_get("ServiceAccount", "apps", "default"),
        "the default ServiceAccount to come back",
    )


def test_many_different_refusals_are_combined_into_one_event(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(quota({"requests.cpu": "100m"}))
    empty_cluster.store.create(web("wide", 2, {"requests": {"cpu": "200m"}}))

    def combined() -> list[Obj]:
        return [
            e
            for e in empty_cluster.store.list("Event", "apps")[0]
            if e["message"].startswith("(combined from similar events): Error creating:")
        ]

    events = empty_cluster.wait(combined, "the combined FailedCreate event", timeout=60)
    assert events[0]["reason"] == "FailedCreate"
    assert len(failed_creates(empty_cluster, "wide-")) == 10


def test_a_stateful_set_names_its_refused_pod_and_retries(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    template = {
        "metadata": {"labels": {"app": "db"}},
        "spec": {
            "serviceAccountName": "db-admin",
            "containers": [{"name": "db", "image": "redis:7.2"}],
        },
    }
    store.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "apps"},
            "spec": {
                "replicas": 1,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": template,
            },
        }
    )
    assert first_failure(empty_cluster, "db") == (
        'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: error looking '
        'up service account apps/db-admin: serviceaccount "db-admin" not found'
    )
    account = {"apiVersion": "v1", "kind": "ServiceAccount"}
    store.create({**account, "metadata": {"name": "db-admin", "namespace": "apps"}})
    empty_cluster.wait(lambda: store.try_get("Pod", "apps", "db-0"), "db-0 once the account exists")
