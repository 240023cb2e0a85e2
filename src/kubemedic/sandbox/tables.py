"""Server-side printing: the ``meta.k8s.io/v1`` Table that ``kubectl get`` asks for.

kubectl prints whatever columns the API server returns, so this is where a pod's STATUS reads
``CrashLoopBackOff`` or ``Init:0/1`` and a Deployment's READY reads ``1/2``. Each kind's columns
and cell rules follow the Kubernetes printers (``pkg/printers/internalversion``); wide columns
carry priority 1 and appear with ``-o wide``. Kinds without their own columns get Name and
Created At, as on a real server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import parse_time
from kubemedic.sandbox.podstatus import pod_status_cells
from kubemedic.sandbox.tables_workloads import (
    AGE_COLUMN,
    NAME_COLUMN,
    WORKLOAD_COLUMNS,
    Column,
    age,
    name_cell,
    none_if_empty,
)

Obj = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TableOptions:
    include_object: str = "Metadata"  # None | Metadata | Object, as ?includeObject= says


def to_table(
    kind: str,
    objects: Sequence[Obj],
    now: datetime,
    options: TableOptions,
    *,
    list_meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Table of ``objects`` of ``kind`` as the API server renders it for ``kubectl get``."""
    columns = COLUMNS.get(kind, _DEFAULT_COLUMNS)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(list_meta or {}),
        "columnDefinitions": [
            {
                "name": c.name,
                "type": c.type,
                "format": "name" if c.name == "Name" else c.format,
                "description": c.description or c.name,
                "priority": c.priority,
            }
            for c in columns
        ],
        "rows": [_row(obj, columns, now, options) for obj in objects],
    }


def _row(
    obj: Obj, columns: tuple[Column, ...], now: datetime, options: TableOptions
) -> dict[str, Any]:
    row: dict[str, Any] = {"cells": [c.cell(obj, now) for c in columns]}
    if options.include_object == "Object":
        row["object"] = obj
    elif options.include_object != "None":
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {},
        }
    conditions = _row_conditions(obj)
    if conditions:
        row["conditions"] = conditions
    return row


_POD_ENDED = {"Succeeded": "The pod has completed successfully.", "Failed": "The pod failed."}


def _row_conditions(obj: Obj) -> list[dict[str, str]]:
    phase = str((obj.get("status") or {}).get("phase"))
    if obj.get("kind") == "Pod" and phase in _POD_ENDED:
        return [
            {"type": "Completed", "status": "True", "reason": phase, "message": _POD_ENDED[phase]}
        ]
    return []


# ---------------------------------------------------------------- Pod


def _pod_ip(pod: Obj, _: datetime) -> str:
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    return str((ips[0].get("ip") if ips else None) or status.get("podIP") or "<none>")


def _readiness_gates(pod: Obj, _: datetime) -> str:
    gates = (pod.get("spec") or {}).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {
        c.get("type"): c.get("status") for c in (pod.get("status") or {}).get("conditions") or []
    }
    passing = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{passing}/{len(gates)}"


def _pod_cell(index: int) -> Callable[[Obj, datetime], str]:
    return lambda pod, now: pod_status_cells(pod, now)[index]


_POD_COLUMNS = (
    NAME_COLUMN,
    Column("Ready", _pod_cell(0), description="The aggregate readiness state of this pod"),
    Column("Status", _pod_cell(1), description="The aggregate status of the containers"),
    Column("Restarts", _pod_cell(2), description="The number of times the containers restarted"),
    AGE_COLUMN,
    Column("IP", _pod_ip, priority=1),
    Column("Node", lambda o, _: none_if_empty((o.get("spec") or {}).get("nodeName")), priority=1),
    Column(
        "Nominated Node",
        lambda o, _: none_if_empty((o.get("status") or {}).get("nominatedNodeName")),
        priority=1,
    ),
    Column("Readiness Gates", _readiness_gates, priority=1),
)


# ---------------------------------------------------------------- core kinds


def _node_status(node: Obj, _: datetime) -> str:
    conditions = {
        c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []
    }
    ready = conditions.get("Ready")
    text = "Ready" if ready == "True" else "NotReady" if ready == "False" else "Unknown"
    if (node.get("spec") or {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _node_roles(node: Obj, _: datetime) -> str:
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = sorted(
        k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k
    )
    return ",".join(r for r in roles if r) or "<none>"


def _node_address(kind: str) -> Callable[[Obj, datetime], str]:
    def cell(node: Obj, _: datetime) -> str:
        for address in (node.get("status") or {}).get("addresses") or []:
            if address.get("type") == kind:
                return str(address.get("address"))
        return "<none>"

    return cell


def _node_info(field: str) -> Callable[[Obj, datetime], str]:
    return lambda node, _: str(((node.get("status") or {}).get("nodeInfo") or {}).get(field) or "")


def _service_ports(service: Obj, _: datetime) -> str:
    ports = []
    for port in (service.get("spec") or {}).get("ports") or []:
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        ports.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(ports) or "<none>"


def _external_ip(service: Obj, _: datetime) -> str:
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return str(spec.get("externalName") or "<none>")
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    addresses = [str(i.get("ip") or i.get("hostname")) for i in ingress]
    addresses += [str(a) for a in spec.get("externalIPs") or []]
    if addresses:
        return ",".join(addresses)
    return "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"


def _selector_text(selector: Mapping[str, Any] | None) -> str:
    if not selector:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _endpoints(endpoints: Obj, _: datetime) -> str:
    addresses: list[str] = []
    for subset in endpoints.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for address in subset.get("addresses") or []:
            for port in ports:
                ip = address.get("ip")
                addresses.append(f"{ip}:{port}" if port is not None else str(ip))
    if not addresses:
        return "<none>"
    shown = ",".join(addresses[:3])
    return shown + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")


def _event_time(event: Obj, field: str) -> datetime | None:
    for candidate in (
        event.get(field),
        event.get("eventTime"),
        (event.get("metadata") or {}).get("creationTimestamp"),
    ):
        parsed = parse_time(candidate)
        if parsed:
            return parsed
    return None


def _event_object(event: Obj, _: datetime) -> str:
    involved = event.get("involvedObject") or {}
    return f"{str(involved.get('kind') or '').lower()}/{involved.get('name', '')}"


def _event_source(event: Obj, _: datetime) -> str:
    source = event.get("source") or {}
    text = str(source.get("component") or event.get("reportingComponent") or "")
    if source.get("host"):
        text += f", {source['host']}"
    return text


def _count(field: str) -> Callable[[Obj, datetime], int]:
    return lambda obj, _: len(obj.get(field) or {})


def _pvc_cell(field: str) -> Callable[[Obj, datetime], str]:
    def cell(pvc: Obj, _: datetime) -> str:
        spec = pvc.get("spec") or {}
        status = pvc.get("status") or {}
        bound = status.get("phase") == "Bound"
        if field == "capacity":
            return str((status.get("capacity") or {}).get("storage") or "") if bound else ""
        if field == "modes":
            return _access_modes(status.get("accessModes") or []) if bound else ""
        if field == "class":
            return str(spec.get("storageClassName") or "<unset>")
        return str(spec.get("volumeName") or "")

    return cell


def _access_modes(modes: list[str]) -> str:
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    return ",".join(short.get(m, m) for m in modes)


def _spec(field: str, default: str = "") -> Callable[[Obj, datetime], str]:
    return lambda obj, _: str((obj.get("spec") or {}).get(field, default) or default)


def _status(field: str, default: str = "") -> Callable[[Obj, datetime], str]:
    return lambda obj, _: str((obj.get("status") or {}).get(field, default) or default)


def _volume_phase(obj: Obj, _: datetime) -> str:
    """A claim's or volume's phase, ``Terminating`` once it is being deleted."""
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return str((obj.get("status") or {}).get("phase") or "")


def _claim(pv: Obj, _: datetime) -> str:
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    return f"{ref.get('namespace')}/{ref.get('name')}" if ref else ""


def _event_age(event: Obj, now: datetime, field: str) -> str:
    when = _event_time(event, field)
    return age(when, now) if when else "<unknown>"


_NAME = NAME_COLUMN
_AGE = AGE_COLUMN
_DEFAULT_COLUMNS = (
    _NAME,
    Column(
        "Created At",
        lambda o, _: str((o.get("metadata") or {}).get("creationTimestamp") or ""),
        format="date",
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "Pod": _POD_COLUMNS,
    "Namespace": (_NAME, Column("Status", _status("phase")), _AGE),
    "Node": (
        _NAME,
        Column("Status", _node_status),
        Column("Roles", _node_roles),
        _AGE,
        Column("Version", _node_info("kubeletVersion")),
        Column("Internal-IP", _node_address("InternalIP"), priority=1),
        Column("External-IP", _node_address("ExternalIP"), priority=1),
        Column("OS-Image", _node_info("osImage"), priority=1),
        Column("Kernel-Version", _node_info("kernelVersion"), priority=1),
        Column("Container-Runtime", _node_info("containerRuntimeVersion"), priority=1),
    ),
    "Service": (
        _NAME,
        Column("Type", _spec("type")),
        Column("Cluster-IP", _spec("clusterIP", "<none>")),
        Column("External-IP", _external_ip),
        Column("Port(s)", _service_ports),
        _AGE,
        Column(
            "Selector",
            lambda o, _: _selector_text((o.get("spec") or {}).get("selector")),
            priority=1,
        ),
    ),
    "Endpoints": (_NAME, Column("Endpoints", _endpoints), _AGE),
    "Event": (
        Column("Last Seen", lambda o, now: _event_age(o, now, "lastTimestamp")),
        Column("Type", lambda o, _: str(o.get("type") or "")),
        Column("Reason", lambda o, _: str(o.get("reason") or "")),
        Column("Object", _event_object),
        Column(
            "Subobject",
            lambda o, _: str((o.get("involvedObject") or {}).get("fieldPath") or ""),
            priority=1,
        ),
        Column("Source", _event_source, priority=1),
        Column("Message", lambda o, _: str(o.get("message") or "")),
        Column("First Seen", lambda o, now: _event_age(o, now, "firstTimestamp"), priority=1),
        Column("Count", lambda o, _: int(o.get("count") or 1), type="integer", priority=1),
        Column("Name", name_cell, priority=1),
    ),
    "ConfigMap": (_NAME, Column("Data", _count("data"), type="integer"), _AGE),
    "Secret": (
        _NAME,
        Column("Type", lambda o, _: str(o.get("type") or "")),
        Column("Data", _count("data"), type="integer"),
        _AGE,
    ),
    "ServiceAccount": (_NAME, Column("Secrets", _count("secrets"), type="integer"), _AGE),
    "PersistentVolumeClaim": (
        _NAME,
        Column("Status", _volume_phase),
        Column("Volume", _pvc_cell("volume")),
        Column("Capacity", _pvc_cell("capacity")),
        Column("Access Modes", _pvc_cell("modes")),
        Column("StorageClass", _pvc_cell("class")),
        Column("VolumeAttributesClass", _spec("volumeAttributesClassName", "<unset>")),
        _AGE,
        Column("VolumeMode", _spec("volumeMode"), priority=1),
    ),
    "PersistentVolume": (
        _NAME,
        Column(
            "Capacity",
            lambda o, _: str(((o.get("spec") or {}).get("capacity") or {}).get("storage") or ""),
        ),
        Column(
            "Access Modes",
            lambda o, _: _access_modes((o.get("spec") or {}).get("accessModes") or []),
        ),
        Column("Reclaim Policy", _spec("persistentVolumeReclaimPolicy")),
        Column("Status", _volume_phase),
        Column("Claim", _claim),
        Column("StorageClass", _spec("storageClassName")),
        Column("VolumeAttributesClass", _spec("volumeAttributesClassName", "<unset>")),
        Column("Reason", _status("reason")),
        _AGE,
        Column("VolumeMode", _spec("volumeMode"), priority=1),
    ),
    "StorageClass": (
        _NAME,
        Column("Provisioner", lambda o, _: str(o.get("provisioner") or "")),
        Column("ReclaimPolicy", lambda o, _: str(o.get("reclaimPolicy") or "Delete")),
        Column("VolumeBindingMode", lambda o, _: str(o.get("volumeBindingMode") or "Immediate")),
        Column(
            "AllowVolumeExpansion", lambda o, _: str(bool(o.get("allowVolumeExpansion"))).lower()
        ),
        _AGE,
    ),
    **WORKLOAD_COLUMNS,
}
