"""What each column of a ``kubectl get`` table is, as a field of the object its row shows.

Columns are named as kubectl's printers name them (``pkg/printers/internalversion``), upper
case and without spaces; ``<none>``, ``<unset>`` and ``<unknown>`` cells show nothing. Each
reader sets only the fields its columns show (``object_tables`` says what stays unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Raw = dict[str, Any]
Cells = Mapping[str, str]

_ACCESS_MODES = {
    "RWO": "ReadWriteOnce",
    "ROX": "ReadOnlyMany",
    "RWX": "ReadWriteMany",
    "RWOP": "ReadWriteOncePod",
}
_EMPTY = frozenset({"", "<none>", "<unset>", "<unknown>"})


def _shown(text: str | None) -> str:
    return "" if text is None or text in _EMPTY else text


def _count(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _ratio(text: str | None) -> tuple[int | None, int | None]:
    """``2/3``: ready and desired."""
    ready, _, desired = (text or "").partition("/")
    return _count(ready), _count(desired)


def _set(target: Raw, key: str, value: object) -> None:
    if value is not None and value != "":
        target[key] = value


def _modes(text: str | None) -> list[str]:
    return [_ACCESS_MODES.get(mode, mode) for mode in _shown(text).split(",") if mode]


def _claim(cells: Cells) -> Raw:
    spec: Raw = {}
    status: Raw = {}
    _set(status, "phase", _phase(cells))
    _set(spec, "volumeName", _shown(cells.get("VOLUME")))
    _set(spec, "storageClassName", _shown(cells.get("STORAGECLASS")))
    _set(spec, "volumeAttributesClassName", _shown(cells.get("VOLUMEATTRIBUTESCLASS")))
    _set(spec, "volumeMode", _shown(cells.get("VOLUMEMODE")))
    if capacity := _shown(cells.get("CAPACITY")):
        status["capacity"] = {"storage": capacity}
    _set(status, "accessModes", _modes(cells.get("ACCESSMODES")) or None)
    return {"spec": spec, "status": status}


def _phase(cells: Cells) -> str:
    status = cells.get("STATUS", "")
    return "" if status == "Terminating" else status


def _volume(cells: Cells) -> Raw:
    spec: Raw = {}
    status: Raw = {}
    if capacity := _shown(cells.get("CAPACITY")):
        spec["capacity"] = {"storage": capacity}
    _set(spec, "accessModes", _modes(cells.get("ACCESSMODES")) or None)
    _set(spec, "persistentVolumeReclaimPolicy", _shown(cells.get("RECLAIMPOLICY")))
    _set(spec, "storageClassName", _shown(cells.get("STORAGECLASS")))
    _set(spec, "volumeAttributesClassName", _shown(cells.get("VOLUMEATTRIBUTESCLASS")))
    _set(spec, "volumeMode", _shown(cells.get("VOLUMEMODE")))
    namespace, _, claim = _shown(cells.get("CLAIM")).rpartition("/")
    if claim:
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": claim}
    _set(status, "phase", _phase(cells))
    _set(status, "reason", _shown(cells.get("REASON")))
    return {"spec": spec, "status": status}


def _node(cells: Cells) -> Raw:
    """``Ready``, ``NotReady``, ``Unknown`` (no Ready condition at all), each maybe followed by
    ``,SchedulingDisabled``. NotReady is a Ready condition False or Unknown: kubectl prints both
    alike, so its reason is left unknown."""
    words = cells.get("STATUS", "").split(",")
    status: Raw = {}
    if "Ready" in words:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    elif "NotReady" in words:
        status["conditions"] = [
            {
                "type": "Ready",
                "status": "False",
                "message": "kubectl get nodes shows NotReady, not why: the condition's reason "
                "and message are unknown",
            }
        ]
    info: Raw = {}
    _set(info, "kubeletVersion", _shown(cells.get("VERSION")))
    _set(info, "osImage", _shown(cells.get("OS-IMAGE")))
    _set(info, "kernelVersion", _shown(cells.get("KERNEL-VERSION")))
    _set(info, "containerRuntimeVersion", _shown(cells.get("CONTAINER-RUNTIME")))
    _set(status, "nodeInfo", info or None)
    addresses = [
        {"type": kind, "address": address}
        for kind, column in (("InternalIP", "INTERNAL-IP"), ("ExternalIP", "EXTERNAL-IP"))
        if (address := _shown(cells.get(column)))
    ]
    _set(status, "addresses", addresses or None)
    roles = [role for role in _shown(cells.get("ROLES")).split(",") if role]
    labels = {f"node-role.kubernetes.io/{role}": "" for role in roles}
    spec = {"unschedulable": True} if "SchedulingDisabled" in words else {}
    return {"metadata": {"labels": labels} if labels else {}, "spec": spec, "status": status}


def _workload(cells: Cells) -> Raw:
    """Replica counts: ``READY 2/3`` (ready of desired), or the ``DESIRED CURRENT`` columns
    kubectl printed before 1.11."""
    spec: Raw = {}
    status: Raw = {}
    ready, desired = _ratio(cells.get("READY")) if "/" in cells.get("READY", "") else (None, None)
    if ready is None:
        ready = _count(cells.get("READY"))
    _set(spec, "replicas", desired if desired is not None else _count(cells.get("DESIRED")))
    _set(status, "replicas", _count(cells.get("CURRENT")))
    _set(status, "readyReplicas", ready)
    _set(status, "updatedReplicas", _count(cells.get("UP-TO-DATE")))
    _set(status, "availableReplicas", _count(cells.get("AVAILABLE")))
    _template(spec, cells)
    return {"spec": spec, "status": status}


def _daemon_set(cells: Cells) -> Raw:
    status: Raw = {}
    for column, key in (
        ("DESIRED", "desiredNumberScheduled"),
        ("CURRENT", "currentNumberScheduled"),
        ("READY", "numberReady"),
        ("UP-TO-DATE", "updatedNumberScheduled"),
        ("AVAILABLE", "numberAvailable"),
    ):
        _set(status, key, _count(cells.get(column)))
    spec: Raw = {}
    _template(spec, cells)
    selector = _labels(cells.get("NODESELECTOR"))
    if selector:
        spec.setdefault("template", {}).setdefault("spec", {})["nodeSelector"] = selector
    return {"spec": spec, "status": status}


def _template(spec: Raw, cells: Cells) -> None:
    """What ``-o wide`` adds: the template's containers and images, and a plain selector."""
    names = [n for n in _shown(cells.get("CONTAINERS")).split(",") if n]
    images = [i for i in _shown(cells.get("IMAGES")).split(",") if i]
    if names and len(names) == len(images):
        containers = [{"name": n, "image": i} for n, i in zip(names, images, strict=True)]
        spec["template"] = {"spec": {"containers": containers}}
    selector = _labels(cells.get("SELECTOR"))
    if selector:
        spec["selector"] = {"matchLabels": selector}


def _labels(text: str | None) -> dict[str, str]:
    """``a=b,c=d`` (nothing for a selector with set operators, which is not a plain map)."""
    pairs = [pair.partition("=") for pair in _shown(text).split(",") if pair]
    if not pairs or any(not sep or " " in key for key, sep, _ in pairs):
        return {}
    return {key: value for key, _, value in pairs}


def _storage_class(cells: Cells) -> Raw:
    raw: Raw = {}
    _set(raw, "provisioner", _shown(cells.get("PROVISIONER")))
    _set(raw, "reclaimPolicy", _shown(cells.get("RECLAIMPOLICY")))
    _set(raw, "volumeBindingMode", _shown(cells.get("VOLUMEBINDINGMODE")))
    expansion = cells.get("ALLOWVOLUMEEXPANSION")
    _set(raw, "allowVolumeExpansion", {"true": True, "false": False}.get(expansion or ""))
    return raw


READERS: dict[str, Callable[[Cells], Raw]] = {
    "PersistentVolumeClaim": _claim,
    "PersistentVolume": _volume,
    "Node": _node,
    "Deployment": _workload,
    "StatefulSet": _workload,
    "ReplicaSet": _workload,
    "DaemonSet": _daemon_set,
    "StorageClass": _storage_class,
}
_COMMON = frozenset({"NAMESPACE", "NAME", "AGE"})
_WIDE = frozenset({"CONTAINERS", "IMAGES", "SELECTOR"})
COLUMNS = {
    "PersistentVolumeClaim": _COMMON
    | {"STATUS", "VOLUME", "CAPACITY", "ACCESSMODES", "STORAGECLASS"}
    | {"VOLUMEATTRIBUTESCLASS", "VOLUMEMODE"},
    "PersistentVolume": _COMMON
    | {"CAPACITY", "ACCESSMODES", "RECLAIMPOLICY", "STATUS", "CLAIM", "STORAGECLASS"}
    | {"VOLUMEATTRIBUTESCLASS", "REASON", "VOLUMEMODE"},
    "Node": _COMMON
    | {"STATUS", "ROLES", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE"}
    | {"KERNEL-VERSION", "CONTAINER-RUNTIME"},
    "Deployment": _COMMON | _WIDE | {"READY", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE"},
    "StatefulSet": _COMMON | _WIDE | {"READY", "DESIRED", "CURRENT"},
    "ReplicaSet": _COMMON | _WIDE | {"DESIRED", "CURRENT", "READY"},
    "DaemonSet": _COMMON
    | _WIDE
    | {"DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODESELECTOR"},
    "StorageClass": _COMMON
    | {"PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION"},
}
"""The columns read, by kind."""
