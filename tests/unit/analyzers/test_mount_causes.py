"""Failed mounts, read from the kubelet's real messages: the filesystem, the source, the cause."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._mount_causes import MountCause, masked, mount_error

NFS_ARGS = (
    'MountVolume.SetUp failed for volume "nfs-gcppr" : mount failed: exit status 32\n'
    "Mounting command: systemd-run\n"
    "Mounting arguments: --description=Kubernetes transient mount for /var/lib/kubelet/pods/"
    "7c537d37/volumes/kubernetes.io~nfs/nfs-gcppr --scope -- mount -t nfs 10.244.1.117:/exports "
    "/var/lib/kubelet/pods/7c537d37/volumes/kubernetes.io~nfs/nfs-gcppr\n"
    "Output: Running scope as unit run-r3952e22ef17a46ebb658f354bece0dfe.scope.\n"
)


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        (
            "mount: wrong fs type, bad option, bad superblock on 10.244.1.117:/exports,\n"
            "       missing codepage or helper program, or other error\n"
            "       (for several filesystems (e.g. nfs, cifs) you might\n"
            "       need a /sbin/mount.<type> helper program)",
            MountCause.CLIENT_MISSING,
        ),
        (
            "mount: /var/lib/kubelet/pods/x/volumes/kubernetes.io~nfs/v: bad option; for several "
            "filesystems (e.g. nfs, cifs) you might need a /sbin/mount.<type> helper program.",
            MountCause.CLIENT_MISSING,
        ),
        (
            "mount.nfs: access denied by server while mounting 10.244.1.117:/exports",
            MountCause.ACCESS_DENIED,
        ),
        ("mount.nfs: Connection timed out", MountCause.UNREACHABLE),
        (
            "mount.nfs: mounting 10.244.1.117:/exports failed, reason given by server: No such "
            "file or directory",
            MountCause.EXPORT_MISSING,
        ),
    ],
)
def test_nfs_mount_output_names_the_cause(output: str, cause: MountCause) -> None:
    error = mount_error(NFS_ARGS + output)
    assert error is not None
    assert error.cause is cause
    assert (error.fs_type, error.source, error.server) == (
        "nfs",
        "10.244.1.117:/exports",
        "10.244.1.117",
    )


def test_a_disk_with_another_filesystem_is_no_missing_client() -> None:
    detail = (
        'MountVolume.MountDevice failed for volume "pvc-f88bdca6" : mount failed: exit status 32\n'
        "Mounting command: systemd-run\n"
        "Mounting arguments: --description=Kubernetes transient mount for /var/lib/kubelet/plugins"
        "/kubernetes.io/aws-ebs/mounts/aws/us-east-2a/vol-087b --scope -- mount -t xfs -o "
        "debug,defaults /dev/xvdbq /var/lib/kubelet/plugins/kubernetes.io/aws-ebs/mounts/aws/"
        "us-east-2a/vol-087b\n"
        "Output: Running scope as unit run-4113.scope.\n"
        "mount: /var/lib/kubelet/plugins/kubernetes.io/aws-ebs/mounts/aws/us-east-2a/vol-087b: "
        "wrong fs type, bad option, bad superblock on /dev/nvme1n1, missing codepage or helper "
        "program, or other error."
    )
    error = mount_error(detail)
    assert error is not None
    assert (error.cause, error.fs_type) == (MountCause.WRONG_FILESYSTEM, "xfs")


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        ("mount error(13): Permission denied", MountCause.ACCESS_DENIED),
        ("mount error(112): Host is down", MountCause.UNREACHABLE),
        ("mount error(2): No such file or directory", MountCause.EXPORT_MISSING),
    ],
)
def test_smb_mount_errors(output: str, cause: MountCause) -> None:
    detail = (
        'MountVolume.SetUp failed for volume "log" : mount failed: exit status 32\n'
        "Mounting command: mount\n"
        "Mounting arguments: -t cifs -o ro,file_mode=0777,dir_mode=0777,vers=3.0,<masked> "
        "//acme.file.core.windows.net/log-active /var/lib/kubelet/pods/48b8/volumes/"
        f"kubernetes.io~azure-file/log\nOutput: {output}\n"
        "Refer to the mount.cifs(8) manual page (e.g. man mount.cifs)"
    )
    error = mount_error(detail)
    assert error is not None
    assert (error.cause, error.label, error.port) == (cause, "SMB", 445)
    assert error.source == "//acme.file.core.windows.net/log-active"
    assert error.output == output


def test_fs_group_the_storage_refuses() -> None:
    detail = (
        "applyFSGroup failed for vol pvc-1f2e: lchown /var/lib/kubelet/pods/9c/volumes/"
        "kubernetes.io~csi/pvc-1f2e/mount/data: operation not permitted"
    )
    error = mount_error(detail)
    assert error is not None
    assert error.cause is MountCause.OWNERSHIP_REFUSED


def test_no_mount_command_is_no_verdict() -> None:
    assert (
        mount_error("rpc error: code = Internal desc = could not mount: Permission denied") is None
    )


def test_passwords_in_old_mount_arguments_are_masked() -> None:
    args = "-o dir_mode=0777,username=acct,password=nfnL9wjqs0iQ==,vers=3.0 //acct.file/share"
    assert (
        masked(args)
        == "-o dir_mode=0777,username=acct,password=<masked>,vers=3.0 //acct.file/share"
    )
