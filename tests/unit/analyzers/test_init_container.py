"""Wait-for loops: the host an init container polls, as the pod itself would resolve it."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.analyzers.init_container import wait_target
from kubemedic.models.k8s import ContainerSpec

NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


@pytest.mark.parametrize(
    ("script", "env", "target"),
    [
        (
            f"until nslookup myservice.$(cat {NAMESPACE_FILE}).svc.cluster.local; do sleep 2; done",
            [],
            "myservice.shop.svc.cluster.local",
        ),
        (
            f"until nslookup mydb.`cat {NAMESPACE_FILE}`.svc.cluster.local; do sleep 2; done",
            [],
            "mydb.shop.svc.cluster.local",
        ),
        (
            "until nc -z redis.${POD_NAMESPACE}.svc 6379; do sleep 1; done",
            [
                {
                    "name": "POD_NAMESPACE",
                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
                }
            ],
            "redis.shop.svc:6379",
        ),
        (
            "until pg_isready -h $DB_HOST -p 5432; do sleep 1; done",
            [{"name": "DB_HOST", "value": "orders-db.data"}],
            "orders-db.data:5432",
        ),
        (
            "until nslookup kafka.$CLUSTER_DOMAIN; do sleep 1; done",
            [],
            "",
        ),
    ],
)
def test_the_polled_host_is_resolved_as_the_pod_would(
    script: str, env: list[dict[str, Any]], target: str
) -> None:
    spec = ContainerSpec(
        {"name": "wait", "image": "busybox:1.36", "command": ["sh", "-c", script], "env": env},
        is_init=True,
    )
    assert wait_target(spec, "shop") == target
