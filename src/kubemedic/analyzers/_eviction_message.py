"""The kubelet's eviction message, parsed: which resource ran out, by how much, and who used it.

``The node was low on resource: memory. Threshold quantity: 100Mi, available: 58472Ki.
Container mem-eater was using 3694056Ki, request is 100Mi, has larger consumption of memory.``
carries the node-level cause and the container that tipped it; the ephemeral-storage forms name
a limit the pod itself broke. Reading them as data separates "the node was short" (fix
requests or capacity) from "the pod passed its own limit" (fix the pod).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubemedic.models.categories import Category

_NODE_LOW = re.compile(r"The node was low on resource: (?P<resource>[\w./-]+)\.")
_THRESHOLD = re.compile(
    r"Threshold quantity: (?P<threshold>[^,]+), available: (?P<available>\S+?)\.(?:\s|$)"
)
_HOG = re.compile(
    r"Container (?P<name>\S+) was using (?P<usage>\S+), request is (?P<request>\S+), "
    r"has larger consumption of (?P<resource>[\w./-]+)\."
)
# Older kubelets: "Container x was using 1275700Ki, which exceeds its request of 0."
_OLD_HOG = re.compile(
    r"Container (?P<name>\S+) was using (?P<usage>\S+), which exceeds its request of "
    r"(?P<request>\S+?)\.(?:\s|$)"
)
_POD_LIMIT = re.compile(
    r"Pod ephemeral local storage usage exceeds the total limit of containers "
    r"(?P<limit>\S+?)\.(?:\s|$)"
)
_CONTAINER_LIMIT = re.compile(
    r'Container (?P<name>\S+) exceeded its local ephemeral storage limit "(?P<limit>[^"]+)"'
)
_EMPTYDIR_LIMIT = re.compile(
    r'Usage of EmptyDir volume "(?P<name>[^"]+)" exceeds the limit "(?P<limit>[^"]+)"'
)
_NODE_CONDITION = re.compile(r"The node had condition: \[(?P<conditions>[^\]]*)\]")
_LIST_SPLIT = re.compile(r"[,\s]+")

_BY_RESOURCE = {
    "memory": Category.EVICTED_MEMORY_PRESSURE,
    "pids": Category.EVICTED_PID_PRESSURE,
}
_BY_CONDITION = {
    "MemoryPressure": Category.EVICTED_MEMORY_PRESSURE,
    "DiskPressure": Category.EVICTED_DISK_PRESSURE,
    "PIDPressure": Category.EVICTED_PID_PRESSURE,
}


@dataclass(frozen=True, slots=True)
class Hog:
    """A container the kubelet named for using more than it requested."""

    container: str
    usage: str
    request: str
    resource: str


@dataclass(frozen=True, slots=True)
class LimitBreach:
    """The pod's own ephemeral-storage limit was passed: ``pod``, ``container`` or ``emptyDir``."""

    scope: str
    subject: str
    limit: str

    @property
    def sentence(self) -> str:
        if self.scope == "emptyDir":
            return f'emptyDir volume "{self.subject}" grew past its sizeLimit {self.limit}'
        if self.scope == "container":
            return (
                f"container {self.subject} wrote more than its ephemeral-storage limit {self.limit}"
            )
        return (
            "the pod's containers together wrote more than their total ephemeral-storage "
            f"limit {self.limit}"
        )


@dataclass(frozen=True, slots=True)
class EvictionNotice:
    """A parsed ``status.message`` of an evicted pod."""

    message: str
    resource: str = ""
    threshold: str = ""
    available: str = ""
    hogs: tuple[Hog, ...] = ()
    breach: LimitBreach | None = None
    node_conditions: tuple[str, ...] = ()

    @property
    def category(self) -> Category | None:
        """The eviction family, or None when the message names no resource kubemedic knows."""
        if self.breach is not None:
            return Category.EVICTED_EPHEMERAL_STORAGE
        if self.resource:
            return _BY_RESOURCE.get(self.resource, Category.EVICTED_DISK_PRESSURE)
        for condition in self.node_conditions:
            if condition in _BY_CONDITION:
                return _BY_CONDITION[condition]
        return None


def parse_eviction(message: str) -> EvictionNotice:
    """Read every fragment the kubelet may have written into an eviction message."""
    low = _NODE_LOW.search(message)
    threshold = _THRESHOLD.search(message)
    resource = low["resource"] if low else ""
    hogs = tuple(
        Hog(m["name"], m["usage"], m["request"], m["resource"]) for m in _HOG.finditer(message)
    ) + tuple(
        Hog(m["name"], m["usage"], m["request"], resource) for m in _OLD_HOG.finditer(message)
    )
    conditions = _NODE_CONDITION.search(message)
    return EvictionNotice(
        message=message.strip(),
        resource=resource,
        threshold=threshold["threshold"].strip() if threshold else "",
        available=threshold["available"] if threshold else "",
        hogs=hogs,
        breach=_breach(message),
        node_conditions=tuple(_LIST_SPLIT.split(conditions["conditions"].strip()))
        if conditions and conditions["conditions"].strip()
        else (),
    )


def _breach(message: str) -> LimitBreach | None:
    container = _CONTAINER_LIMIT.search(message)
    if container:
        return LimitBreach("container", container["name"], container["limit"])
    empty_dir = _EMPTYDIR_LIMIT.search(message)
    if empty_dir:
        return LimitBreach("emptyDir", empty_dir["name"], empty_dir["limit"])
    pod = _POD_LIMIT.search(message)
    if pod:
        return LimitBreach("pod", "", pod["limit"])
    return None
