"""How to let a container write to its volume, chosen by how the volume is owned.

A block volume takes ``fsGroup`` (the kubelet re-owns it on mount); an NFS export and a
hostPath directory do not — their owner must change where they live, or a root init container
must ``chown`` them (which root_squash forbids on NFS); an SMB share is owned through its
mount options; a read-only volume cannot be written at all. Each fix is written against the
owning workload with this pod's uid, volume and path.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._crash_case import CrashCase
from kubemedic.analyzers._template_patch import (
    container_patch,
    follow_up_steps,
    on_node,
    template_patch,
)
from kubemedic.analyzers._volume_access import Ownership, VolumeAccess
from kubemedic.models.k8s import dig
from kubemedic.models.severity import RiskTier

CHOWN_IMAGE = "busybox:1.36"


def volume_permission_fix(case: CrashCase) -> Fix:
    """The fix for a write refused on a volume, by the volume's ownership model."""
    access = case.crash.volume
    if access is None:
        return Fix(f"Let {case.spec.name} write to its volume.")
    fix = _BY_OWNERSHIP[access.ownership](case, access)
    steps = fix.steps + follow_up_steps(case.workload, case.pod, recreate=not fix.commands)
    return Fix(fix.summary, steps, fix.commands, fix.risk)


def chown_init_patch(case: CrashCase, access: VolumeAccess) -> str | None:
    """A template patch adding a root init container that gives the mount to the process."""
    init = {
        "name": "fix-permissions",
        "image": CHOWN_IMAGE,
        "command": ["sh", "-c", f"chown -R {access.owner_text} {shlex.quote(access.mount_path)}"],
        "securityContext": {"runAsUser": 0},
        "volumeMounts": [{"name": access.volume, "mountPath": access.mount_path}],
    }
    return template_patch(case.workload, {"initContainers": [init]})


def _fs_group(case: CrashCase, access: VolumeAccess) -> Fix:
    gid = access.owner[1]
    if access.fs_group is not None:
        patch = chown_init_patch(case, access)
        return Fix(
            f"fsGroup {access.fs_group} is set but volume {access.volume} was not re-owned: "
            f"give {access.mount_path} to {access.owner_text} with a root init container, or check "
            f"that driver {access.driver or '(unknown)'} supports fsGroup.",
            (
                (
                    f"kubectl get csidriver {access.driver} -o jsonpath='{{.spec.fsGroupPolicy}}'"
                    if access.driver
                    else "kubectl get csidrivers -o custom-columns=DRIVER:.metadata.name,"
                    "POLICY:.spec.fsGroupPolicy"
                )
                + " — None means the kubelet never re-owns its volumes; "
                "ReadWriteOnceWithFSType needs an fsType on the volume.",
            ),
            (patch,) if patch else (),
        )
    patch = template_patch(
        case.workload,
        {"securityContext": {"fsGroup": gid, "fsGroupChangePolicy": "OnRootMismatch"}},
    )
    return Fix(
        f"Set the pod's securityContext.fsGroup to {gid}: the kubelet then gives volume "
        f"{access.volume} to group {gid} on mount and adds that group to {case.spec.name}'s "
        "processes.",
        (
            "fsGroupChangePolicy OnRootMismatch re-owns the volume only when its root does not "
            "match yet, so large volumes do not slow down every restart.",
        ),
        (patch,) if patch else (),
    )


def _server(case: CrashCase, access: VolumeAccess) -> Fix:
    owner = access.owner_text
    if "efs" in access.driver:
        steps = [
            "An EFS access point stamps its own uid/gid on every file (dynamic provisioning picks "
            "a gid between gidRangeStart and gidRangeEnd), so chown is refused even to root: "
            f"provision the volume through an access point owned by {owner} (StorageClass "
            f'parameters uid: "{access.owner[0]}", gid: "{access.owner[1]}"), or run the '
            "container as the access point's uid (the owner check below prints it).",
        ]
    else:
        steps = [
            f"On the NFS server, give {access.export or 'the exported directory'} to {owner} "
            f"(chown -R {owner} on the exported directory), or export it with all_squash and "
            "anonuid/anongid set to those ids: under root_squash ownership can only change on "
            "the server.",
            "Or run the container as the uid that owns the export now (runAsUser/runAsGroup; the "
            "owner check below prints it).",
        ]
    commands = [_owner_check(case, access)]
    if not access.root_refused and "efs" not in access.driver:
        steps.append(
            "If the export uses no_root_squash, a root init container can chown it instead (the "
            "patch below); with root_squash it fails with 'Operation not permitted'."
        )
        commands.append(chown_init_patch(case, access) or "")
    return Fix(
        f"Make the storage behind volume {access.volume} writable for {owner}: fsGroup does not "
        "apply to NFS-like volumes, ownership is set where the files live.",
        tuple(steps),
        tuple(c for c in commands if c),
        RiskTier.MEDIUM,
    )


def _mount_options(case: CrashCase, access: VolumeAccess) -> Fix:
    options = [
        f"uid={access.owner[0]}",
        f"gid={access.owner[1]}",
        "dir_mode=0770",
        "file_mode=0660",
    ]
    commands: tuple[str, ...] = ()
    if access.pv:
        body = json.dumps({"spec": {"mountOptions": options}}, separators=(",", ":"))
        commands = (
            f"kubectl patch pv {access.pv} --type merge -p {shlex.quote(body)}",
            f"kubectl delete pod {case.pod.name} -n {case.pod.namespace}",
        )
    return Fix(
        f"Mount the share behind volume {access.volume} as the container's user: mount options "
        f"{','.join(options)} (chown cannot change owners on SMB).",
        (
            "Set the same mountOptions on the StorageClass so new volumes get them; the pod must "
            "be recreated for the share to be mounted again.",
        ),
        commands,
        RiskTier.MEDIUM,
    )


def _node(case: CrashCase, access: VolumeAccess) -> Fix:
    host_path = next(
        (
            str(dig(v, "hostPath", "path"))
            for v in case.pod.volumes
            if v.get("name") == access.volume and dig(v, "hostPath", "path")
        ),
        "",
    )
    patch = chown_init_patch(case, access)
    commands = tuple(
        c
        for c in (
            patch,
            on_node(case.pod.node_name, f"chown -R {access.owner_text} /host{host_path}", case.pod)
            if host_path
            else "",
        )
        if c
    )
    return Fix(
        f"Give {access.mount_path} to {access.owner_text}: a root init container that chowns it "
        "before the app starts (fsGroup does not apply to node directories), or chown the "
        "directory on the node itself.",
        ("A pod moved to another node finds that node's directory with its own owner.",),
        commands,
    )


def _read_only(case: CrashCase, access: VolumeAccess) -> Fix:
    if access.read_only_mount:
        mount = {"name": access.volume, "mountPath": access.mount_path, "readOnly": False}
        patch = container_patch(case.workload, case.spec, {"volumeMounts": [mount]})
        return Fix(
            f"Drop readOnly from the mount of volume {access.volume} at {access.mount_path} if "
            "the application must write there.",
            (),
            (patch,) if patch else (),
        )
    return Fix(
        f"Let {case.spec.name} write somewhere else than {access.mount_path}: {access.source} is "
        "read-only by design.",
        (
            "Point the application's writable path (cache, pid file, generated config) at an "
            "emptyDir volume.",
            "If it must edit the files it reads, mount the ConfigMap/Secret at another path and "
            f"copy them into an emptyDir at {access.mount_path} from an init container.",
        ),
    )


def _unknown(case: CrashCase, access: VolumeAccess) -> Fix:
    patch = chown_init_patch(case, access)
    return Fix(
        f"Give {access.mount_path} to {access.owner_text} (a root init container that chowns "
        "it), or run the container as the user that owns it.",
        (),
        (patch,) if patch else (),
    )


def _owner_check(case: CrashCase, access: VolumeAccess) -> str:
    """A throw-away pod that prints the owner of the claim's root directory."""
    if not access.claim:
        return ""
    overrides = {
        "spec": {
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": access.claim}}],
            "containers": [
                {
                    "name": "owner",
                    "image": CHOWN_IMAGE,
                    "command": ["ls", "-ldn", "/v"],
                    "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                }
            ],
        }
    }
    spec = shlex.quote(json.dumps(overrides, separators=(",", ":")))
    return (
        f"kubectl run owner-check -n {case.pod.namespace} --rm -i --restart=Never "
        f"--image={CHOWN_IMAGE} --overrides={spec}"
    )


_BY_OWNERSHIP: dict[Ownership, Callable[[CrashCase, VolumeAccess], Fix]] = {
    Ownership.FS_GROUP: _fs_group,
    Ownership.SERVER: _server,
    Ownership.MOUNT_OPTIONS: _mount_options,
    Ownership.NODE: _node,
    Ownership.READ_ONLY: _read_only,
    Ownership.UNKNOWN: _unknown,
}
