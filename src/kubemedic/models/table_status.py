"""The STATUS word of a ``kubectl get pods`` row, for a pod known only from that row.

kubectl prints one word per pod: its phase, its own reason (``Evicted``), or the reason one
of its containers waits in or ended with (``CreateContainerConfigError``, ``CrashLoopBackOff``,
``Init:Error``). The last kind is a container's, but the row does not say which container, so
it fits no field of the pod's status. The pasted-text reader keeps it under :data:`KEY` of the
pod's ``status``, and the safety net reports it as the table showed it.

When the row shows one app container (READY ``x/1``) and the word is how a container crashes
(:data:`CRASH_WORDS`), the word is that container's: the reader models it as the pod's one
container status, with the restarts the row counts and no name ("": kubectl picks a pod's
only container without ``-c``). Its image, command, resources and mounts stay
unknown (no spec), so analyzers say what the row shows and print commands without ``-c``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubemedic.models.k8s import ContainerStatus, Pod

KEY = "kubectlGetPodsStatus"
_STARTING = re.compile(r"ContainerCreating|PodInitializing|Init:\d+/\d+")
"""Words of a pod on its way up: its init containers run, its containers are created."""
CRASH_WORDS: Mapping[str, Mapping[str, Any]] = {
    "CrashLoopBackOff": {"waiting": {"reason": "CrashLoopBackOff"}},
    "RunContainerError": {"waiting": {"reason": "RunContainerError"}},
    "OOMKilled": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
    "Error": {"terminated": {"reason": "Error"}},
}
"""Words that are the state of a container that crashes, and that state (an OOM kill is a
SIGKILL: exit code 137; the non-zero code of an ``Error`` is not shown)."""


def table_status(pod: Pod) -> str:
    """The container-level STATUS word a pods table showed for ``pod`` ("" when none)."""
    word = pod.status.get(KEY)
    return word if isinstance(word, str) else ""


def failing_table_status(pod: Pod) -> str:
    """:func:`table_status` when it names a failure, not a start in progress ("" if not)."""
    word = table_status(pod)
    return "" if _STARTING.fullmatch(word) else word


def from_row(pod: Pod, status: ContainerStatus) -> bool:
    """``status`` is the one container a pods table row showed (named or not), not read from
    a description or YAML: its spec, exit code and times are unknown."""
    return bool(table_status(pod)) and pod.container(status.name) is None


def row_only(pod: Pod) -> bool:
    """The pod is known only from a pods table row: its word, and no container that more
    than the row shows (a description or a YAML status would)."""
    return bool(table_status(pod)) and all(from_row(pod, s) for s in pod.all_container_statuses)


def container_words(status: ContainerStatus) -> str:
    """``container app`` or, for an unnamed one, ``its container``, for sentences."""
    return f"container {status.name}" if status.name else "its container"


def log_flags(status: ContainerStatus) -> str:
    """`` -c app`` for ``kubectl logs``; nothing for an unnamed container (the pod's only
    one, which kubectl picks without ``-c``)."""
    return f" -c {status.name}" if status.name else ""
