"""Volume attach and mount failures as the kubelet and the attach/detach controller report them.

A pod stuck in ContainerCreating collects FailedMount / FailedAttachVolume events: specific
ones (``MountVolume.SetUp failed for volume "data" : ...``, ``Multi-Attach error for volume
"pvc-..."``) and a generic summary every two minutes (``Unable to attach or mount volumes:
unmounted volumes=[data] ...: timed out waiting for the condition``). This module turns them
into typed failures, leaves to the config analyzer those about missing ConfigMaps and Secrets,
and ignores the kubelet's transient cache messages (``object "ns"/"name" not registered``,
``failed to sync secret cache``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kubemedic.analyzers._config_refs import parse_config_error
from kubemedic.analyzers._mount_causes import MountError, mount_error
from kubemedic.models.k8s import Event, Pod

MOUNT_EVENT_REASONS = ("FailedMount", "FailedAttachVolume", "FailedMapVolume")
_BEFORE_START = frozenset({"ContainerCreating", "PodInitializing", ""})
_MULTI_ATTACH = re.compile(r'Multi-Attach error for volume "(?P<volume>[^"]+)"\s*(?P<detail>.*)')
_ATTACH = re.compile(
    r'AttachVolume\.Attach failed for volume "(?P<volume>[^"]+)"\s*:?\s*(?P<detail>.*)'
)
_OPERATION = re.compile(
    r'(?:MountVolume|MapVolume)\.(?P<op>[\w ]+?) failed for volume "(?P<volume>[^"]+)"'
    r"\s*:?\s*(?P<detail>.*)",
    re.DOTALL,
)
_UNMOUNTED = re.compile(r"unmounted volumes=\[(?P<volumes>[^\]]*)\]")
_SUBPATH = re.compile(
    r'failed to prepare subPath for volumeMount "(?P<mount>[^"]+)" of container "[^"]+"'
)
_SUBPATH_DIR = re.compile(
    r"volume-subpaths/(?P<volume>[^/\s\"]+)/(?P<container>[^/\s\"]+)/(?P<index>\d+)"
)
# Transient kubelet cache messages after a restart or watch hiccup: they clear by themselves.
_TRANSIENT = re.compile(
    r'object "[^"]+"/"[^"]+" not registered|failed to sync (?:configmap|secret) cache'
)
_CSI_NOT_REGISTERED = re.compile(
    r"driver name (?P<driver>\S+) not found in the list of registered CSI drivers"
)


class MountProblem(StrEnum):
    """What kind of attach or mount failure an event describes."""

    MULTI_ATTACH = "multi-attach"
    ATTACH = "attach"
    CSI_DRIVER_MISSING = "csi-driver-missing"
    FILESYSTEM = "filesystem"
    """``mount`` itself failed and says why (client missing, access denied, unreachable ...)."""
    NFS = "nfs"
    HOST_PATH = "host-path"
    SUBPATH = "subpath"
    MOUNT = "mount"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class MountFailure:
    """One failure: the volume it names (a pod volume or a PV name), and the runtime's words."""

    problem: MountProblem
    volume: str
    detail: str
    event: Event | None = None
    driver: str = ""
    error: MountError | None = None


def waiting_for_volumes(pod: Pod) -> bool:
    """Scheduled, and no container has started yet: the kubelet is still setting up volumes."""
    if pod.phase != "Pending" or not pod.node_name:
        return False
    return all(
        not s.state.is_running and s.state.terminated is None and s.last_termination is None
        and s.state.waiting_reason in _BEFORE_START
        for s in pod.all_container_statuses
    )  # fmt: skip


def parse_mount_event(event: Event) -> MountFailure | None:
    """The failure an event reports; None for config problems, noise and unrelated events."""
    message = event.message
    if parse_config_error(message) or _TRANSIENT.search(message):
        return None
    if match := _MULTI_ATTACH.search(message):
        return MountFailure(MountProblem.MULTI_ATTACH, match["volume"], match["detail"], event)
    if match := _ATTACH.search(message):
        return MountFailure(MountProblem.ATTACH, match["volume"], match["detail"], event)
    if match := _OPERATION.search(message):
        return _operation_failure(match["op"], match["volume"], match["detail"], event)
    if match := _UNMOUNTED.search(message):
        volumes = ",".join(v for v in match["volumes"].split() if v)
        return MountFailure(MountProblem.TIMEOUT, volumes, message, event)
    return None


def _operation_failure(operation: str, volume: str, detail: str, event: Event) -> MountFailure:
    lowered = detail.lower()
    if driver := _CSI_NOT_REGISTERED.search(detail):
        return MountFailure(
            MountProblem.CSI_DRIVER_MISSING, volume, detail, event, driver["driver"]
        )
    if error := mount_error(detail):
        return MountFailure(MountProblem.FILESYSTEM, volume, detail, event, error=error)
    if "mount.nfs" in lowered or "-t nfs" in lowered:
        return MountFailure(MountProblem.NFS, volume, detail, event)
    if "hostpath type check failed" in lowered or (
        operation.startswith("NewMounter") and "does not exist" in lowered
    ):
        return MountFailure(MountProblem.HOST_PATH, volume, detail, event)
    return MountFailure(MountProblem.MOUNT, volume, f"{operation} failed: {detail}", event)


def subpath_failure(message: str, pod: Pod) -> MountFailure | None:
    """A subPath that could not be set up, from a CreateContainerConfigError/-Error message."""
    if match := _SUBPATH.search(message):
        return MountFailure(MountProblem.SUBPATH, match["mount"], message)
    if match := _SUBPATH_DIR.search(message):
        spec = pod.container(match["container"])
        index = int(match["index"])
        mounts = spec.volume_mounts if spec is not None else ()
        volume = str(mounts[index].get("name") or "") if index < len(mounts) else match["volume"]
        return MountFailure(MountProblem.SUBPATH, volume or match["volume"], message)
    return None
