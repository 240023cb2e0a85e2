"""Deployments, Nodes and PersistentVolumeClaims from ``kubectl describe`` text.

A Deployment's text gives its replica counts, strategy, pod template and condition reasons
(not their messages, nor the progress deadline); a Node's its taints, conditions with their
times, capacity and system info; a claim's its class, phase, volume and access modes.
"""

from __future__ import annotations

import re
from typing import Any

from kubemedic.adapters.kubernetes.describe_meta import (
    conditions,
    described,
    key_values,
    metadata,
)
from kubemedic.adapters.kubernetes.describe_pod import pod_spec
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import Clock

Raw = dict[str, Any]

_REPLICAS = re.compile(r"(\d+) (desired|updated|total|available|unavailable)")
_REPLICA_FIELDS = {
    "updated": "updatedReplicas",
    "total": "replicas",
    "available": "availableReplicas",
    "unavailable": "unavailableReplicas",
}
_ROLLING = re.compile(r"(?P<unavailable>\S+) max unavailable, (?P<surge>\S+) max surge")
_TAINT = re.compile(r"(?P<key>[^=:\s]+)(?:=(?P<value>[^:\s]*))?:(?P<effect>\w+)")
_ACCESS_MODES = {
    "RWO": "ReadWriteOnce",
    "ROX": "ReadOnlyMany",
    "RWX": "ReadWriteMany",
    "RWOP": "ReadWriteOncePod",
}
_NODE_INFO = {
    "Machine ID": "machineID",
    "System UUID": "systemUUID",
    "Boot ID": "bootID",
    "Kernel Version": "kernelVersion",
    "OS Image": "osImage",
    "Operating System": "operatingSystem",
    "Architecture": "architecture",
    "Container Runtime Version": "containerRuntimeVersion",
    "Kubelet Version": "kubeletVersion",
    "Kube-Proxy Version": "kubeProxyVersion",
}


def describe_deployment(doc: Field, clock: Clock) -> list[Raw]:
    meta = metadata(doc)
    spec: Raw = {}
    status: Raw = {}
    for number, word in _REPLICAS.findall(doc.text("Replicas")):
        if word == "desired":
            spec["replicas"] = int(number)
        else:
            status[_REPLICA_FIELDS[word]] = int(number)
    selector = dict(
        (key.strip(), value.strip())
        for key, sep, value in (p.partition("=") for p in doc.text("Selector").split(","))
        if sep
    )
    if selector:
        spec["selector"] = {"matchLabels": selector}
    strategy: Raw = {}
    if kind := doc.text("StrategyType"):
        strategy["type"] = kind
    rolling = _ROLLING.fullmatch(doc.text("RollingUpdateStrategy"))
    if rolling is not None:
        strategy["rollingUpdate"] = {
            "maxUnavailable": _int_or_percent(rolling["unavailable"]),
            "maxSurge": _int_or_percent(rolling["surge"]),
        }
    if strategy:
        spec["strategy"] = strategy
    ready_seconds = doc.text("MinReadySeconds")
    if ready_seconds.isdigit():
        spec["minReadySeconds"] = int(ready_seconds)
    template = doc.child("Pod Template")
    if template is not None:
        labels = key_values(template.child("Labels"), "=")
        spec["template"] = {
            "metadata": {"labels": labels} if labels else {},
            "spec": pod_spec(template),
        }
    found = conditions(doc.child("Conditions"))
    if found:
        status["conditions"] = found
    parts = {"metadata": meta, "spec": spec, "status": status}
    return described(doc, clock, "apps/v1", "Deployment", parts)


def describe_node(doc: Field, clock: Clock) -> list[Raw]:
    meta = metadata(doc, namespaced=False)
    spec: Raw = {}
    taints = [t for t in map(_taint, doc.values_of("Taints")) if t]
    if taints:
        spec["taints"] = taints
    if doc.text("Unschedulable") == "true":
        spec["unschedulable"] = True
    if cidr := doc.text("PodCIDR"):
        spec["podCIDR"] = cidr
    status: Raw = {}
    found = conditions(doc.child("Conditions"))
    if found:
        status["conditions"] = found
    addresses = doc.child("Addresses")
    if addresses is not None and addresses.children:
        status["addresses"] = [{"type": a.key, "address": a.value} for a in addresses.children]
    for key, name in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        section = doc.child(key)
        if section is not None and section.children:
            status[name] = {c.key: c.value for c in section.children}
    info = doc.child("System Info")
    if info is not None:
        node_info = {_NODE_INFO[c.key]: c.value for c in info.children if c.key in _NODE_INFO}
        if node_info:
            status["nodeInfo"] = node_info
    return described(doc, clock, "v1", "Node", {"metadata": meta, "spec": spec, "status": status})


def describe_claim(doc: Field, clock: Clock) -> list[Raw]:
    meta = metadata(doc)
    finalizers = doc.text("Finalizers").strip("[]").split()
    if finalizers:
        meta["finalizers"] = finalizers
    spec: Raw = {}
    storage_class = doc.text("StorageClass")
    if storage_class and storage_class != "<none>":
        spec["storageClassName"] = storage_class
    if volume := doc.text("Volume"):
        spec["volumeName"] = volume
    modes = [_ACCESS_MODES.get(m, m) for m in doc.text("Access Modes").split(",") if m]
    if modes:
        spec["accessModes"] = modes
    if mode := doc.text("VolumeMode"):
        spec["volumeMode"] = mode
    status: Raw = {}
    if phase := doc.text("Status"):
        status["phase"] = phase
    if capacity := doc.text("Capacity"):
        status["capacity"] = {"storage": capacity}
    if modes and capacity:
        status["accessModes"] = modes
    parts = {"metadata": meta, "spec": spec, "status": status}
    return described(doc, clock, "v1", "PersistentVolumeClaim", parts)


def _int_or_percent(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _taint(text: str) -> Raw:
    match = _TAINT.fullmatch(text.strip())
    if match is None:
        return {}
    taint: Raw = {"key": match["key"], "effect": match["effect"]}
    if match["value"]:
        taint["value"] = match["value"]
    return taint
