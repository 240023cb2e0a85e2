"""Pods map to their workload by Kubernetes' naming rules, also after their owners are gone."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.models.findings import ObjectRef
from kubemedic.recommenders.owners import owner_index
from tests.unit.recommenders.objects import NAMESPACE, deployment


def _object(kind: str, name: str, owner: tuple[str, str] | None = None) -> dict[str, Any]:
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    metadata: dict[str, Any] = {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}"}
    if owner:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "batch/v1" if owner[0] == "CronJob" else "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": f"uid-{owner[1]}",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": {}}


WORKLOADS = [
    deployment(name="web"),
    deployment(name="web-api"),
    deployment(name="web-api-canary"),
    _object("StatefulSet", "postgres"),
    _object("StatefulSet", "web-cache"),
    _object("DaemonSet", "node-exporter"),
    _object("Job", "migrate-v42"),
    _object("CronJob", "backup"),
    _object("ReplicaSet", "legacy"),
]
OWNER = owner_index(WORKLOADS)


def _ref(kind: str, name: str) -> ObjectRef:
    return ObjectRef(kind, name, NAMESPACE)


@pytest.mark.parametrize(
    ("pod", "owner"),
    [
        ("web-5d8f7c9b4-x2x4k", _ref("Deployment", "web")),
        ("web-7f6b9c8d47-q9wzt", _ref("Deployment", "web")),  # 10-character hash
        ("web-api-6c9f8b7d5-lm2nb", _ref("Deployment", "web-api")),  # longest name wins
        ("web-api-canary-85b6f4d7c9-zz4pr", _ref("Deployment", "web-api-canary")),
        ("web-3437853237-7hx2k", _ref("Deployment", "web")),  # pre-1.8 numeric hash
        ("postgres-0", _ref("StatefulSet", "postgres")),
        ("postgres-12", _ref("StatefulSet", "postgres")),
        ("web-cache-2", _ref("StatefulSet", "web-cache")),
        ("node-exporter-8xk2p", _ref("DaemonSet", "node-exporter")),
        ("migrate-v42-9tq4m", _ref("Job", "migrate-v42")),
        ("backup-29123456-x7k2p", _ref("CronJob", "backup")),  # its Job is long gone
        ("legacy-b7x9q", _ref("ReplicaSet", "legacy")),
    ],
)
def test_pods_map_to_their_workload(pod: str, owner: ObjectRef) -> None:
    assert OWNER(NAMESPACE, pod) == owner


@pytest.mark.parametrize(
    "pod",
    [
        "web",  # a bare pod named like the deployment
        "web-aeiou",  # vowels: not a generated suffix
        "web-5d8f7c9b4-x2x4",  # 4-character suffix
        "postgres-01",  # ordinals have no leading zero
        "redis-5d8f7c9b4-x2x4k",  # no such workload
        "static-pod-node-a",
    ],
)
def test_pods_that_match_no_workload_are_left_out(pod: str) -> None:
    assert OWNER(NAMESPACE, pod) is None


def test_the_namespace_must_match() -> None:
    assert OWNER("other", "web-5d8f7c9b4-x2x4k") is None


def test_replica_sets_and_jobs_resolve_to_their_owners() -> None:
    owner = owner_index(
        [_object("Job", "report-28000000", owner=("CronJob", "report"))],
        replicasets=[_object("ReplicaSet", "shop-front-a1e", owner=("Deployment", "shop-front"))],
    )

    # "a1e" is no pod-template-hash, but the ReplicaSet names its Deployment exactly
    assert owner(NAMESPACE, "shop-front-a1e-k8z2q") == _ref("Deployment", "shop-front")
    assert owner(NAMESPACE, "report-28000000-bq2x9") == _ref("CronJob", "report")


def test_long_names_cut_by_the_api_server_still_map() -> None:
    long_daemon = "log-shipper-with-a-very-long-name-for-the-eu-west-1-fleet-x"  # 59 chars
    long_deploy = "payments-reconciliation-worker-for-the-eu-west-1-region"  # 55 chars
    very_long = "payments-reconciliation-worker-for-the-eu-west-1-region-ab"  # 58 chars
    owner = owner_index(
        [
            _object("DaemonSet", long_daemon),
            deployment(name=long_deploy),
            deployment(name=very_long),
        ]
    )

    # generateName "<name>-" is cut to 58 characters, then 5 random ones follow
    assert owner(NAMESPACE, long_daemon[:58] + "k2x9q") == _ref("DaemonSet", long_daemon)
    # "<deployment>-<hash>-" cut inside the hash: the partial hash is stripped as usual
    pod = f"{long_deploy}-7f6b9c8d47-"[:58] + "q9wzt"
    assert len(pod) == 63
    assert owner(NAMESPACE, pod) == _ref("Deployment", long_deploy)
    pod = f"{very_long}-7f6b9c8d47-"[:58] + "q9wzt"
    assert owner(NAMESPACE, pod) == _ref("Deployment", very_long)
