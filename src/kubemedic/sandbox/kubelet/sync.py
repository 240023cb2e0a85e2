"""One pod sync: the objects it reads, the moment it runs at, and when to look again.

Every step of the kubelet (pulls, container starts, probes, status) receives the same
``Sync`` so it writes events in the kubelet's name and asks for its next wake-up in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubemedic.sandbox.kubelet.images import Catalog
from kubemedic.sandbox.kubelet.network import ClusterNetwork
from kubemedic.sandbox.kubelet.state import ContainerRuntime, PodRuntime
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
COMPONENT = "kubelet"
MAX_BACKOFF = 300.0
FIRST_BACKOFF = 10.0


@dataclass
class Sync:
    """Everything one pod sync needs, and the wake-up times it collects."""

    store: Store
    recorder: EventRecorder
    catalog: Catalog
    pod: Obj
    node: Obj
    runtime: PodRuntime
    now: datetime
    images: set[str]
    network: ClusterNetwork
    wake: list[float] = field(default_factory=list)

    @property
    def host(self) -> str:
        return str(self.node["metadata"]["name"])

    @property
    def arch(self) -> str:
        return str((self.node["metadata"].get("labels") or {}).get("kubernetes.io/arch", "amd64"))

    @property
    def container_runtime(self) -> str:
        """The node's container runtime: ``containerd``, or ``docker`` (cri-dockerd)."""
        info = (self.node.get("status") or {}).get("nodeInfo") or {}
        version = str(info.get("containerRuntimeVersion") or "containerd://")
        return version.split("://", 1)[0]

    @property
    def node_ip(self) -> str:
        for address in (self.node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return str(address.get("address"))
        return ""

    def event(self, spec: Obj, init: bool, type_: str, reason: str, message: str) -> None:
        group = "initContainers" if init else "containers"
        self.recorder.record(
            self.pod,
            type_,
            reason,
            message,
            component=COMPONENT,
            host=self.host,
            field_path=f"spec.{group}{{{spec['name']}}}",
        )

    def after(self, moment: datetime) -> None:
        self.wake.append(max((moment - self.now).total_seconds(), 0.0))

    @property
    def pod_ref(self) -> str:
        meta = self.pod["metadata"]
        return f"{meta['name']}_{meta['namespace']}({meta['uid']})"


def retry(sync: Sync, cr: ContainerRuntime, cap: float = MAX_BACKOFF) -> None:
    """Try this container again after a back-off that doubles up to ``cap``."""
    cr.retry_backoff = min(max(cr.retry_backoff * 2, FIRST_BACKOFF), cap)
    sync.wake.append(cr.retry_backoff)
