"""Advice for mounts that fail inside ``mount`` itself, and for mounts that only time out.

A failed ``mount`` names its mechanism (``_mount_causes``); the advice turns it into the
node, server or credentials to fix. A mount that only times out ("Unable to attach or mount
volumes: unmounted volumes=[data] ...: timed out waiting for the condition") names nothing:
then the blocking step is found by walking the chain the kubelet waits on — is the claim
bound, is the CSI driver registered on the node (CSINode), is the volume attached to this
node or still to another one (VolumeAttachment) — as far as the view holds those objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.analyzers._build import related_evidence
from kubemedic.analyzers._config_refs import SECRET, key_names
from kubemedic.analyzers._mount_causes import MountCause, MountError, masked, node_address
from kubemedic.analyzers._mount_events import MountFailure
from kubemedic.analyzers._template_patch import on_node
from kubemedic.analyzers._volume_info import Advice, VolumeInfo
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import KObject, Node, Pod, dig
from kubemedic.models.severity import RiskTier

ATTACHMENTS = (
    "kubectl get volumeattachment -o custom-columns=NAME:.metadata.name,"
    "PV:.spec.source.persistentVolumeName,NODE:.spec.nodeName,ATTACHED:.status.attached"
)


def filesystem_advice(
    view: ClusterView, pod: Pod, failure: MountFailure, error: MountError, info: VolumeInfo
) -> Advice:
    """What a failed ``mount`` of a network share or a disk means, and what fixes it."""
    node_name = pod.node_name or "the node"
    node = view.get("Node", "", pod.node_name) if pod.node_name else None
    described = info.described
    said = f'The mount reports: "{error.output}".' if error.output else ""
    where = f"{described} on node {node_name}"
    if error.cause is MountCause.CLIENT_MISSING:
        return Advice(
            info.name,
            f"node {node_name} has no {error.label} client to mount {info.name}",
            f"Mounting {where} fails because the node has no mount.{error.fs_type} helper: the "
            f"{error.label} client ({error.client}) is not installed on it, so the kernel's "
            f"mount cannot handle type {error.fs_type}. {said}",
            f"Install {error.client} on every node that may run the pod (node image or a "
            "provisioning DaemonSet), or mount through the CSI driver "
            f"({'smb.csi.k8s.io' if error.is_smb else 'nfs.csi.k8s.io'}), which brings its own "
            "client.",
            (
                "Managed node images without a package manager (Container-Optimized OS, "
                "Bottlerocket) need the CSI driver.",
            ),
            (on_node(pod.node_name, f"ls -l /host/sbin/mount.{error.fs_type.rstrip('4')}", pod),),
            RiskTier.MEDIUM,
        )
    if error.cause is MountCause.ACCESS_DENIED:
        return _access_denied(view, pod, info, error, node, said)
    if error.cause is MountCause.UNREACHABLE:
        port = f" {error.port}" if error.port else ""
        check = f"nc -zv {error.server}{port}"
        return Advice(
            info.name,
            f"{error.label} server {error.server or '(unknown)'} does not answer node {node_name}",
            f"Mounting {where} fails: the {error.label} server does not answer from the node "
            f"({error.source or error.server}{', port' + port if port else ''}): it is down, its "
            "address is wrong, or a firewall/security group between node and server drops the "
            f"traffic. {said}",
            f"Make {error.server or 'the server'}{', port' + port if port else ''} reachable "
            "from every node (server up, address in the volume right, firewall open).",
            ("Test from the node itself: the mount runs in the node's network, not the pod's.",),
            (on_node(pod.node_name, check, pod),) if error.server else (),
            RiskTier.MEDIUM,
        )
    if error.cause is MountCause.EXPORT_MISSING:
        return Advice(
            info.name,
            f"{error.source or info.name} does not exist on the server",
            f"Mounting {where} fails: the server has no {'share' if error.is_smb else 'export'} "
            f"{error.source or '(as named in the volume)'}. {said}",
            "Create the exported directory (or share) on the server, or correct the path in "
            "the volume.",
            (),
            (f"kubectl get pv {info.pv} -o jsonpath='{{.spec}}'",) if info.pv else (),
            RiskTier.MEDIUM,
        )
    if error.cause is MountCause.WRONG_FILESYSTEM:
        return Advice(
            info.name,
            f"the disk of {info.name} does not hold a readable {error.fs_type} filesystem",
            f"Mounting {where} fails: the device does not hold a {error.fs_type} filesystem the "
            "kernel can read — it was formatted with another type (fsType in the PV or "
            f"StorageClass differs), is empty, or is damaged. {said}",
            "Compare the filesystem on the device with the fsType of the PV/StorageClass and set "
            "it right; if it is damaged, repair it (fsck/xfs_repair) from a snapshot first. Do "
            "not reformat a disk that holds data.",
            (),
            (on_node(pod.node_name, "blkid", pod),)
            + ((f"kubectl get pv {info.pv} -o yaml",) if info.pv else ()),
            RiskTier.MEDIUM,
        )
    return Advice(
        info.name,
        f"the kubelet may not apply fsGroup to {info.name}",
        f"Mounting {where} fails while the kubelet applies the pod's fsGroup: the storage does "
        "not allow changing owners (NFS with root_squash, SMB, a read-only export). "
        f'The kubelet reports: "{masked(" ".join(failure.detail.split()))[:300]}".',
        "Remove fsGroup from the pod (or set the CSIDriver's fsGroupPolicy to None) and give the "
        "files the right owner on the server instead.",
        (),
        (f"kubectl get pod {pod.name} -n {pod.namespace} -o jsonpath='{{.spec.securityContext}}'",),
        RiskTier.MEDIUM,
    )


def _access_denied(
    view: ClusterView,
    pod: Pod,
    info: VolumeInfo,
    error: MountError,
    node: KObject | None,
    said: str,
) -> Advice:
    where = f"{info.described} on node {pod.node_name}"
    if error.is_smb:
        secret = _credentials_secret(view, info)
        commands = (f"kubectl describe secret {secret} -n {pod.namespace}",) if secret else ()
        found = view.get(SECRET, pod.namespace, secret) if secret else None
        holder = f"Secret {secret}" if secret else "the credentials Secret"
        evidence = (
            (
                related_evidence(
                    f"Secret {pod.namespace}/{secret}", f"keys: {', '.join(key_names(found))}"
                ),
            )
            if found is not None
            else ()
        )
        return Advice(
            info.name,
            f"the SMB share of {info.name} rejects the credentials",
            f"Mounting {where} fails: the server rejects the account or key it is given "
            f"(mount error 13){f' from Secret {secret}' if secret else ''} — a rotated storage "
            "key, a wrong account name, or a share the account may not use. " + said,
            f"Put the current account name and key in {holder} and recreate the pod; check that "
            "the share allows this account.",
            ("Compare key names only; never print the Secret's values.",),
            commands,
            RiskTier.MEDIUM,
            evidence,
        )
    address = node_address(node if isinstance(node, Node) else None)
    node_text = f" ({address})" if address else ""
    return Advice(
        info.name,
        f"{error.fs_type} server {error.server or '(unknown)'} refuses node {pod.node_name}",
        f"Mounting {where} fails: the server refuses this node{node_text} — its export rules "
        "(/etc/exports on an NFS server, the allowed networks of a managed file share) do not "
        "include the node's address, or require a privileged source port. " + said,
        f"Allow the nodes' addresses{node_text} in the export of {error.source or 'the share'} "
        "(or the file share's network rules), then let the kubelet retry.",
        (),
        (f"kubectl get node {pod.node_name} -o wide",) if pod.node_name else (),
        RiskTier.MEDIUM,
    )


def _credentials_secret(view: ClusterView, info: VolumeInfo) -> str:
    """The Secret an SMB volume authenticates with: inline, or its PV's."""
    for source in (info.raw, _pv_spec(view, info)):
        name = (
            dig(source, "azureFile", "secretName")
            or dig(source, "csi", "nodeStageSecretRef", "name")
            or dig(source, "csi", "nodePublishSecretRef", "name")
        )
        if isinstance(name, str) and name:
            return name
    return ""


def _pv_spec(view: ClusterView, info: VolumeInfo) -> Mapping[str, Any]:
    pv = view.get("PersistentVolume", "", info.pv) if info.pv else None
    return pv.spec if pv is not None else {}


def timeout_advice(
    view: ClusterView, pod: Pod, failure: MountFailure, infos: Mapping[str, VolumeInfo]
) -> Advice:
    """The step a mount that only timed out is blocked at, found in the objects behind it."""
    names = failure.volume.split(",")
    node = pod.node_name or "the node"
    described = ", ".join(infos[v].described if v in infos else v for v in names)
    found = [step for v in names if v in infos and (step := _blocking_step(view, pod, infos[v]))]
    if not found:
        return Advice(
            failure.volume,
            f"{described} not mounted on {node}",
            f"{described[0].upper()}{described[1:]} could not be attached or mounted on {node} "
            "within the kubelet's two-minute wait, and no more specific error was collected.",
            "Find the blocking step: claim bound? volume attached (VolumeAttachment)? CSI node "
            "plugin healthy on the node?",
            (),
            (f"kubectl describe pod {pod.name} -n {pod.namespace}", ATTACHMENTS),
            RiskTier.MEDIUM,
        )
    cause = " ".join(s[0] for s in found)
    return Advice(
        failure.volume,
        f"{described} not mounted on {node}: {found[0][1]}",
        f"The kubelet timed out waiting to attach and mount {described} on {node}. {cause}",
        " ".join(s[2] for s in found),
        (),
        tuple(dict.fromkeys(c for s in found for c in s[4])),
        RiskTier.MEDIUM,
        tuple(e for s in found for e in s[3]),
    )


_Step = tuple[str, str, str, tuple[Evidence, ...], tuple[str, ...]]
"""(cause sentence, short summary, fix, evidence, commands)."""


def _blocking_step(view: ClusterView, pod: Pod, info: VolumeInfo) -> _Step | None:
    if info.claim:
        pvc = view.get("PersistentVolumeClaim", pod.namespace, info.claim)
        phase = str(pvc.status.get("phase") or "") if pvc is not None else ""
        if pvc is not None and phase != "Bound":
            return (
                f"Claim {info.claim} is {phase or 'not bound'}: no volume exists yet to attach.",
                f"claim {info.claim} is {phase or 'not bound'}",
                f"Get claim {info.claim} bound first (its events name the provisioning error).",
                (
                    related_evidence(
                        f"PersistentVolumeClaim {pod.namespace}/{info.claim}",
                        f"phase {phase or 'unknown'}",
                    ),
                ),
                (f"kubectl describe pvc {info.claim} -n {pod.namespace}",),
            )
    driver = info.driver
    csinode = view.get("CSINode", "", pod.node_name) if pod.node_name else None
    if driver and csinode is not None:
        drivers = [
            str(d.get("name"))
            for d in dig(csinode.raw, "spec", "drivers") or []
            if isinstance(d, dict)
        ]
        if driver not in drivers:
            return (
                f"CSI driver {driver} is not registered on node {pod.node_name} (its CSINode lists "
                f"{', '.join(drivers) or 'no driver'}): its node plugin does not run there, so the "
                "volume can never be mounted on this node.",
                f"CSI driver {driver} missing on the node",
                f"Get the {driver} node plugin running on {pod.node_name} (its DaemonSet's "
                "nodeSelector and tolerations).",
                (
                    related_evidence(
                        f"CSINode {pod.node_name}", f"drivers: {', '.join(drivers) or 'none'}"
                    ),
                ),
                (f"kubectl get csinode {pod.node_name} -o jsonpath='{{.spec.drivers[*].name}}'",),
            )
    return _attachment_step(view, pod, info)


def _attachment_step(view: ClusterView, pod: Pod, info: VolumeInfo) -> _Step | None:
    if not info.pv:
        return None
    attachments = [
        a
        for a in view.objects("VolumeAttachment")
        if dig(a.raw, "spec", "source", "persistentVolumeName") == info.pv
    ]
    elsewhere = [
        a
        for a in attachments
        if dig(a.raw, "spec", "nodeName") != pod.node_name
        and dig(a.raw, "status", "attached") is True
    ]
    here = [a for a in attachments if dig(a.raw, "spec", "nodeName") == pod.node_name]
    if elsewhere:
        other = str(dig(elsewhere[0].raw, "spec", "nodeName"))
        holder = next(
            (
                p
                for p in view.pods_of(view.workload_of(pod)) + view.objects("Pod", pod.namespace)
                if isinstance(p, Pod)
                and p.node_name == other
                and any(
                    dig(v, "persistentVolumeClaim", "claimName") == info.claim for v in p.volumes
                )
            ),
            None,
        )
        if holder is not None:
            return (
                f"PV {info.pv} is still attached to node {other}, where pod {holder.name} still "
                f"uses claim {info.claim}; a ReadWriteOnce disk attaches to one node at a time.",
                f"PV {info.pv} held by pod {holder.name} on node {other}",
                f"Stop pod {holder.name} so the disk detaches from {other} (brief downtime).",
                (
                    related_evidence(
                        f"Pod {holder.namespace}/{holder.name}",
                        f"uses claim {info.claim} on node {other}",
                    ),
                ),
                (f"kubectl delete pod {holder.name} -n {holder.namespace}", ATTACHMENTS),
            )
        return (
            f"PV {info.pv} is still attached to node {other} (VolumeAttachment "
            f"{elsewhere[0].name}); a ReadWriteOnce disk attaches to one node at a time, so it "
            f"cannot attach to {pod.node_name} until it is detached there (the pod on that node "
            "stopped, or the node is gone for 6 minutes).",
            f"PV {info.pv} still attached to node {other}",
            f"Stop whatever still uses {info.pv} on {other}; if {other} is gone, delete its "
            "Node so the volume is force-detached.",
            (
                related_evidence(
                    f"VolumeAttachment {elsewhere[0].name}", f"attached to node {other}"
                ),
            ),
            (f"kubectl get volumeattachment {elsewhere[0].name} -o yaml", ATTACHMENTS),
        )
    for attachment in here:
        message = dig(attachment.raw, "status", "attachError", "message")
        if isinstance(message, str) and message:
            return (
                f'Attaching PV {info.pv} to {pod.node_name} fails: "{message}" (VolumeAttachment '
                f"{attachment.name}).",
                f"attach error on PV {info.pv}",
                "Resolve the attach error the CSI controller reports (zone, attach limit, "
                "credentials, disk existence); the attach is retried automatically.",
                (
                    related_evidence(
                        f"VolumeAttachment {attachment.name}", f"attachError: {message}"
                    ),
                ),
                (f"kubectl get volumeattachment {attachment.name} -o yaml",),
            )
        if dig(attachment.raw, "status", "attached") is not True:
            return (
                f"PV {info.pv} was requested for node {pod.node_name} (VolumeAttachment "
                f"{attachment.name}) but never attached, and no error was recorded: the CSI "
                "controller (its external-attacher) is not acting on it.",
                f"PV {info.pv} never attached",
                f"Check the {info.driver or 'CSI'} controller pods and their csi-attacher logs.",
                (
                    related_evidence(
                        f"VolumeAttachment {attachment.name}", "attached: false, no error"
                    ),
                ),
                (f"kubectl get volumeattachment {attachment.name} -o yaml",),
            )
    return None
