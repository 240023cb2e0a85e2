"""The in-cluster schedule as Kubernetes objects: what ``deploy/`` holds and ``schedule print``
renders with the user's settings.

One namespace; one ServiceAccount bound to a read-only ClusterRole (get, list, watch on what the
reports, the audit and the collector read — never a write verb); CronJobs for the weekly health
report (Mondays 00:00 UTC), the weekly security audit (Fridays 00:00 UTC) and the daily
utilization analysis; the collector as a Deployment filling the metrics store on a volume; and
where reports go: the records repository on a volume, pushed to a git remote when the optional
Secret ``kubemedic-records`` holds one (key ``remote``). ``deploy/`` is these objects with the
default values, one file per part (tests/unit/test_schedule.py keeps them equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NAME = "kubemedic"
IMAGE = "ghcr.io/kubemedic/kubemedic"
DATA = "/var/lib/kubemedic"
HOME = "/home/kubemedic"
"""A writable home (git writes its files there); the root file system is read-only."""
SCHEDULES = (
    ("kubemedic-health-report", "0 0 * * 1", ("report", "health", "-A", "--record")),
    ("kubemedic-security-audit", "0 0 * * 5", ("audit", "security", "-A", "-o", "markdown")),
    (
        "kubemedic-utilization",
        "0 0 * * *",
        ("recommend", "resources", "-A", "-o", "markdown"),
    ),
)
"""(CronJob, schedule in UTC, kubemedic arguments)."""

READ = ("get", "list", "watch")
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "",
        (
            "pods", "pods/log", "events", "services", "endpoints", "configmaps", "secrets",
            "nodes", "namespaces", "persistentvolumeclaims", "persistentvolumes",
            "serviceaccounts", "resourcequotas", "limitranges",
        ),
    ),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
    ("autoscaling", ("horizontalpodautoscalers",)),
    ("networking.k8s.io", ("networkpolicies", "ingresses")),
    ("rbac.authorization.k8s.io", ("roles", "rolebindings", "clusterroles", "clusterrolebindings")),
    ("storage.k8s.io", ("storageclasses",)),
    ("metrics.k8s.io", ("pods", "nodes")),
    ("aquasecurity.github.io", ("vulnerabilityreports",)),
)  # fmt: skip
"""What is read, by API group. Secrets are listed for the audit (TLS expiry, key names); the
Kubernetes adapters drop their values as they are read."""


@dataclass(frozen=True, slots=True)
class ScheduleValues:
    """What the rendering depends on; ``schedule print`` takes it from the settings."""

    version: str
    namespace: str = NAME
    prometheus_url: str | None = None
    store_size: str = "5Gi"
    records_size: str = "1Gi"


def manifests(values: ScheduleValues) -> dict[str, tuple[dict[str, Any], ...]]:
    """The objects, by the ``deploy/`` file that holds them."""
    return {
        "namespace.yaml": (_object("v1", "Namespace", values.namespace, None),),
        "rbac.yaml": _rbac(values),
        "settings.yaml": (_settings(values),),
        "storage.yaml": (
            _volume_claim(values, "kubemedic-store", values.store_size),
            _volume_claim(values, "kubemedic-records", values.records_size),
        ),
        "collector.yaml": (_collector(values),),
        "schedules.yaml": tuple(
            _cron_job(values, name, when, args) for name, when, args in SCHEDULES
        ),
    }


def _object(api: str, kind: str, name: str, namespace: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"app.kubernetes.io/name": NAME}}
    if namespace is not None:
        meta["namespace"] = namespace
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def _rbac(values: ScheduleValues) -> tuple[dict[str, Any], ...]:
    account = _object("v1", "ServiceAccount", NAME, values.namespace)
    role = _object("rbac.authorization.k8s.io/v1", "ClusterRole", "kubemedic-read-only", None)
    role["rules"] = [
        {"apiGroups": [group], "resources": list(resources), "verbs": list(READ)}
        for group, resources in RULES
    ]
    binding = _object(
        "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "kubemedic-read-only", None
    )
    binding["roleRef"] = {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "kubemedic-read-only",
    }
    binding["subjects"] = [{"kind": "ServiceAccount", "name": NAME, "namespace": values.namespace}]
    return account, role, binding


def _settings(values: ScheduleValues) -> dict[str, Any]:
    config: list[str] = [
        f"records: {DATA}/records/repository",
        f"store: {DATA}/store/metrics.duckdb",
    ]
    if values.prometheus_url:
        config.append(f"prometheus:\n  url: {values.prometheus_url}")
    settings = _object("v1", "ConfigMap", "kubemedic-settings", values.namespace)
    settings["data"] = {"config.yaml": "\n".join(config) + "\n"}
    return settings


def _volume_claim(values: ScheduleValues, name: str, size: str) -> dict[str, Any]:
    claim = _object("v1", "PersistentVolumeClaim", name, values.namespace)
    claim["spec"] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    return claim


def _container(values: ScheduleValues, args: Sequence[str], mounts: Mapping[str, bool]) -> Any:
    return {
        "name": NAME,
        "image": f"{IMAGE}:{values.version}",
        "args": list(args),
        "env": [
            {"name": "KUBEMEDIC_CONFIG_FILE", "value": "/etc/kubemedic/config.yaml"},
            {"name": "HOME", "value": HOME},
            {
                "name": "KUBEMEDIC_RECORDS_REMOTE",
                "valueFrom": {
                    "secretKeyRef": {"name": "kubemedic-records", "key": "remote", "optional": True}
                },
            },
        ],
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"memory": "512Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "settings", "mountPath": "/etc/kubemedic", "readOnly": True},
            {"name": "home", "mountPath": HOME},
            *(
                {"name": volume, "mountPath": f"{DATA}/{volume}", "readOnly": read_only}
                for volume, read_only in mounts.items()
            ),
        ],
    }


def _pod(values: ScheduleValues, args: Sequence[str], mounts: Mapping[str, bool]) -> Any:
    claims = {"store": "kubemedic-store", "records": "kubemedic-records"}
    return {
        "serviceAccountName": NAME,
        "containers": [_container(values, args, mounts)],
        "volumes": [
            {"name": "settings", "configMap": {"name": "kubemedic-settings"}},
            {"name": "home", "emptyDir": {}},
            *(
                {"name": volume, "persistentVolumeClaim": {"claimName": claims[volume]}}
                for volume in mounts
            ),
        ],
    }


COLLECTOR_LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "collector"}
BESIDE_COLLECTOR = {
    "podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {
                "labelSelector": {"matchLabels": COLLECTOR_LABELS},
                "topologyKey": "kubernetes.io/hostname",
            }
        ]
    }
}
"""The store's volume is ReadWriteOnce: attached to one node, so a job reading it runs on the
collector's node (the store is opened only for each write, so reading between writes works)."""


def _collector(values: ScheduleValues) -> dict[str, Any]:
    labels = COLLECTOR_LABELS
    collector = _object("apps/v1", "Deployment", "kubemedic-collector", values.namespace)
    pod = _pod(values, ("collect", "-A"), {"store": False})
    pod["restartPolicy"] = "Always"
    collector["spec"] = {
        "replicas": 1,
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": pod},
    }
    return collector


def _cron_job(
    values: ScheduleValues, name: str, schedule: str, args: Sequence[str]
) -> dict[str, Any]:
    job = _object("batch/v1", "CronJob", name, values.namespace)
    mounts = {"records": False} if "--record" in args else {}
    if args[0] == "recommend":
        mounts = {"store": True}
    pod = _pod(values, args, mounts)
    if "store" in mounts:
        pod["affinity"] = BESIDE_COLLECTOR
    pod["restartPolicy"] = "OnFailure"
    job["spec"] = {
        "schedule": schedule,
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": pod}}},
    }
    return job
