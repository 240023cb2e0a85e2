"""The storage chain behind a pod: Pod → PersistentVolumeClaim → StorageClass → PersistentVolume.

A pod waiting for "unbound immediate PersistentVolumeClaims" is only a symptom; the cause sits
further down the chain (a claim that does not exist, a StorageClass that does not exist, a
provisioner that is not running). Following the chain once, here, lets the pending analyzer
quote the claim's own ProvisioningFailed event instead of the scheduler's generic line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubemedic.analyzers._placement import NodeConstraint, volume_node_constraint
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Event, KObject, Pod, dig

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
CLASS_NOT_FOUND = re.compile(r'storageclass\.storage\.k8s\.io "(?P<name>[^"]+)" not found')
_TELLING_EVENTS = ("ProvisioningFailed", "FailedBinding", "ExternalProvisioning")


@dataclass(frozen=True, slots=True)
class Claim:
    """One PersistentVolumeClaim a pod mounts, and everything behind it that was collected."""

    volume: str
    name: str
    namespace: str
    pvc: KObject | None
    missing: bool
    storage_class_name: str | None
    storage_class: KObject | None
    storage_class_missing: bool
    pv: KObject | None
    events: tuple[Event, ...]

    @property
    def phase(self) -> str:
        return str(self.pvc.status.get("phase") or "") if self.pvc is not None else ""

    @property
    def binding_mode(self) -> str:
        if self.storage_class is None:
            return ""
        return str(self.storage_class.raw.get("volumeBindingMode") or "Immediate")

    @property
    def provisioner(self) -> str:
        return str(self.storage_class.raw.get("provisioner") or "") if self.storage_class else ""

    @property
    def is_bound(self) -> bool:
        return self.phase == "Bound"

    @property
    def telling_event(self) -> Event | None:
        """The claim's newest event that explains why it is not bound."""
        warnings = [e for e in self.events if e.reason in _TELLING_EVENTS and e.type == "Warning"]
        telling = warnings or [e for e in self.events if e.reason in _TELLING_EVENTS]
        return telling[-1] if telling else None

    @property
    def volume_constraint(self) -> NodeConstraint | None:
        """Where the bound volume can be used (zonal disks, local volumes), if it says."""
        if self.pv is None:
            return None
        constraint = volume_node_constraint(self.pv.raw)
        return None if constraint.is_empty else constraint

    @property
    def problem(self) -> str | None:
        """Why this claim keeps the pod from scheduling, in one sentence; None if it does not."""
        ref = f'PersistentVolumeClaim "{self.name}"'
        if self.missing:
            return f"{ref} does not exist in namespace {self.namespace}"
        if self.pvc is None or self.is_bound:
            return None
        if self.phase == "Lost":
            return f"{ref} is Lost: its PersistentVolume {self._pv_name} no longer exists"
        if self.storage_class_missing:
            return f'{ref} asks for StorageClass "{self.storage_class_name}", which does not exist'
        event = self.telling_event
        if self.binding_mode == "WaitForFirstConsumer" and (
            event is None or event.type != "Warning"
        ):
            return None  # binds once the pod is scheduled: a consequence, not the cause
        state = f"{ref} is {self.phase or 'not bound'}"
        if event is not None:
            return f"{state}: {event.reason}: {event.message}"
        if self.storage_class_name == "" or (
            self.storage_class_name is None and self.storage_class is None
        ):
            return f"{state}: it names no StorageClass, so only a matching existing PV can bind it"
        return state

    @property
    def _pv_name(self) -> str:
        return str(dig(self.pvc.raw if self.pvc else {}, "spec", "volumeName") or "")


def pod_claims(view: ClusterView, pod: Pod) -> tuple[Claim, ...]:
    """Every claim the pod's volumes reference, followed down the storage chain."""
    claims = []
    for volume in pod.volumes:
        name = _claim_name(pod, volume)
        if name:
            claims.append(_follow(view, pod.namespace, str(volume.get("name") or ""), name))
    return tuple(claims)


def _claim_name(pod: Pod, volume: object) -> str:
    claim = dig(volume, "persistentVolumeClaim", "claimName")
    if isinstance(claim, str):
        return claim
    if dig(volume, "ephemeral") is not None:  # generic ephemeral volume: <pod>-<volume>
        return f"{pod.name}-{dig(volume, 'name')}"
    return ""


def _follow(view: ClusterView, namespace: str, volume: str, name: str) -> Claim:
    pvc = view.get("PersistentVolumeClaim", namespace, name)
    events = view.events_for(pvc) if pvc is not None else ()
    class_name = _class_name(pvc)
    storage_class = _storage_class(view, class_name)
    not_found = any(CLASS_NOT_FOUND.search(e.message) for e in events)
    class_missing = (
        bool(class_name) and storage_class is None and (not_found or view.knows("StorageClass"))
    )
    pv_name = dig(pvc.raw, "spec", "volumeName") if pvc is not None else None
    pv = view.get("PersistentVolume", "", pv_name) if isinstance(pv_name, str) else None
    return Claim(
        volume=volume,
        name=name,
        namespace=namespace,
        pvc=pvc,
        missing=pvc is None and view.knows("PersistentVolumeClaim", namespace),
        storage_class_name=class_name,
        storage_class=storage_class,
        storage_class_missing=class_missing,
        pv=pv,
        events=events,
    )


def _class_name(pvc: KObject | None) -> str | None:
    if pvc is None:
        return None
    name = pvc.spec.get("storageClassName")
    return str(name) if isinstance(name, str) else None


def _storage_class(view: ClusterView, name: str | None) -> KObject | None:
    """The claim's StorageClass; the cluster default when the claim names none."""
    if name:
        return view.get("StorageClass", "", name)
    return default_class(view) if name is None else None


def is_default_class(storage_class: KObject) -> bool:
    return storage_class.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"


def default_class(view: ClusterView) -> KObject | None:
    """The StorageClass marked as the cluster default, if any."""
    return next((c for c in view.objects("StorageClass") if is_default_class(c)), None)
