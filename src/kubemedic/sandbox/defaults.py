"""Defaulting the API server applies on write, so stored objects look like a real cluster's.

Without it a Deployment read back would lack its strategy, a Pod its restartPolicy and a Service
its clusterIP, and kubectl, kubemedic's analyzers and the controllers would all see objects no
real cluster returns.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
PVC_PROTECTION = "kubernetes.io/pvc-protection"

_NOT_READY_TOLERATIONS = (
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
)


def apply_defaults(
    obj: Obj,
    *,
    allocate_ip: Callable[[], str] | None = None,
    previous: Obj | None = None,
) -> None:
    """Fill the defaults of ``obj``'s kind in place.

    On create ``allocate_ip`` hands a Service its ClusterIP and a claim gets its protection
    finalizer (the StorageObjectInUseProtection admission plugin); on update ``previous`` is the
    stored object, whose ClusterIP an update that omits it keeps.
    """
    defaulter = _DEFAULTERS.get(str(obj.get("kind")))
    if defaulter is not None:
        defaulter(obj)
    if previous is None and obj.get("kind") == "PersistentVolumeClaim":
        finalizers = obj.setdefault("metadata", {}).setdefault("finalizers", [])
        if PVC_PROTECTION not in finalizers:
            finalizers.append(PVC_PROTECTION)
    if obj.get("kind") != "Service":
        return
    spec = obj.setdefault("spec", {})
    if spec.get("type") == "ExternalName" or spec.get("clusterIP"):
        return
    kept = ((previous or {}).get("spec") or {}).get("clusterIP")
    address = kept or (allocate_ip() if allocate_ip is not None else None)
    if address:
        spec["clusterIP"] = address
        spec["clusterIPs"] = [address]


def _pod(obj: Obj) -> None:
    _pod_spec(obj.setdefault("spec", {}))
    spec = obj["spec"]
    tolerations = spec.setdefault("tolerations", [])
    for toleration in _NOT_READY_TOLERATIONS:
        if not any(t.get("key") == toleration["key"] for t in tolerations):
            tolerations.append(dict(toleration))
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", qos_class(spec))


def _pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for field in ("containers", "initContainers"):
        for container in spec.get(field) or []:
            _container(container)


def _container(container: Obj) -> None:
    image = str(container.get("image") or "")
    tail = image.rsplit("/", 1)[-1]
    untagged_or_latest = "@" not in image and (":" not in tail or tail.endswith(":latest"))
    container.setdefault("imagePullPolicy", "Always" if untagged_or_latest else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    resources = container["resources"]
    if resources.get("limits") and not resources.get("requests"):
        resources["requests"] = dict(resources["limits"])
    elif resources.get("limits"):
        for name, value in resources["limits"].items():
            resources["requests"].setdefault(name, value)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            probe.setdefault("timeoutSeconds", 1)
            probe.setdefault("periodSeconds", 10)
            probe.setdefault("successThreshold", 1)
            probe.setdefault("failureThreshold", 3)
            http_get = probe.get("httpGet")
            if isinstance(http_get, dict):
                http_get.setdefault("path", "/")
                http_get.setdefault("scheme", "HTTP")


def qos_class(spec: Obj) -> str:
    """Guaranteed, Burstable or BestEffort, from the containers' requests and limits."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    any_set = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits.get(name)) != limits.get(name):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _template(obj: Obj) -> None:
    template = obj.setdefault("spec", {}).setdefault("template", {})
    template.setdefault("metadata", {})
    _pod_spec(template.setdefault("spec", {}))


def _deployment(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    _template(obj)


def _replica_set(obj: Obj) -> None:
    obj.setdefault("spec", {}).setdefault("replicas", 1)
    _template(obj)


def _stateful_set(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault(
        "persistentVolumeClaimRetentionPolicy",
        {
            "whenDeleted": "Retain",
            "whenScaled": "Retain",
        },
    )
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {"partition": 0})
    _template(obj)


def _daemon_set(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
    _template(obj)


def _job(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    _template(obj)


def _cron_job(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.setdefault("jobTemplate", {})
    _job(job_template)


def _service(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
    obj.setdefault("status", {"loadBalancer": {}})


def _namespace(obj: Obj) -> None:
    name = str((obj.get("metadata") or {}).get("name") or "")
    labels = obj.setdefault("metadata", {}).setdefault("labels", {})
    if name:
        labels.setdefault("kubernetes.io/metadata.name", name)
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def _secret(obj: Obj) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _pvc(obj: Obj) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _pv(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Available")


def _node(obj: Obj) -> None:
    obj.setdefault("spec", {})


def _event(obj: Obj) -> None:
    obj.setdefault("type", "Normal")
    obj.setdefault("count", 1)


def _limit_range(obj: Obj) -> None:
    """A Container item's ``default`` from ``max``, ``defaultRequest`` from ``default``/``min``."""
    for item in (obj.get("spec") or {}).get("limits") or []:
        if item.get("type") != "Container":
            continue
        default = item.setdefault("default", {})
        request = item.setdefault("defaultRequest", {})
        for source, target in ((item.get("max"), default), (default, request)):
            for name, value in (source or {}).items():
                target.setdefault(name, value)
        for name, value in (item.get("min") or {}).items():
            request.setdefault(name, value)
        for key in ("default", "defaultRequest"):
            if not item[key]:
                del item[key]


_DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "StatefulSet": _stateful_set,
    "DaemonSet": _daemon_set,
    "Job": _job,
    "CronJob": _cron_job,
    "Service": _service,
    "Namespace": _namespace,
    "Secret": _secret,
    "PersistentVolumeClaim": _pvc,
    "PersistentVolume": _pv,
    "Node": _node,
    "Event": _event,
    "LimitRange": _limit_range,
}


class ClusterIPAllocator:
    """Hands out Service ClusterIPs from 10.96.0.0/12, skipping the ones in use."""

    def __init__(self, cidr: str = "10.96.0.0/12") -> None:
        self._network = ipaddress.ip_network(cidr)
        self._next = 10
        self._used: set[str] = set()

    def reserve(self, address: str) -> None:
        self._used.add(address)

    def allocate(self) -> str:
        while True:
            address = str(self._network.network_address + self._next)
            self._next += 1
            if address not in self._used:
                self._used.add(address)
                return address

    def reset(self) -> None:
        self._next = 10
        self._used.clear()
