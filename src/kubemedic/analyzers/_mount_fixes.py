"""What each volume attach/mount failure means for this pod, and how to get out of it.

Every explanation names the volume and what backs it (claim, PV, access modes, driver, NFS
export, host path), the node, and for Multi-Attach the pod still holding the volume and the
rollout strategy that caused the deadlock.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._build import related_evidence, spec_evidence
from kubemedic.analyzers._config_refs import CONFIGMAP, SECRET, closest, key_names
from kubemedic.analyzers._mount_events import MountFailure, MountProblem
from kubemedic.analyzers._template_patch import on_node
from kubemedic.analyzers._volumes import pod_claims
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import KObject, Pod, dig
from kubemedic.models.severity import RiskTier

_RECREATE = {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}}
_USED_BY = re.compile(r"already used by pods?\(s\) (?P<pods>.+?)\s*$")
_ATTACH_HINTS = (
    (("zone",), "the disk and the node are in different zones"),
    (("limit", "maximum number"), "the node has reached its limit of attached volumes"),
    (("unauthorized", "accessdenied", "not authorized", "forbidden", "permission"),
     "the CSI controller's cloud credentials may not attach this disk"),
    (("not found", "does not exist"), "the backing disk no longer exists"),
)  # fmt: skip


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


def advise(
    view: ClusterView, pod: Pod, failure: MountFailure, infos: Mapping[str, VolumeInfo]
) -> Advice:
    """Explain one failure of ``pod`` and say how to fix it."""
    info = infos.get(failure.volume) or next(
        (i for i in infos.values() if i.pv and i.pv == failure.volume),
        VolumeInfo(failure.volume, "", {}),
    )
    if failure.problem is MountProblem.MULTI_ATTACH:
        return _multi_attach(view, pod, failure, info)
    if failure.problem is MountProblem.SUBPATH:
        return _subpath(view, pod, failure, info)
    node = f"node {pod.node_name}" if pod.node_name else "the node"
    quoted = f'"{" ".join(failure.detail.split())}"'
    if failure.problem is MountProblem.ATTACH:
        hints = [h for words, h in _ATTACH_HINTS if any(w in failure.detail.lower() for w in words)]
        return Advice(
            info.name,
            f"{info.described} cannot be attached to {node}",
            f"Attaching {info.described} to {node} fails: {quoted}"
            + (f" — {'; '.join(hints)}." if hints else "."),
            f"Resolve the attach error for {info.pv or info.name} (zone, attach limit, "
            "credentials, disk existence), then the attach is retried automatically.",
            ("Check the VolumeAttachment and the CSI controller's logs for the cloud API error.",),
            (f"kubectl get volumeattachment | grep {info.pv or info.name}",)
            + ((f"kubectl describe pv {info.pv}",) if info.pv else ()),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.CSI_DRIVER_MISSING:
        return Advice(
            info.name,
            f"CSI driver {failure.driver} is not running on {node}",
            f"{info.described} needs CSI driver {failure.driver}, which is not registered on "
            f"{node}: its node plugin (usually a DaemonSet) is not running there, so no volume "
            f"of that driver can be mounted on this node. The kubelet reports {quoted}.",
            f"Get the {failure.driver} node plugin running on {node} (check its DaemonSet's "
            "nodeSelector and tolerations), or keep the pod off nodes without it.",
            (),
            (
                f"kubectl get csinode {pod.node_name} -o jsonpath='{{.spec.drivers[*].name}}'",
                f"kubectl get pods -A -o wide --field-selector spec.nodeName={pod.node_name}",
            ),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.NFS:
        # Client, access, reachability and export errors are read by _mount_causes first.
        server = dig(info.raw, "nfs", "server") or ""
        return Advice(
            info.name,
            f"{info.described} cannot be mounted on {node}",
            f"Mounting {info.described} on {node} fails. The kubelet reports {quoted}.",
            "Make the NFS export reachable and allowed from every node (server, port 2049, "
            "export rules), with the NFS client installed on the nodes.",
            ("Test from the node itself: the pod network is not the path the mount takes.",),
            (on_node(pod.node_name, f"nc -zv {server} 2049", pod),) if server else (),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.HOST_PATH:
        path = dig(info.raw, "hostPath", "path") or ""
        return Advice(
            info.name,
            f"hostPath {path} is not usable on {node}",
            f"{info.described} cannot be set up on {node}: {quoted}. A hostPath volume depends on "
            "what exists on the particular node the pod lands on.",
            f"Create {path} on the nodes (or use type DirectoryOrCreate), fix the path or type, "
            "or schedule the pod only onto nodes that have it.",
            (),
            (on_node(pod.node_name, f"ls -ld /host{path}", pod),),
            RiskTier.MEDIUM,
        )
    return Advice(
        info.name,
        f"{info.described} cannot be mounted on {node}",
        f"Mounting {info.described} on {node} fails: {quoted}"
        + (f" (driver {info.driver})." if info.driver else "."),
        f"Fix the storage error reported for {info.name}; the kubelet retries the mount by itself.",
        ("Read the CSI node plugin's logs on that node for the full error.",),
        (
            *((f"kubectl describe pv {info.pv}",) if info.pv else ()),
            *(  # the storage driver's node plugin runs among them
                (f"kubectl get pods -A -o wide --field-selector spec.nodeName={pod.node_name}",)
                if pod.node_name
                else ()
            ),
        ),
        RiskTier.MEDIUM,
    )


def _multi_attach(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> Advice:
    workload = view.workload_of(pod)
    holders = _holders(view, pod, failure, info)
    volume = f"{info.described}" if info.claim else f"volume {failure.volume}"
    cause = (
        f"{volume[0].upper()}{volume[1:]} is still attached to another node, and a "
        f"ReadWriteOnce volume attaches to one node at a time, so this pod on node "
        f"{pod.node_name} cannot get it."
    )
    evidence: list[Evidence] = []
    for holder in holders:
        state = "being deleted" if holder.deletion_timestamp else "still running"
        cause += f" Pod {holder.name} on node {holder.node_name} holds it ({state})."
        evidence.append(
            related_evidence(
                f"Pod {holder.namespace}/{holder.name}",
                f"uses claim {info.claim or failure.volume} on node {holder.node_name}",
            )
        )
    controller = view.get(workload.kind, workload.namespace, workload.name)
    raw = controller.raw if controller is not None else {}
    strategy = str(dig(raw, "spec", "strategy", "type") or "RollingUpdate")
    commands: list[str] = []
    steps: list[str] = []
    rolling = workload.kind == "Deployment" and strategy != "Recreate"
    if rolling:
        cause += (
            f" Deployment {workload.name} uses the {strategy} strategy: a new "
            "pod starts before the old one stops, and the old one only stops once the new one is "
            "Ready — with one ReadWriteOnce volume that never happens."
        )
        replicas = dig(raw, "spec", "replicas")
        if isinstance(replicas, int) and replicas > 1:
            cause += (
                f" With {replicas} replicas sharing one claim, pods on other nodes can never "
                "mount it."
            )
        commands.append(
            f"kubectl patch {workload.kubectl_ref} --type merge -p "
            + shlex.quote(json.dumps(_RECREATE, separators=(",", ":")))
        )
        steps.append(
            "Use strategy Recreate for a single-replica Deployment with a ReadWriteOnce volume, "
            "or a StatefulSet (one claim per replica via volumeClaimTemplates), or ReadWriteMany "
            "storage when replicas must share data."
        )
    running = [h for h in holders if not h.deletion_timestamp]
    if running:
        steps.append(
            f"To unblock now, delete the old pod {running[0].name} (brief downtime): the volume "
            "detaches and this pod mounts it."
        )
        commands.append(f"kubectl delete pod {running[0].name} -n {pod.namespace}")
    else:
        steps.append(
            "If the node holding the volume is down, the attach/detach controller force-detaches "
            "it after about 6 minutes; check VolumeAttachment objects if it stays attached."
        )
    commands.append(f"kubectl get volumeattachment | grep {info.pv or failure.volume}")
    return Advice(
        info.name,
        f"{volume[0].upper()}{volume[1:]} is attached to another node (Multi-Attach)",
        cause,
        "Stop two pods on different nodes from needing the same ReadWriteOnce volume: "
        + ("switch the Deployment to strategy Recreate, or " if rolling else "")
        + "give each replica its own claim (StatefulSet) or use ReadWriteMany storage.",
        tuple(steps),
        tuple(commands),
        RiskTier.MEDIUM,
        tuple(evidence),
    )


def _holders(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> list[Pod]:
    """The other pods using the volume: named by the controller, else found by claim."""
    match = _USED_BY.search(failure.detail)
    if match:
        names = [n.strip() for n in match["pods"].split(",")]
        found = [view.get("Pod", pod.namespace, n) for n in names]
        return [p for p in found if isinstance(p, Pod)]
    if not info.claim:
        return []
    return [
        other
        for other in view.pods_of(view.workload_of(pod))
        if other.name != pod.name
        and other.node_name != pod.node_name
        and any(dig(v, "persistentVolumeClaim", "claimName") == info.claim for v in other.volumes)
    ]


def _subpath(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> Advice:
    mounts = [
        (c, m)
        for c in pod.init_containers + pod.containers
        for m in c.volume_mounts
        if m.get("name") == info.name and m.get("subPath")
    ]
    evidence: list[Evidence] = []
    cause = f"The subPath mount of {info.described} could not be prepared"
    sub_path = ""
    if mounts:
        container, mount = mounts[0]
        sub_path = str(mount.get("subPath"))
        group = "initContainers" if container.is_init else "containers"
        evidence.append(
            spec_evidence(
                pod,
                f"spec.{group}[{container.name}].volumeMounts[{info.name}]",
                f"mountPath {mount.get('mountPath')}, subPath {sub_path}",
            )
        )
        cause += (
            f": container {container.name} mounts subPath {sub_path} at {mount.get('mountPath')}"
        )
    cause += f' ("{failure.detail}").'
    fix = f"Point subPath at a path that exists in volume {info.name}, then recreate the pod."
    source = _config_source(view, pod, info)
    if source is not None:
        keys = key_names(source)
        evidence.append(
            related_evidence(
                f"{source.kind} {source.namespace}/{source.name}", f"keys: {', '.join(keys)}"
            )
        )
        if sub_path.split("/")[0] in keys:
            cause += (
                f" {source.kind} {source.name} does have key {sub_path}, so the subPath is right: "
                "most likely the object was updated after the pod started — a subPath mount never "
                "receives updates and goes stale, which breaks it when the container restarts."
            )
            fix = "Recreate the pod so the subPath mount is prepared from the current object."
        else:
            near = closest(sub_path, keys)
            cause += (
                f" {source.kind} {source.name} has no key {sub_path} (keys: {', '.join(keys)})."
            )
            cause += f" The closest is {near}." if near else ""
    else:
        cause += (
            " The path must exist in the volume (or be creatable), and be a directory or a file "
            "as the mount expects."
        )
    return Advice(
        info.name,
        f"subPath {sub_path or '(unknown)'} of {info.described} cannot be mounted",
        cause,
        fix,
        ("For ConfigMaps that change, mount the whole volume as a directory, not a subPath.",),
        (f"kubectl delete pod {pod.name} -n {pod.namespace}",),
        RiskTier.LOW,
        tuple(evidence),
    )


def _config_source(view: ClusterView, pod: Pod, info: VolumeInfo) -> KObject | None:
    """The ConfigMap or Secret behind a volume, when collected."""
    if info.source == "configMap":
        return view.get(CONFIGMAP, pod.namespace, str(dig(info.raw, "configMap", "name") or ""))
    if info.source == "secret":
        return view.get(SECRET, pod.namespace, str(dig(info.raw, "secret", "secretName") or ""))
    return None
