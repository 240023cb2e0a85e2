"""A pod's volumes and what backs each (claim, PV, access modes, driver), and the advice every
mount failure's explanation returns: shared by the mount analyzer and its explainers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._volumes import pod_claims
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import Pod, dig
from kubemedic.models.severity import RiskTier


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    """A pod volume and what backs it, as far as the view knows."""

    name: str
    source: str
    raw: Mapping[str, Any]
    claim: str = ""
    pv: str = ""
    access_modes: tuple[str, ...] = ()
    driver: str = ""

    @property
    def described(self) -> str:
        """``volume data (PVC data → PV pvc-1f2e, ReadWriteOnce, ebs.csi.aws.com)``."""
        if self.claim:
            backing = f"PVC {self.claim}" + (f" → PV {self.pv}" if self.pv else "")
            extras = ", ".join(e for e in (", ".join(self.access_modes), self.driver) if e)
            return f"volume {self.name} ({backing}{', ' + extras if extras else ''})"
        return f"volume {self.name}" + (f" ({self.source})" if self.source else "")


@dataclass(frozen=True, slots=True)
class Advice:
    """One failure explained, with its fix."""

    volume: str
    summary: str
    cause: str
    fix: str
    steps: tuple[str, ...]
    commands: tuple[str, ...]
    risk: RiskTier
    evidence: tuple[Evidence, ...] = ()


def volume_infos(view: ClusterView, pod: Pod) -> dict[str, VolumeInfo]:
    """Every pod volume by name, with its claim, PV and driver when collected."""
    claims = {c.volume: c for c in pod_claims(view, pod)}
    infos: dict[str, VolumeInfo] = {}
    for volume in pod.volumes:
        name = str(volume.get("name") or "")
        source = next((str(k) for k in volume if k != "name"), "")
        claim = claims.get(name)
        if claim is None:
            infos[name] = VolumeInfo(name, _source_text(source, volume), volume)
            continue
        pvc = claim.pvc.raw if claim.pvc is not None else {}
        driver = str(dig(claim.pv.raw, "spec", "csi", "driver") or "") if claim.pv else ""
        infos[name] = VolumeInfo(
            name=name,
            source=source,
            raw=volume,
            claim=claim.name,
            pv=str(dig(pvc, "spec", "volumeName") or ""),
            access_modes=tuple(str(m) for m in dig(pvc, "spec", "accessModes") or ()),
            driver=driver or claim.provisioner,
        )
    return infos


def _source_text(source: str, volume: Mapping[str, Any]) -> str:
    if source == "nfs":
        return f"NFS {dig(volume, 'nfs', 'server')}:{dig(volume, 'nfs', 'path')}"
    if source == "hostPath":
        kind = dig(volume, "hostPath", "type")
        return f"hostPath {dig(volume, 'hostPath', 'path')}" + (f", type {kind}" if kind else "")
    if source == "csi":
        return f"inline CSI volume, driver {dig(volume, 'csi', 'driver')}"
    return source
