"""The names kubectl accepts for a kind: short name, singular and plural, each also with its API
group (``deploy``, ``deployments``, ``deployments.apps``). One table serves what users type on
the command line and what pasted kubectl output names; each reader keeps the kinds it reads."""

from __future__ import annotations

from collections.abc import Mapping

NAMES: Mapping[str, tuple[str, ...]] = {
    "Pod": ("po", "pod", "pods"),
    "Deployment": ("deploy", "deployment", "deployments"),
    "ReplicaSet": ("rs", "replicaset", "replicasets"),
    "StatefulSet": ("sts", "statefulset", "statefulsets"),
    "DaemonSet": ("ds", "daemonset", "daemonsets"),
    "Job": ("job", "jobs"),
    "CronJob": ("cj", "cronjob", "cronjobs"),
    "Service": ("svc", "service", "services"),
    "ConfigMap": ("cm", "configmap", "configmaps"),
    "PersistentVolumeClaim": ("pvc", "persistentvolumeclaim", "persistentvolumeclaims"),
    "PersistentVolume": ("pv", "persistentvolume", "persistentvolumes"),
    "StorageClass": ("sc", "storageclass", "storageclasses"),
    "HorizontalPodAutoscaler": ("hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"),
    "Node": ("no", "node", "nodes"),
}
_KIND_OF = {name: kind for kind, names in NAMES.items() for name in names}


def kind_named(word: str) -> str:
    """The kind ``word`` names, with or without its API group ("" when kubectl knows none)."""
    return _KIND_OF.get(word.lower().split(".", 1)[0], "")
