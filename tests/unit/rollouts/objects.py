"""Deployments, ReplicaSets and pods as the API server returns them, for the guard's rules."""

from __future__ import annotations

from typing import Any

UID = "d-uid-1"
TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "registry.example/web:2.0"}]},
}
OLD_TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "registry.example/web:1.0"}]},
}


def deployment(
    *,
    replicas: int = 4,
    template: dict[str, Any] | None = None,
    paused: bool = False,
    generation: int = 2,
    observed: int = 2,
    conditions: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": UID,
            "generation": generation,
            "labels": labels or {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "2", **(annotations or {})},
        },
        "spec": {
            "replicas": replicas,
            "paused": paused,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template or TEMPLATE,
        },
        "status": {"observedGeneration": observed, "conditions": conditions or []},
    }


def replica_set(
    template_hash: str,
    revision: int,
    *,
    template: dict[str, Any],
    replicas: int,
    pods: int | None = None,
    available: int = 0,
    owner: str = UID,
) -> dict[str, Any]:
    labelled = {
        **template,
        "metadata": {
            "labels": {**template["metadata"]["labels"], "pod-template-hash": template_hash}
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-{template_hash}",
            "namespace": "shop",
            "labels": {"app": "web", "pod-template-hash": template_hash},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": owner, "controller": True}
            ],
        },
        "spec": {"replicas": replicas, "template": labelled},
        "status": {
            "replicas": replicas if pods is None else pods,
            "availableReplicas": available,
        },
    }


def pod(
    name: str,
    template_hash: str,
    *,
    ready: bool = True,
    phase: str = "Running",
    statuses: list[dict[str, Any]] | None = None,
    terminating: bool = False,
    scheduled: dict[str, Any] | None = None,
) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if scheduled is not None:
        conditions.append({"type": "PodScheduled", **scheduled})
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "shop",
        "labels": {"app": "web", "pod-template-hash": template_hash},
    }
    if terminating:
        meta["deletionTimestamp"] = "2026-12-07T10:00:00Z"
    return {
        "kind": "Pod",
        "metadata": meta,
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": statuses
            if statuses is not None
            else [{"name": "web", "ready": ready, "restartCount": 0, "state": {"running": {}}}],
        },
    }
