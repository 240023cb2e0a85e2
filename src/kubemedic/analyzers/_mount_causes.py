"""What a failed ``mount`` says about the node, the file server or the disk, and the fix.

When the kubelet (or a CSI node plugin) runs ``mount`` for a volume, the event quotes the
command and its output: ``mount -t nfs 10.0.0.5:/exports ...`` followed by ``mount: wrong fs
type, bad option, bad superblock ... you might need a /sbin/mount.<type> helper program``, or
``mount.nfs: access denied by server while mounting``, or ``mount error(13): Permission
denied`` from ``mount.cifs``. The filesystem type and the output together name the mechanism:
the node lacks the NFS/SMB client, the server refuses this node or these credentials, the
server does not answer, the export does not exist, a disk holds another filesystem, or the
kubelet may not apply ``fsGroup`` to the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kubemedic.models.k8s import Node

NETWORK_TYPES = frozenset({"nfs", "nfs4", "cifs", "smb3", "glusterfs", "ceph", "fuse.sshfs"})
_CLIENT_PACKAGES = {
    "nfs": "nfs-common (Debian/Ubuntu) or nfs-utils (RHEL, Amazon Linux)",
    "nfs4": "nfs-common (Debian/Ubuntu) or nfs-utils (RHEL, Amazon Linux)",
    "cifs": "cifs-utils",
    "smb3": "cifs-utils",
    "glusterfs": "glusterfs-fuse (glusterfs-client)",
    "ceph": "ceph-common",
}
_PORTS = {"nfs": 2049, "nfs4": 2049, "cifs": 445, "smb3": 445}

_FS_TYPE = re.compile(r"(?:^|\s)-t\s+(?P<type>[\w.]+)")
_PLUGIN_DIR = re.compile(r"kubernetes\.io~(?P<plugin>[\w-]+)")
_SOURCE = re.compile(
    r"-t\s+[\w.]+(?:\s+-o\s+\S+)?\s+(?:<masked>\s+)?(?P<source>//[^\s]+|[\w.-]+:/\S*|\[[0-9a-f:]+\]:/\S*)"
)
_SECRET_OPTION = re.compile(r"(?i)\b(password|pass|credentials|secret)=[^,\s]+")


class MountCause(StrEnum):
    """Why ``mount`` failed."""

    CLIENT_MISSING = "client-missing"
    ACCESS_DENIED = "access-denied"
    UNREACHABLE = "unreachable"
    EXPORT_MISSING = "export-missing"
    WRONG_FILESYSTEM = "wrong-filesystem"
    OWNERSHIP_REFUSED = "ownership-refused"


@dataclass(frozen=True, slots=True)
class MountError:
    """A mount failure read from the kubelet's message."""

    cause: MountCause
    fs_type: str
    source: str
    output: str
    """The mount's own words, one line, secrets masked."""

    @property
    def is_smb(self) -> bool:
        return self.fs_type in ("cifs", "smb3")

    @property
    def label(self) -> str:
        """``NFS``, ``SMB`` or the filesystem type, as people name the server."""
        if self.fs_type.startswith("nfs"):
            return "NFS"
        return "SMB" if self.is_smb else self.fs_type

    @property
    def client(self) -> str:
        return _CLIENT_PACKAGES.get(self.fs_type, f"the {self.fs_type} mount helper")

    @property
    def port(self) -> int | None:
        return _PORTS.get(self.fs_type)

    @property
    def server(self) -> str:
        source = self.source.removeprefix("//")
        return re.split(r"[:/]", source, maxsplit=1)[0] if source else ""


_RULES: tuple[tuple[MountCause, re.Pattern[str]], ...] = (
    (MountCause.OWNERSHIP_REFUSED, re.compile(r"applyFSGroup failed|(?:l?chown|chmod) \S+: "
                                              r"(?i:operation not permitted|read-only)")),
    (MountCause.CLIENT_MISSING, re.compile(r"(?i)helper program|unknown filesystem type '"
                                           r"(?:nfs4?|cifs|smb3|glusterfs|ceph)'|"
                                           r"mount\.(?:nfs4?|cifs): not found")),
    (MountCause.ACCESS_DENIED, re.compile(r"(?i)access denied by server|mount error\((?:13|1)\)|"
                                          r"permission denied|STATUS_LOGON_FAILURE")),
    (MountCause.UNREACHABLE, re.compile(r"(?i)timed out|no route to host|connection refused|"
                                        r"host is down|network is unreachable|mount error\("
                                        r"(?:112|113|115)\)|server is not responding")),
    (MountCause.EXPORT_MISSING, re.compile(r"(?i)no such file or directory|mount error\(2\)|"
                                           r"bad share name")),
    (MountCause.WRONG_FILESYSTEM, re.compile(r"(?i)wrong fs type|bad superblock|can't read "
                                             r"superblock|structure needs cleaning")),
)  # fmt: skip


def mount_error(detail: str) -> MountError | None:
    """The cause of a ``MountVolume``/``MapVolume`` failure, when the mount output names one."""
    fs_type = _fs_type(detail)
    for cause, pattern in _RULES:
        if not pattern.search(detail):
            continue
        if cause is MountCause.CLIENT_MISSING and fs_type and fs_type not in NETWORK_TYPES:
            cause = MountCause.WRONG_FILESYSTEM  # a disk: its filesystem, not a missing helper
        if cause is MountCause.WRONG_FILESYSTEM and fs_type in NETWORK_TYPES:
            cause = MountCause.CLIENT_MISSING  # "wrong fs type" of a network mount: no client
        if cause is not MountCause.OWNERSHIP_REFUSED and not fs_type:
            return None  # no mount command quoted: too little to tell
        source = _SOURCE.search(detail)
        return MountError(cause, fs_type, source["source"] if source else "", _output(detail))
    return None


def masked(text: str) -> str:
    """Mount arguments with passwords and credentials replaced (old kubelets quote them)."""
    return _SECRET_OPTION.sub(lambda m: f"{m.group(1)}=<masked>", text)


def node_address(node: Node | None) -> str:
    """The node's InternalIP, the address a file server sees it come from."""
    if node is None:
        return ""
    addresses = node.status.get("addresses") or []
    for address in addresses if isinstance(addresses, list) else []:
        if isinstance(address, dict) and address.get("type") == "InternalIP":
            return str(address.get("address") or "")
    return ""


def _fs_type(detail: str) -> str:
    found = _FS_TYPE.search(detail)
    if found:
        return found["type"]
    plugin = _PLUGIN_DIR.search(detail)
    if plugin:
        return {"nfs": "nfs", "azure-file": "cifs", "glusterfs": "glusterfs"}.get(
            plugin["plugin"], ""
        )
    if "mount.nfs" in detail:
        return "nfs"
    if "mount.cifs" in detail or "mount error(" in detail:
        return "cifs"
    return ""


def _output(detail: str) -> str:
    """The mount's own error lines (after ``Output:``), joined and masked."""
    text = detail.split("Output:", 1)[1] if "Output:" in detail else detail
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("Running scope", "Refer to the"))
    ]
    return masked(" ".join(lines))[:400]
