"""Kubernetes objects as the API server returns them, for the planners and checks to work on."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubemedic.actions.template import REVISION
from kubemedic.models.operations import Change
from kubemedic.sandbox.patching import apply_patch

NAMESPACE = "shop"
APP = {
    "name": "app",
    "image": "registry.example.com/web:1.4.2",
    "imagePullPolicy": "IfNotPresent",
    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
    "resources": {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"memory": "256Mi"},
    },
    "terminationMessagePath": "/dev/termination-log",
}
ENVOY = {
    "name": "envoy",
    "image": "envoyproxy/envoy:v1.30.1",
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
}


def template(*containers: dict[str, Any], hash_label: str | None = None) -> dict[str, Any]:
    labels = {"app": "web"} | ({"pod-template-hash": hash_label} if hash_label else {})
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [copy.deepcopy(c) for c in containers],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
        },
    }


def deployment(
    *containers: dict[str, Any], replicas: int | None = 3, revision: int = 3, paused: bool = False
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": template(*(containers or (APP,))),
    }
    if replicas is not None:
        spec["replicas"] = replicas
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": NAMESPACE,
            "uid": "7f3c2a10-1111-4c2d-9e8f-1a2b3c4d5e6f",
            "resourceVersion": "81234",
            "generation": 5,
            "annotations": {REVISION: str(revision)},
        },
        "spec": spec,
        "status": {"observedGeneration": 5, "replicas": 3, "readyReplicas": 3},
    }


def replica_set(revision: int, image: str, hash_label: str) -> dict[str, Any]:
    container = APP | {"image": image}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-{hash_label}",
            "namespace": NAMESPACE,
            "labels": {"app": "web", "pod-template-hash": hash_label},
            "annotations": {
                REVISION: str(revision),
                "deployment.kubernetes.io/desired-replicas": "3",
            },
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": True}
            ],
        },
        "spec": {"replicas": 0, "template": template(container, hash_label=hash_label)},
    }


def node(
    name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110", ready: bool = True
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "spec": {},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True" if ready else "Unknown"},
            ],
        },
    }


def pod(
    name: str,
    *,
    node_name: str | None = "node-a",
    cpu: str = "250m",
    memory: str = "256Mi",
    phase: str = "Running",
    uid: str | None = None,
    ready: bool = True,
    restarts: int = 0,
    owner: str | None = "ReplicaSet",
    deleting: bool = False,
    waiting: str | None = None,
    last_terminated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": NAMESPACE, "uid": uid or f"uid-{name}"}
    if owner:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner,
                "name": "web-5d8f7c9b4",
                "uid": "0a1b2c3d",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    if deleting:
        metadata["deletionTimestamp"] = "2026-06-01T10:00:00Z"
    status: dict[str, Any] = {
        "name": "app",
        "ready": ready,
        "restartCount": restarts,
        "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}},
    }
    if last_terminated:
        status["lastState"] = {"terminated": last_terminated}
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "app",
                "image": "registry.example.com/web:1.4.2",
                "resources": {"requests": {"cpu": cpu, "memory": memory}},
            }
        ]
    }
    if node_name:
        spec["nodeName"] = node_name
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [status],
        },
    }


def hpa(*, low: int = 2, high: int = 6, cpu: int = 70) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": "web",
            "namespace": NAMESPACE,
            "uid": "3e0c9a7d-2222-4c2d-9e8f-1a2b3c4d5e6f",
            "resourceVersion": "90001",
            "labels": {"team": "shop"},
            "annotations": {"owner": "sre"},
            "creationTimestamp": "2026-05-01T08:00:00Z",
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": cpu},
                    },
                }
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
        "status": {"currentReplicas": 3, "desiredReplicas": 3},
    }


def configmap(data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": NAMESPACE, "resourceVersion": "777"},
        "data": dict(data),
    }


def applied(obj: Mapping[str, Any], change: Change) -> dict[str, Any]:
    """``obj`` after ``change`` (a patch), as the sandbox API server would store it."""
    body = change.body or {}
    patch = list(body["ops"]) if change.patch_type == "json" else dict(body)
    return apply_patch(dict(obj), patch, change.patch_type)
