"""Kubernetes objects as the API returns them, and usage history as the backends report it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import ContainerUsage, LoadPoint, Percentiles, WorkloadLoad

MIB = 2**20
NAMESPACE = "shop"
NOW = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)
WEB = ObjectRef("Deployment", "web", NAMESPACE)

APP: dict[str, Any] = {
    "name": "app",
    "image": "registry.example.com/web:1.4.2",
    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
    "resources": {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    },
}
ENVOY: dict[str, Any] = {
    "name": "envoy",
    "image": "envoyproxy/envoy:v1.30.1",
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
}


def container(name: str, **resources: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "image": f"registry.example.com/{name}:1", "resources": resources}


def deployment(
    *containers: dict[str, Any],
    name: str = "web",
    replicas: int = 3,
    kind: str = "Deployment",
    **pod_spec: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": [copy.deepcopy(c) for c in containers or (APP,)],
                "restartPolicy": "Always",
                **pod_spec,
            },
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}", "generation": 4},
        "spec": spec,
        "status": {"observedGeneration": 4, "replicas": replicas, "readyReplicas": replicas},
    }


def hpa(
    *, name: str = "web", low: int = 2, high: int = 6, metrics: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": NAMESPACE, "resourceVersion": "90001"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": metrics if metrics is not None else [cpu_metric(70)],
        },
        "status": {"currentReplicas": 3, "desiredReplicas": 3},
    }


def cpu_metric(percent: int, resource: str = "cpu") -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {
            "name": resource,
            "target": {"type": "Utilization", "averageUtilization": percent},
        },
    }


def node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "16Gi",
    pods: str = "110",
    ready: bool = True,
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    unschedulable: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"taints": taints} if taints else {}
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
            | (labels or {}),
        },
        "spec": spec,
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": pods},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "reason": "KubeletHasSufficientMemory",
                },
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady",
                },
            ],
        },
    }


def pod(
    name: str, node_name: str, *, cpu: str = "500m", memory: str = "512Mi", phase: str = "Running"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}"},
        "spec": {
            "nodeName": node_name,
            "containers": [container("app", requests={"cpu": cpu, "memory": memory})],
        },
        "status": {"phase": phase},
    }


def usage(
    container_name: str = "app",
    *,
    cpu: tuple[float, float, float, float] = (0.1, 0.2, 0.25, 0.3),
    memory_mib: tuple[float, float, float, float] = (100, 120, 140, 150),
    days: float = 7.5,
    workload: ObjectRef = WEB,
    restarts: int = 0,
    oom_kills: int = 0,
    oom_memory_limit: float | None = None,
    samples: int = 32_400,
) -> ContainerUsage:
    return ContainerUsage(
        workload=workload,
        container=container_name,
        cpu=Percentiles(*cpu),
        memory=Percentiles(*(m * MIB for m in memory_mib)),
        samples=samples,
        pods=5,
        first=NOW - timedelta(days=days),
        last=NOW,
        restarts=restarts,
        oom_kills=oom_kills,
        oom_memory_limit=oom_memory_limit,
    )


def load(
    cores: list[float], *, pods: int = 3, step: float = 30.0, end: datetime = NOW
) -> WorkloadLoad:
    """Points ``step`` seconds apart, the last one at ``end``."""
    count = len(cores)
    return WorkloadLoad(
        WEB,
        tuple(
            LoadPoint(end - timedelta(seconds=step * (count - 1 - i)), value, pods)
            for i, value in enumerate(cores)
        ),
    )
