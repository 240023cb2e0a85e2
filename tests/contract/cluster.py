"""A small namespace as a real cluster holds it: one crash-looping Deployment and its neighbours."""

from __future__ import annotations

import uuid
from typing import Any

NS = "shop"
CRASHING_POD = "api-6c9f7d8b54-x2k4q"
HEALTHY_POD = "web-5d8f7c9b6-q2w3e"
SECRET_VALUE = "aHVudGVyMi1wbGFpbnRleHQ="  # base64 of a password that must never be kept
CRASH_LOG = (
    "2024-05-01T10:12:39.812Z INFO  Starting api v2.4.1\n"
    "2024-05-01T10:12:40.101Z ERROR Failed to connect to postgres at db:5432: connection refused\n"
)


def meta(name: str, namespace: str | None = NS, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}")),
        "resourceVersion": "48190",
        "creationTimestamp": "2024-05-01T09:00:00Z",
    }
    if namespace:
        data["namespace"] = namespace
    return data | extra


def _owner(kind: str, name: str) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "rs-uid", "controller": True}
    ]


def pod(
    name: str,
    statuses: list[dict[str, Any]],
    *,
    phase: str = "Running",
    node: str | None = "node-a",
    containers: tuple[str, ...] = ("api",),
    owner: str | None = "api-6c9f7d8b54",
    conditions: list[dict[str, Any]] | None = None,
    spec_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [
            {"name": c, "image": f"registry.example.com/shop/{c}:2.4.1"} for c in containers
        ]
    }
    if node:
        spec["nodeName"] = node
    extra = {"ownerReferences": _owner("ReplicaSet", owner)} if owner else {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, labels={"app": name.split("-")[0]}, **extra),
        "spec": spec | (spec_extra or {}),
        "status": {"phase": phase, "conditions": conditions or [], "containerStatuses": statuses},
    }


def crashed(container: str = "api", restarts: int = 7) -> dict[str, Any]:
    return {
        "name": container,
        "ready": False,
        "restartCount": restarts,
        "state": {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={container}",
            }
        },
        "lastState": {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": "2024-05-01T10:12:31Z",
                "finishedAt": "2024-05-01T10:12:40Z",
            }
        },
    }


def running(container: str = "web") -> dict[str, Any]:
    return {
        "name": container,
        "ready": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": "2024-05-01T09:00:04Z"}},
    }


def waiting(container: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "name": container,
        "ready": False,
        "restartCount": 0,
        "state": {"waiting": {"reason": reason, "message": message}},
    }


def event(involved: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    target = involved["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{target['name']}.17c9a1b2c3d4e5f6"),
        "involvedObject": {
            "apiVersion": involved["apiVersion"],
            "kind": involved["kind"],
            "name": target["name"],
            "namespace": NS,
            "uid": target["uid"],
        },
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 31,
        "firstTimestamp": "2024-05-01T09:14:02Z",
        "lastTimestamp": "2024-05-01T10:13:05Z",
        "source": {"component": "kubelet", "host": "node-a"},
    }


def simple(
    api_version: str, kind: str, name: str, namespace: str | None = NS, **body: Any
) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": meta(name, namespace)} | body


def shop() -> list[dict[str, Any]]:
    """The namespace a full scan reads: a crash-looping replica and one of each other kind."""
    crashing = pod(CRASHING_POD, [crashed("api"), running("envoy")], containers=("api", "envoy"))
    healthy = pod(HEALTHY_POD, [running("web")], containers=("web",), owner=None)
    return [
        crashing,
        healthy,
        pod("web-1", [running("web")], containers=("web",), owner=None)
        | {"metadata": meta("web-1", "other")},
        event(
            crashing, "BackOff", f"Back-off restarting failed container api in pod {CRASHING_POD}"
        ),
        simple("v1", "Service", "api", spec={"selector": {"app": "api"}, "ports": [{"port": 80}]}),
        simple("v1", "Endpoints", "api", subsets=[]),
        simple("v1", "ConfigMap", "api-config", data={"LOG_LEVEL": "info"}),
        simple("v1", "Secret", "db-credentials", type="Opaque", data={"password": SECRET_VALUE}),
        simple("v1", "PersistentVolumeClaim", "data-db-0", spec={"storageClassName": "standard"}),
        simple("v1", "ServiceAccount", "default"),
        simple("v1", "ResourceQuota", "compute", spec={"hard": {"requests.cpu": "20"}}),
        simple("v1", "LimitRange", "defaults", spec={"limits": []}),
        simple("apps/v1", "Deployment", "api", spec={"replicas": 3}),
        simple("apps/v1", "ReplicaSet", "api-6c9f7d8b54", spec={"replicas": 3}),
        simple("apps/v1", "StatefulSet", "db", spec={"replicas": 1}),
        simple("apps/v1", "DaemonSet", "log-agent", spec={}),
        simple("batch/v1", "Job", "migrate", spec={}),
        simple("batch/v1", "CronJob", "nightly", spec={"schedule": "0 2 * * *"}),
        simple("autoscaling/v2", "HorizontalPodAutoscaler", "api", spec={"maxReplicas": 10}),
        simple(
            "v1", "Node", "node-a", None, status={"allocatable": {"cpu": "4", "memory": "16Gi"}}
        ),
        simple("v1", "PersistentVolume", "pv-data-db-0", None, spec={}),
        simple(
            "storage.k8s.io/v1",
            "StorageClass",
            "standard",
            None,
            provisioner="pd.csi.storage.gke.io",
        ),
    ]
