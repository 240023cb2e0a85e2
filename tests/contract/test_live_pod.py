"""Diagnosing one pod costs at most five API round trips and fetches only what its state needs."""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.live import connect, scan
from kubemedic.models.findings import ObjectRef

from . import cluster
from .fake_api import FakeApiServer

BUDGET = 5


def _scan_pod(api: FakeApiServer, kubeconfig: Path, name: str):  # type: ignore[no-untyped-def]
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)
    return scan(client, namespace=None, target=ObjectRef("Pod", name, "shop"))


def test_a_crashed_pod_within_the_budget(api: FakeApiServer, kubeconfig: Path) -> None:
    name = "api-6c9f7d8b54-x2k4q"
    statuses = [cluster.crashed("api"), cluster.crashed("migrate", 3), cluster.crashed("envoy", 2)]
    pod = cluster.pod(name, statuses, containers=("api", "migrate", "envoy"))
    api.add(*cluster.shop(), pod | {"metadata": pod["metadata"] | {"name": name}})
    api.add_log("shop", name, "api", cluster.CRASH_LOG, previous=True)
    api.add_log("shop", name, "migrate", "relation users already exists\n", previous=True)

    result = _scan_pod(api, kubeconfig, name)

    assert result.requests <= BUDGET
    assert len(api.received) == result.requests
    view = result.view
    assert [p.name for p in view.pods] == [name]
    loaded = view.pods[0]
    assert [e.reason for e in view.events_for(loaded)] == ["BackOff"]
    log = view.crash_log("shop", name, "api")
    assert log is not None
    assert log.previous is True
    assert log.lines[-1].endswith("connection refused")
    events = next(r for r in api.received if r.path.endswith("/events"))
    assert events.query == {"fieldSelector": f"involvedObject.name={name}"}
    assert not any(p.endswith("/pods") for p in api.paths())  # no LIST of the namespace's pods


def test_a_crashed_pod_brings_its_replica_set_when_the_budget_allows(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    api.add_log("shop", cluster.CRASHING_POD, "api", cluster.CRASH_LOG, previous=True)

    result = _scan_pod(api, kubeconfig, cluster.CRASHING_POD)

    assert sorted(api.paths()) == sorted(
        [
            f"/api/v1/namespaces/shop/pods/{cluster.CRASHING_POD}",
            "/api/v1/namespaces/shop/events",
            f"/api/v1/namespaces/shop/pods/{cluster.CRASHING_POD}/log",
            "/apis/apps/v1/namespaces/shop/replicasets/api-6c9f7d8b54",
        ]
    )
    assert result.view.get("ReplicaSet", "shop", "api-6c9f7d8b54") is not None


def test_a_pending_pod_brings_the_nodes(api: FakeApiServer, kubeconfig: Path) -> None:
    unscheduled = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.",
    }
    pending = cluster.pod(
        "batch-7f6d5c4b3-pqrst", [], phase="Pending", node=None, conditions=[unscheduled]
    )
    api.add(*cluster.shop(), pending)

    result = _scan_pod(api, kubeconfig, "batch-7f6d5c4b3-pqrst")

    assert "/api/v1/nodes" in api.paths()
    assert [n.name for n in result.view.nodes] == ["node-a"]
    assert result.view.knows("Node")
    assert result.requests <= BUDGET


def test_a_config_error_brings_the_referenced_kind(api: FakeApiServer, kubeconfig: Path) -> None:
    env = [
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "url"}},
        }
    ]
    broken = cluster.pod(
        "api-6c9f7d8b54-zzzzz",
        [
            cluster.waiting(
                "api",
                "CreateContainerConfigError",
                "couldn't find key url in Secret shop/db-credentials",
            )
        ],
        spec_extra={"containers": [{"name": "api", "image": "shop/api:2.4.1", "env": env}]},
    )
    api.add(*cluster.shop(), broken)

    result = _scan_pod(api, kubeconfig, "api-6c9f7d8b54-zzzzz")

    assert "/api/v1/namespaces/shop/secrets" in api.paths()
    assert "/api/v1/namespaces/shop/configmaps" not in api.paths()
    secret = result.view.get("Secret", "shop", "db-credentials")
    assert secret is not None
    assert secret.raw["data"] == {"password": ""}
    assert result.view.knows("Secret", "shop")
    assert not any(p.endswith("/log") for p in api.paths())  # it never ran: no log to read


def test_a_workload_target_scans_its_namespace(api: FakeApiServer, kubeconfig: Path) -> None:
    api.add(*cluster.shop())
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    view = scan(client, namespace=None, target=ObjectRef("Deployment", "api", "other")).view

    assert view.namespaces == ("other",)
    assert "/apis/apps/v1/namespaces/other/deployments" in api.paths()
    assert [p.name for p in view.pods] == ["web-1"]


def test_an_init_container_still_running_brings_its_current_log(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    name = "api-6c9f7d8b54-inits"
    pod = cluster.pod(
        name,
        [cluster.waiting("api", "PodInitializing", "")],
        phase="Pending",
        spec_extra={"initContainers": [{"name": "wait-for-db", "image": "busybox:1.36"}]},
    )
    pod["status"]["initContainerStatuses"] = [cluster.running("wait-for-db")]
    api.add(*cluster.shop(), pod)
    api.add_log("shop", name, "wait-for-db", "waiting for db:5432...\n" * 3, previous=False)

    view = _scan_pod(api, kubeconfig, name).view

    (request,) = [r for r in api.received if r.path.endswith("/log")]
    assert "previous" not in request.query
    log = view.crash_log("shop", name, "wait-for-db")
    assert log is not None
    assert log.previous is False
    assert log.lines == ("waiting for db:5432...",) * 3
