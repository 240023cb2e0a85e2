"""A namespace scan against an HTTP server speaking the Kubernetes API."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.live import connect, load_live, scan
from kubemedic.errors import Forbidden
from kubemedic.models.cluster import ALL_NAMESPACES

from . import cluster
from .fake_api import FakeApiServer, Reply, status

KINDS = (
    "Pod",
    "Event",
    "Service",
    "Endpoints",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "ServiceAccount",
    "ResourceQuota",
    "LimitRange",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
)
CLUSTER_KINDS = ("Node", "PersistentVolume", "StorageClass")


def _forbidden(resource: str, namespace: str = "shop") -> Reply:
    user = "system:serviceaccount:ci:reader"
    message = (
        f'{resource} is forbidden: User "{user}" cannot list resource "{resource}" '
        f'in API group "" in the namespace "{namespace}"'
    )
    return Reply(403, status(403, "Forbidden", message, kind=resource))


def test_full_namespace_scan(api: FakeApiServer, kubeconfig: Path) -> None:
    api.add(*cluster.shop())
    api.add_log("shop", cluster.CRASHING_POD, "api", cluster.CRASH_LOG, previous=True)

    view = load_live(
        namespace=None,
        all_namespaces=False,
        target=None,
        context=None,
        kubeconfig=kubeconfig,
        timeout=5,
    )

    assert view.namespaces == ("shop",)  # the context's namespace
    assert sorted(p.name for p in view.pods) == [cluster.CRASHING_POD, cluster.HEALTHY_POD]
    for kind in KINDS:
        assert view.objects(kind), f"no {kind} collected"
        assert view.knows(kind, "shop"), f"{kind} not marked as listed"
    for kind in CLUSTER_KINDS:
        assert view.objects(kind)
        assert view.knows(kind)
    assert not view.knows("PodMetrics", "shop")  # no metrics-server: absent, not an error
    log = view.crash_log("shop", cluster.CRASHING_POD, "api")
    assert log is not None
    assert log.previous is True
    assert log.lines[-1].endswith("connection refused")
    assert log.source == f"kubectl logs -n shop {cluster.CRASHING_POD} -c api --previous"
    crashing = view.get("Pod", "shop", cluster.CRASHING_POD)
    assert crashing is not None
    assert [e.reason for e in view.events_for(crashing)] == ["BackOff"]
    assert view.observed_at.tzinfo is not None


def test_one_list_per_kind_and_logs_only_for_crashed_containers(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    api.add_log("shop", cluster.CRASHING_POD, "api", cluster.CRASH_LOG, previous=True)
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    result = scan(client, namespace="shop")

    per_path = Counter(api.paths())
    assert set(per_path.values()) == {1}
    assert "/api/v1/namespaces/shop/pods" in per_path
    assert "/apis/apps/v1/namespaces/shop/deployments" in per_path
    assert "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers" in per_path
    assert "/api/v1/nodes" in per_path
    logs = [r for r in api.received if r.path.endswith("/log")]
    assert [(r.path, r.query["container"], r.query["previous"]) for r in logs] == [
        (f"/api/v1/namespaces/shop/pods/{cluster.CRASHING_POD}/log", "api", "true")
    ]
    assert logs[0].query["tailLines"] == "200"
    assert int(logs[0].query["limitBytes"]) > 0
    assert result.requests == len(api.received)
    assert result.warnings == ()


def test_secret_values_never_leave_the_boundary(api: FakeApiServer, kubeconfig: Path) -> None:
    api.add(*cluster.shop())
    view = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop").view

    secret = view.get("Secret", "shop", "db-credentials")

    assert secret is not None
    assert secret.raw["data"] == {"password": ""}
    assert secret.raw["type"] == "Opaque"
    assert cluster.SECRET_VALUE not in repr(
        [dict(o.raw) for k in view.kinds for o in view.objects(k)]
    )


def test_all_namespaces_lists_cluster_wide(api: FakeApiServer, kubeconfig: Path) -> None:
    api.add(*cluster.shop())
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    view = scan(client, namespace=None, all_namespaces=True).view

    assert "/api/v1/pods" in api.paths()
    assert "/apis/apps/v1/deployments" in api.paths()
    assert view.namespaces == (ALL_NAMESPACES,)
    assert {p.namespace for p in view.pods} == {"shop", "other"}
    assert view.knows("Pod", "any-namespace-at-all")


def test_metrics_are_read_when_the_cluster_serves_them(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.metrics = True
    usage = {"containers": [{"name": "api", "usage": {"cpu": "12m", "memory": "498Mi"}}]}
    api.add(
        cluster.simple("metrics.k8s.io/v1beta1", "PodMetrics", cluster.CRASHING_POD, **usage),
        cluster.simple("metrics.k8s.io/v1beta1", "NodeMetrics", "node-a", None, usage={"cpu": "1"}),
    )

    view = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop").view

    metrics = view.get("PodMetrics", "shop", cluster.CRASHING_POD)
    assert metrics is not None
    assert metrics.raw["containers"][0]["usage"]["memory"] == "498Mi"
    assert view.knows("PodMetrics", "shop")
    assert view.knows("NodeMetrics")


def test_pods_forbidden_stops_the_scan_naming_verb_resource_and_user(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    api.script("/api/v1/namespaces/shop/pods", _forbidden("pods"))

    with pytest.raises(Forbidden) as caught:
        load_live(
            namespace="shop",
            all_namespaces=False,
            target=None,
            context=None,
            kubeconfig=kubeconfig,
            timeout=5,
        )

    error = caught.value
    assert 'User "system:serviceaccount:ci:reader" cannot list resource "pods"' in error.message
    assert 'in the namespace "shop"' in error.message
    assert error.hint == "check with: kubectl auth can-i list pods -n shop --context fake"


def test_secrets_forbidden_scan_goes_on_without_them(api: FakeApiServer, kubeconfig: Path) -> None:
    api.add(*cluster.shop())
    api.script("/api/v1/namespaces/shop/secrets", _forbidden("secrets"))
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    result = scan(client, namespace="shop")

    assert not result.view.objects("Secret")
    assert not result.view.knows("Secret", "shop")  # so nothing concludes a Secret is missing
    assert result.view.knows("ConfigMap", "shop")
    assert len(result.view.pods) == 2
    (warning,) = result.warnings
    assert 'cannot list resource "secrets"' in warning
    assert "continuing without secrets" in warning
    assert "kubectl auth can-i list secrets -n shop" in warning

    api.script("/api/v1/namespaces/shop/secrets", _forbidden("secrets"))
    view = load_live(
        namespace="shop",
        all_namespaces=False,
        target=None,
        context=None,
        kubeconfig=kubeconfig,
        timeout=5,
    )
    assert any("secrets is forbidden" in w.message for w in view.warnings)


def test_cluster_scoped_kinds_refused_to_a_namespaced_reader(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    refused = Reply(
        403,
        status(
            403,
            "Forbidden",
            'nodes is forbidden: User "system:serviceaccount:ci:reader" cannot list resource '
            '"nodes" in API group "" at the cluster scope',
        ),
    )
    api.script("/api/v1/nodes", refused)

    result = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop")

    assert not result.view.knows("Node")
    assert any("kubectl auth can-i list nodes" in w for w in result.warnings)


def test_a_cluster_clock_ahead_of_ours_dates_the_snapshot(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    ahead = datetime.now(tz=UTC) + timedelta(days=2)
    objects = cluster.shop()
    late = cluster.event(objects[0], "BackOff", "Back-off restarting failed container api")
    late["lastTimestamp"] = ahead.strftime("%Y-%m-%dT%H:%M:%SZ")
    api.add(*objects, late)

    view = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop").view

    assert view.observed_at >= ahead.replace(microsecond=0)


def test_a_cluster_clock_behind_ours_leaves_the_snapshot_at_now(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    before = datetime.now(tz=UTC)

    view = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop").view

    assert before <= view.observed_at <= datetime.now(tz=UTC)
