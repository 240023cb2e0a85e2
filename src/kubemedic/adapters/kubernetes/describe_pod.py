"""A Pod from ``kubectl describe pod`` text, in the layouts kubectl has printed since 2015.

Field names moved between versions (``Controlled By`` / ``Created By`` / ``Controllers`` /
``Replication Controllers``, ``Mounts`` / ``Volume Mounts``, ``QoS Class`` / ``QoS Tier``,
``Node: <none>`` / ``Node: /``); each is read under all its names. A pod being deleted prints
``Status: Terminating (lasts 5m)`` (before kubectl 1.5: ``(expires <date>)``) instead of its
phase, which then stays unknown.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kubemedic.adapters.kubernetes.describe_containers import container_spec, container_status
from kubemedic.adapters.kubernetes.describe_meta import (
    conditions,
    described,
    events_of,
    flag,
    key_values,
    metadata,
)
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_age, parse_date, stamp

Raw = dict[str, Any]

_PHASES = frozenset({"Pending", "Running", "Succeeded", "Failed", "Unknown"})
_TERMINATING = re.compile(r"Terminating \((?:lasts (?P<age>[^)]*)|expires (?P<date>[^)]*))\)")
"""``lasts <age since deletionTimestamp>``; kubectl before 1.5: ``expires <deletionTimestamp>``."""
_CONTROLLER_KEYS = ("Controlled By", "Created By", "Controllers", "Replication Controllers")
_ALWAYS_RESTARTED = frozenset({"ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"})
"""Controllers whose pods the API only accepts with ``restartPolicy: Always``."""
_TOLERATION = re.compile(
    r"(?P<key>[^\s=:]*)(?:=(?P<value>[^\s:]*))?(?::(?P<effect>\w+))?"
    r"(?:\s*op=(?P<op>\w+))?(?:\s+for (?P<seconds>\d+)s)?"
)
_VOLUME_FIELDS = {
    "ConfigMap": ("configMap", {"Name": "name", "Optional": "optional"}),
    "Secret": ("secret", {"SecretName": "secretName", "Optional": "optional"}),
    "PersistentVolumeClaim": (
        "persistentVolumeClaim",
        {"ClaimName": "claimName", "ReadOnly": "readOnly"},
    ),
    "EmptyDir": ("emptyDir", {"Medium": "medium", "SizeLimit": "sizeLimit"}),
    "HostPath": ("hostPath", {"Path": "path", "HostPathType": "type"}),
    "NFS": ("nfs", {"Server": "server", "Path": "path", "ReadOnly": "readOnly"}),
    "CSI": ("csi", {"Driver": "driver", "FSType": "fsType", "ReadOnly": "readOnly"}),
}


def describe_pod(doc: Field, clock: Clock) -> list[Raw]:
    """The pod and its events."""
    meta = metadata(doc)
    if (owner := _owner_of_excerpt(doc, meta)) is not None:
        meta["ownerReferences"] = [owner]
    spec = pod_spec(doc)
    owners = meta.get("ownerReferences") or ()
    if any(owner["kind"] in _ALWAYS_RESTARTED for owner in owners):
        spec["restartPolicy"] = "Always"
    status = _status(doc)
    if "startTime" not in status and (scheduled := _scheduled_at(doc, clock)) is not None:
        status["startTime"] = scheduled
    state = doc.text("Status")
    terminating = _TERMINATING.fullmatch(state)
    if terminating is not None:
        if terminating["date"] is not None:
            deleted = stamp(parse_date(terminating["date"]))
        else:
            deleted = clock.ago(parse_age(terminating["age"]))
        meta["deletionTimestamp"] = deleted or clock.ago(0)
        grace = doc.text("Termination Grace Period").rstrip("s")
        if grace.isdigit():
            meta["deletionGracePeriodSeconds"] = int(grace)
    return described(doc, clock, "v1", "Pod", {"metadata": meta, "spec": spec, "status": status})


def _scheduled_at(doc: Field, clock: Clock) -> str | None:
    """When the scheduler placed a pod pasted without its ``Start Time`` (an excerpt from its
    events on): its ``Scheduled`` event, moments before the kubelet started it."""
    for row in events_of(doc):
        if row.reason == "Scheduled":
            first = row.first if row.first is not None else row.last
            return stamp(first) if isinstance(first, datetime) else clock.ago(first)
    return None


def _owner_of_excerpt(doc: Field, meta: Raw) -> Raw | None:
    """The ReplicaSet of a pod whose pasted excerpt stops before ``Controlled By``.

    Its name is ``<replicaset>-<suffix>`` and the set's name ends in the pod's
    ``pod-template-hash`` label: the ReplicaSet controller's naming. A description that goes on
    to its containers and names no controller is a pod without one.
    """
    if any(doc.child(key) is not None for key in (*_CONTROLLER_KEYS, "Containers")):
        return None
    template_hash = meta.get("labels", {}).get("pod-template-hash", "")
    replica_set, _, suffix = str(meta["name"]).rpartition("-")
    if not template_hash or not suffix or not replica_set.endswith(f"-{template_hash}"):
        return None
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set, "controller": True}


def pod_spec(doc: Field) -> Raw:
    """A pod spec from the fields of a pod, or of a workload's ``Pod Template``."""
    spec: Raw = {}
    node, _, _ = doc.text("Node").partition("/")
    if node and node != "<none>":
        spec["nodeName"] = node
    if account := doc.text("Service Account"):
        spec["serviceAccountName"] = account
    priority = doc.text("Priority")
    if priority.lstrip("-").isdigit():
        spec["priority"] = int(priority)
    priority_class = doc.text("Priority Class Name", "PriorityClassName")
    if priority_class and priority_class != "<none>":
        spec["priorityClassName"] = priority_class
    for key, name in (("Init Containers", "initContainers"), ("Containers", "containers")):
        if sections := doc.children_of(key):
            spec[name] = [container_spec(c) for c in sections]
    volumes = [_volume(v) for v in doc.children_of("Volumes")]
    if volumes:
        spec["volumes"] = volumes
    selector = key_values(doc.child("Node-Selectors"), "=")
    if selector:
        spec["nodeSelector"] = selector
    tolerations = [t for t in map(_toleration, doc.values_of("Tolerations")) if t]
    if tolerations:
        spec["tolerations"] = tolerations
    return spec


def _status(doc: Field) -> Raw:
    status: Raw = {}
    phase = doc.text("Status")
    if phase in _PHASES:
        status["phase"] = phase
    for key, name in (("Reason", "reason"), ("Message", "message")):
        if value := doc.text(key):
            status[name] = value
    _, _, host_ip = doc.text("Node").partition("/")
    if host_ip:
        status["hostIP"] = host_ip
    ip = doc.text("IP")
    if ip and ip != "<none>":
        status["podIP"] = ip
    addresses = [{"ip": a.value} for a in doc.children_of("IPs") if a.value]
    if addresses:
        status["podIPs"] = addresses
    started = stamp(parse_date(doc.text("Start Time")))
    if started is not None:
        status["startTime"] = started
    qos = doc.text("QoS Class", "QoS Tier")
    if qos:
        status["qosClass"] = qos
    found = conditions(doc.child("Conditions"))
    if found:
        status["conditions"] = found
    for key, name in (
        ("Init Containers", "initContainerStatuses"),
        ("Containers", "containerStatuses"),
    ):
        if sections := doc.children_of(key):
            status[name] = [container_status(c) for c in sections]
    return status


def _volume(section: Field) -> Raw:
    volume: Raw = {"name": section.key}
    type_name = section.text("Type").split(" ", 1)[0]
    key, fields = _VOLUME_FIELDS.get(type_name, (type_name[:1].lower() + type_name[1:], {}))
    source: Raw = {}
    for label, name in fields.items():
        value = section.text(label)
        if not value or value.startswith("<"):
            continue
        switch = flag(value)
        source[name] = switch if switch is not None else value
    if key:
        volume[key] = source
    return volume


def _toleration(text: str) -> Raw:
    match = _TOLERATION.fullmatch(text.strip())
    if match is None:
        return {}
    toleration: Raw = {}
    if match["key"]:
        toleration["key"] = match["key"]
    if match["value"] is not None:
        toleration["operator"] = "Equal"
        toleration["value"] = match["value"]
    elif match["op"]:
        toleration["operator"] = match["op"]
    if match["effect"]:
        toleration["effect"] = match["effect"]
    if match["seconds"]:
        toleration["tolerationSeconds"] = int(match["seconds"])
    return toleration
