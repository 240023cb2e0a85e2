"""Who may write to a volume: the process user against the storage's ownership model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers._arch import image_architecture
from kubemedic.analyzers._volume_access import Ownership, process_user, volume_access
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Pod

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _pod(volume: dict[str, Any], *, container: dict[str, Any] | None = None, **spec: Any) -> Pod:
    raw = {
        "kind": "Pod",
        "metadata": {"name": "db-0", "namespace": "data"},
        "spec": {
            "containers": [
                {
                    "name": "db",
                    "image": "postgres:16.2",
                    "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                    **(container or {}),
                }
            ],
            "volumes": [{"name": "data", **volume}],
            **spec,
        },
    }
    return Pod(raw)


def _view(pod: Pod, *objects: dict[str, Any]) -> ClusterView:
    return ClusterView([pod.raw, *objects], observed_at=NOW, source="test")


def _claimed(pv_spec: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    pvc = {
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data-db-0", "namespace": "data"},
        "spec": {"volumeName": "pv-1", "accessModes": ["ReadWriteOnce"]},
        "status": {"phase": "Bound"},
    }
    pv = {"kind": "PersistentVolume", "metadata": {"name": "pv-1"}, "spec": pv_spec}
    return pvc, pv


@pytest.mark.parametrize(
    ("pv_spec", "ownership"),
    [
        ({"csi": {"driver": "ebs.csi.aws.com", "fsType": "ext4"}}, Ownership.FS_GROUP),
        ({"nfs": {"server": "10.0.0.5", "path": "/exports/db"}}, Ownership.SERVER),
        ({"csi": {"driver": "efs.csi.aws.com"}}, Ownership.SERVER),
        ({"csi": {"driver": "file.csi.azure.com"}}, Ownership.MOUNT_OPTIONS),
        ({"hostPath": {"path": "/var/local-path-provisioner/pvc-1"}}, Ownership.NODE),
    ],
)
def test_the_storage_behind_the_claim_decides_the_ownership_model(
    pv_spec: dict[str, Any], ownership: Ownership
) -> None:
    pod = _pod({"persistentVolumeClaim": {"claimName": "data-db-0"}})
    access = volume_access(
        _view(pod, *_claimed(pv_spec)), pod, pod.containers[0], "/var/lib/postgresql/data/pgdata"
    )
    assert access is not None
    assert access.ownership is ownership
    assert (access.volume, access.mount_path, access.claim) == (
        "data",
        "/var/lib/postgresql/data",
        "data-db-0",
    )


def test_config_volumes_and_read_only_mounts_cannot_be_written() -> None:
    pod = _pod({"configMap": {"name": "settings"}})
    access = volume_access(_view(pod), pod, pod.containers[0], "/var/lib/postgresql/data/x")
    assert access is not None
    assert access.ownership is Ownership.READ_ONLY
    assert "always mounted read-only" in access.explain("db")


def test_a_path_outside_every_mount_is_not_a_volume_matter() -> None:
    pod = _pod({"emptyDir": {}})
    assert volume_access(_view(pod), pod, pod.containers[0], "/etc/nginx/nginx.conf") is None


def test_root_refused_a_chown_means_the_storage_squashes_root() -> None:
    pod = _pod({"nfs": {"server": "10.0.0.5", "path": "/exports/db"}})
    line = "chown: changing ownership of '/var/lib/postgresql/data': Operation not permitted"
    access = volume_access(_view(pod), pod, pod.containers[0], "/var/lib/postgresql/data", line)
    assert access is not None
    assert access.root_refused  # the official postgres entrypoint chowns as root
    assert access.export == "10.0.0.5:/exports/db"
    assert access.owner == (999, 999)


def test_the_process_user_comes_from_the_container_then_the_pod_then_the_image() -> None:
    pod = _pod(
        {}, container={"securityContext": {"runAsUser": 1001}}, securityContext={"runAsUser": 5}
    )
    assert (
        process_user(pod, pod.containers[0]).described
        == "uid 1001 (container securityContext.runAsUser)"
    )
    pod = _pod({}, securityContext={"runAsUser": 5, "runAsGroup": 6})
    user = process_user(pod, pod.containers[0])
    assert (user.uid, user.group) == (5, 6)
    assert process_user(_pod({}), _pod({}).containers[0]).starts_as_root


def test_a_root_helper_owns_the_volume_for_the_uid_it_chowns_to() -> None:
    pod = _pod(
        {"nfs": {"server": "10.0.0.5", "path": "/e"}},
        container={
            "command": ["sh", "-c", "chown -R 1001:1001 /var/lib/postgresql/data"],
            "securityContext": {"runAsUser": 0},
        },
    )
    access = volume_access(_view(pod), pod, pod.containers[0], "/var/lib/postgresql/data")
    assert access is not None
    assert access.owner_text == "1001:1001"


@pytest.mark.parametrize(
    ("image", "arch"),
    [
        ("registry.acme.io/agent:2.8.1-linux-amd64", "amd64"),
        ("arm64v8/nginx:1.27", "arm64"),
        ("k8s.gcr.io/pause-amd64:3.1", "amd64"),
        ("quay.io/app:1.0-aarch64", "arm64"),
        ("nginx:1.27", ""),
        ("ghcr.io/acme/armory:1.2", ""),
    ],
)
def test_an_image_reference_may_name_its_architecture(image: str, arch: str) -> None:
    assert image_architecture(image) == arch
