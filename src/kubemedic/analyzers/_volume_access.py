"""Why a process may not write to its volume: who it runs as, and who owns the volume.

``Permission denied`` on a mounted path is not an application bug. It is a mismatch between
the process user (``runAsUser``, else the image's user) and the ownership model of the
storage behind the mount, and each kind of storage decides ownership differently: the kubelet
hands a block volume (a fresh ext4/xfs filesystem owned by root) to ``fsGroup`` on mount; an
NFS export keeps the owner the server gives it, never takes ``fsGroup``, and with root_squash
not even root in the pod may ``chown`` it; an SMB share shows whatever ``uid``/``gid`` its
mount options say; a hostPath directory keeps its owner on the node; ConfigMap and Secret
volumes are read-only. This module reads those facts from the pod, its claim and volume, and
says which model applies — the fix follows from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kubemedic.analyzers._volumes import pod_claims
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import ContainerSpec, Pod, dig


class Ownership(StrEnum):
    """How a volume's owner is decided."""

    FS_GROUP = "fs-group"
    """A filesystem the kubelet re-owns to the pod's fsGroup on mount (block storage, local)."""
    SERVER = "server"
    """NFS-like storage: the server decides; fsGroup is never applied, root may be squashed."""
    MOUNT_OPTIONS = "mount-options"
    """SMB/CIFS: no Unix owners; the mount options' uid/gid/dir_mode are what the pod sees."""
    NODE = "node"
    """A directory on the node (hostPath, local-path provisioners): it keeps the node's owner."""
    READ_ONLY = "read-only"
    """ConfigMap, Secret, projected and downward API volumes, or a readOnly mount."""
    UNKNOWN = "unknown"


_READ_ONLY_SOURCES = ("configMap", "secret", "projected", "downwardAPI")
_SERVER_WORDS = re.compile(r"nfs|efs\.csi|filestore|glusterfs|cephfs")
_SMB_WORDS = re.compile(r"smb|azure-file|file\.csi\.azure\.com|cifs")
_NODE_WORDS = re.compile(r"local-path|hostpath")
_CHOWN_TO = re.compile(r"\bchown\s+(?:-\w+\s+)*(?P<uid>\d+)(?::(?P<gid>\d+))?\s")
_ROOT_OPERATION = re.compile(r"(?:chown|chmod|chgrp|change permissions).*Operation not permitted")

_IMAGE_USERS: tuple[tuple[re.Pattern[str], int, bool], ...] = (
    # (image name, uid of the process that writes the data, whether the entrypoint starts as
    # root to chown the data directory before dropping to that uid)
    (re.compile(r"(?:^|/)bitnami/"), 1001, False),
    (re.compile(r"(?:^|/)postgres:[^/]*alpine"), 70, True),
    (re.compile(r"(?:^|/)(?:library/)?(?:postgres|mysql|mariadb|mongo|redis|rabbitmq)(?::|@|$)"),
     999, True),
    (re.compile(r"(?:^|/)(?:elasticsearch|opensearch)(?::|@|$)"), 1000, False),
    (re.compile(r"(?:^|/)grafana(?::|@|$)"), 472, False),
    (re.compile(r"(?:^|/)prometheus(?::|@|$)"), 65534, False),
    (re.compile(r"(?:^|/)nginx-unprivileged(?::|@|$)"), 101, False),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProcessUser:
    """Who the container's process runs as, and where that was read."""

    uid: int | None
    group: int | None
    origin: str
    starts_as_root: bool = False

    @property
    def described(self) -> str:
        if self.uid is None:
            return "the image's default user (not in the input)"
        name = "root (uid 0)" if self.uid == 0 else f"uid {self.uid}"
        return f"{name} ({self.origin})"


@dataclass(frozen=True, slots=True)
class VolumeAccess:
    """A path a container was refused, the volume it lies on and how that volume is owned."""

    path: str
    volume: str
    mount_path: str
    source: str
    ownership: Ownership
    user: ProcessUser
    owner: tuple[int, int]
    """The uid and gid the volume must belong to (the process that writes, not a root helper)."""
    fs_group: int | None
    read_only_mount: bool
    claim: str = ""
    pv: str = ""
    driver: str = ""
    export: str = ""
    """``server:/path`` of an NFS volume."""
    root_refused: bool = False
    """Root itself was refused a chown/chmod: the storage squashes or ignores root."""

    @property
    def owner_text(self) -> str:
        """``1001:1001``: the uid:gid the volume must belong to for the process to write."""
        return f"{self.owner[0]}:{self.owner[1]}"

    def explain(self, container: str) -> str:
        """The mismatch in sentences: the path and volume, the user, the ownership model."""
        where = (
            f"{self.path}, on volume {self.volume} ({self.source}) mounted at {self.mount_path}"
            if self.path and self.path != self.mount_path
            else f"volume {self.volume} ({self.source}) mounted at {self.mount_path}"
        )
        text = f"Container {container} may not write to {where}."
        if self.ownership is Ownership.READ_ONLY:
            return f"{text} {_read_only_sentence(self)}"
        text = text[:-1] + f". It runs as {self.user.described}"
        if self.user.starts_as_root:
            text += (
                ", whose entrypoint starts as root to chown the data directory before "
                f"dropping to uid {self.user.uid}"
            )
        text += "."
        if self.root_refused:
            text += " Root itself was refused the chown/chmod, so the storage does not let root "
            text += "change owners here."
        return f"{text} {_MODEL_SENTENCES[self.ownership](self)}"


def volume_access(
    view: ClusterView, pod: Pod, spec: ContainerSpec, path: str, line: str = ""
) -> VolumeAccess | None:
    """The volume behind a refused ``path`` of ``spec`` (when the log names no path: the one
    storage volume the container writes to, if it has exactly one); ``line`` is the log line
    that reported the refusal."""
    mount = _mount_for(pod, spec, path)
    if mount is None:
        return None
    name = str(mount.get("name") or "")
    volume = next((v for v in pod.volumes if v.get("name") == name), None)
    if volume is None:
        return None
    claim = next((c for c in pod_claims(view, pod) if c.volume == name), None)
    pv_raw = claim.pv.raw if claim is not None and claim.pv is not None else {}
    driver = str(dig(pv_raw, "spec", "csi", "driver") or "") or (
        claim.provisioner if claim is not None else ""
    )
    read_only = mount.get("readOnly") is True
    ownership = _ownership(volume, pv_raw, driver, read_only)
    fs_group = dig(pod.spec, "securityContext", "fsGroup")
    user = process_user(pod, spec)
    nfs = volume.get("nfs") or dig(pv_raw, "spec", "nfs")
    return VolumeAccess(
        path=path or str(mount.get("mountPath") or ""),
        volume=name,
        mount_path=str(mount.get("mountPath") or ""),
        source=_source(volume, claim.name if claim else "", pv_raw, driver),
        ownership=ownership,
        user=user,
        owner=_owner(pod, spec, name, user, fs_group if isinstance(fs_group, int) else None),
        fs_group=fs_group if isinstance(fs_group, int) else None,
        read_only_mount=read_only,
        claim=claim.name if claim else "",
        pv=str(dig(pv_raw, "metadata", "name") or ""),
        driver=driver,
        export=f"{nfs.get('server')}:{nfs.get('path')}" if isinstance(nfs, Mapping) else "",
        root_refused=bool(_ROOT_OPERATION.search(line)) and (user.uid == 0 or user.starts_as_root),
    )


def process_user(pod: Pod, spec: ContainerSpec) -> ProcessUser:
    """runAsUser/runAsGroup of the container, else of the pod, else the image's known user."""
    pod_context = dig(pod.spec, "securityContext")
    contexts = (
        ("container", spec.security_context),
        ("pod", pod_context if isinstance(pod_context, Mapping) else {}),
    )
    for where, context in contexts:
        uid = context.get("runAsUser")
        if isinstance(uid, int):
            group = context.get("runAsGroup")
            group_id = group if isinstance(group, int) else None
            return ProcessUser(uid, group_id, f"{where} securityContext.runAsUser")
    for pattern, uid, as_root in _IMAGE_USERS:
        if pattern.search(spec.image):
            return ProcessUser(uid, None, f"the user image {spec.image} runs as", as_root)
    return ProcessUser(None, None, "")


def _owner(
    pod: Pod, spec: ContainerSpec, volume: str, user: ProcessUser, fs_group: int | None
) -> tuple[int, int]:
    """Who should own the volume: the writing process; for a root helper (an init container
    that chowns), the uid it chowns to, else the uid of the other containers on that volume."""
    if user.uid:
        return user.uid, user.group if user.group is not None else fs_group or user.uid
    chowned = _CHOWN_TO.search(" ".join(spec.command + spec.args))
    if chowned:
        return int(chowned["uid"]), int(chowned["gid"] or chowned["uid"])
    for other in pod.init_containers + pod.containers:
        if other.name == spec.name or not any(m.get("name") == volume for m in other.volume_mounts):
            continue
        theirs = process_user(pod, other)
        if theirs.uid:
            return theirs.uid, theirs.group if theirs.group is not None else fs_group or theirs.uid
    return (fs_group, fs_group) if fs_group else (1000, 1000)


def _mount_for(pod: Pod, spec: ContainerSpec, path: str) -> Mapping[str, Any] | None:
    mounts = spec.volume_mounts
    if path:
        under = [
            m
            for m in mounts
            if (root := str(m.get("mountPath") or ""))
            and (path == root or path.startswith(root.rstrip("/") + "/"))
        ]
        return max(under, key=lambda m: len(str(m.get("mountPath"))), default=None)
    sources = {str(v.get("name")): v for v in pod.volumes}
    storage = [
        m
        for m in mounts
        if not m.get("readOnly")
        and not any(key in sources.get(str(m.get("name")), {}) for key in _READ_ONLY_SOURCES)
        and "emptyDir" not in sources.get(str(m.get("name")), {})
    ]
    return storage[0] if len(storage) == 1 else None


def _ownership(
    volume: Mapping[str, Any], pv: Mapping[str, Any], driver: str, read_only: bool
) -> Ownership:
    if read_only or any(key in volume for key in _READ_ONLY_SOURCES):
        return Ownership.READ_ONLY
    if "nfs" in volume or dig(pv, "spec", "nfs") or _SERVER_WORDS.search(driver):
        return Ownership.SERVER
    if "azureFile" in volume or dig(pv, "spec", "azureFile") or _SMB_WORDS.search(driver):
        return Ownership.MOUNT_OPTIONS
    if "hostPath" in volume or dig(pv, "spec", "hostPath") or _NODE_WORDS.search(driver):
        return Ownership.NODE
    if "persistentVolumeClaim" in volume or "ephemeral" in volume:
        return Ownership.FS_GROUP
    return Ownership.UNKNOWN


def _source(volume: Mapping[str, Any], claim: str, pv: Mapping[str, Any], driver: str) -> str:
    if claim:
        name = dig(pv, "metadata", "name")
        parts = [f"PVC {claim}" + (f" → PV {name}" if name else "")]
        if driver:
            parts.append(f"driver {driver}")
        nfs = dig(pv, "spec", "nfs")
        if isinstance(nfs, Mapping):
            parts.append(f"NFS {nfs.get('server')}:{nfs.get('path')}")
        return ", ".join(parts)
    if "nfs" in volume:
        return f"NFS {dig(volume, 'nfs', 'server')}:{dig(volume, 'nfs', 'path')}"
    if "hostPath" in volume:
        return f"hostPath {dig(volume, 'hostPath', 'path')}"
    kind = next((str(k) for k in volume if k != "name"), "volume")
    target = dig(volume, kind, "name") or dig(volume, kind, "secretName")
    return f"{kind} {target}" if target else kind


def _fs_group_sentence(access: VolumeAccess) -> str:
    if access.fs_group is None:
        return (
            "A new block volume holds a filesystem whose root directory belongs to root (mode "
            "0755), so only root may write to it — unless the pod sets securityContext.fsGroup, "
            "which makes the kubelet give the volume to that group on mount. This pod sets no "
            "fsGroup."
        )
    return (
        f"The pod sets fsGroup {access.fs_group}, but the kubelet applies it only when the "
        "volume's driver supports ownership changes (its CSIDriver fsGroupPolicy and an fsType); "
        "this volume was not re-owned, so a process outside that group is refused."
    )


def _server_sentence(access: VolumeAccess) -> str:
    if "efs" in access.driver:
        return (
            "On EFS, ownership is decided by the file system and its access point: the kubelet "
            "never applies fsGroup to it, and an access point stamps its own uid/gid on every "
            "file and refuses chown even to root — so the volume must be provisioned for "
            f"{access.owner_text}, or the process must run as the access point's uid."
        )
    return (
        "On NFS the server decides ownership: the kubelet never applies fsGroup to it, and with "
        "root_squash (the server default) even root in the pod acts as nobody and may not chown "
        "— so the exported directory must already belong to, or be writable for, "
        f"{access.owner_text} on the server."
    )


def _mount_options_sentence(access: VolumeAccess) -> str:
    return (
        "An SMB/Azure Files share has no Unix owners: every file appears owned by the uid/gid "
        "of its mount options (root by default), so chown and chmod fail with 'Operation not "
        "permitted' and other users are refused unless the mount options name their uid/gid."
    )


def _node_sentence(access: VolumeAccess) -> str:
    return (
        "A directory on the node (hostPath, or a local-path provisioner's volume) keeps the "
        "owner it has on that node — usually root, when the kubelet or provisioner created it — "
        "and fsGroup is not applied to it."
    )


def _read_only_sentence(access: VolumeAccess) -> str:
    if access.read_only_mount:
        return "The volumeMount sets readOnly: true, so every write there is refused."
    return (
        "ConfigMap, Secret, projected and downward API volumes are always mounted read-only: "
        "the application has to write elsewhere (an emptyDir) or copy the files there first."
    )


def _unknown_sentence(access: VolumeAccess) -> str:
    return "The volume's owner does not let that user write."


_MODEL_SENTENCES = {
    Ownership.FS_GROUP: _fs_group_sentence,
    Ownership.SERVER: _server_sentence,
    Ownership.MOUNT_OPTIONS: _mount_options_sentence,
    Ownership.NODE: _node_sentence,
    Ownership.READ_ONLY: _read_only_sentence,
    Ownership.UNKNOWN: _unknown_sentence,
}
