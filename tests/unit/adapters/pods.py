"""Pods and events as the API server returns them, for the files-loader tests."""

from __future__ import annotations

import uuid
from typing import Any

CRASHED_AT = "2024-05-01T10:12:40Z"
LAST_EVENT_AT = "2024-05-01T10:13:05Z"


def crashing_pod(name: str = "api-6c9f7d8b54-x2k4q", namespace: str = "shop") -> dict[str, Any]:
    """A Deployment replica whose ``api`` container keeps crashing, beside a healthy sidecar."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}")),
            "creationTimestamp": "2024-05-01T09:00:00Z",
            "labels": {"app": "api", "pod-template-hash": "6c9f7d8b54"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "api-6c9f7d8b54",
                    "uid": "8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "nodeName": "node-a",
            "containers": [
                {"name": "api", "image": "registry.example.com/shop/api:2.4.1"},
                {"name": "envoy", "image": "envoyproxy/envoy:v1.30.1"},
            ],
        },
        "status": {
            "phase": "Running",
            "startTime": "2024-05-01T09:00:00Z",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "lastTransitionTime": "2024-05-01T10:12:41Z",
                    "reason": "ContainersNotReady",
                    "message": "containers with unready status: [api]",
                }
            ],
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 7,
                    "image": "registry.example.com/shop/api:2.4.1",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off 5m0s restarting failed container=api "
                            f"pod={name}_{namespace}(3f1c2a9e)",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": "2024-05-01T10:12:31Z",
                            "finishedAt": CRASHED_AT,
                        }
                    },
                },
                {
                    "name": "envoy",
                    "ready": True,
                    "restartCount": 0,
                    "image": "envoyproxy/envoy:v1.30.1",
                    "state": {"running": {"startedAt": "2024-05-01T09:00:04Z"}},
                },
            ],
        },
    }


def healthy_pod(name: str, namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}")),
            "creationTimestamp": "2024-05-01T08:00:00Z",
        },
        "spec": {"nodeName": "node-b", "containers": [{"name": "web", "image": "nginx:1.27"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2024-05-01T08:00:03Z"}},
                }
            ],
        },
    }


def backoff_event(pod: dict[str, Any]) -> dict[str, Any]:
    meta = pod["metadata"]
    return {
        "metadata": {
            "name": f"{meta['name']}.17c9a1b2c3d4e5f6",
            "namespace": meta["namespace"],
            "creationTimestamp": "2024-05-01T09:14:02Z",
        },
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "fieldPath": "spec.containers{api}",
        },
        "reason": "BackOff",
        "message": f"Back-off restarting failed container api in pod {meta['name']}_"
        f"{meta['namespace']}({meta['uid']})",
        "type": "Warning",
        "count": 31,
        "firstTimestamp": "2024-05-01T09:14:02Z",
        "lastTimestamp": LAST_EVENT_AT,
        "source": {"component": "kubelet", "host": "node-a"},
    }
