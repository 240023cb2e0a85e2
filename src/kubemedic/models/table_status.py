"""The STATUS word of a ``kubectl get pods`` row, for a pod known only from that row.

kubectl prints one word per pod: its phase, its own reason (``Evicted``), or the reason one
of its containers waits in or ended with (``CreateContainerConfigError``, ``CrashLoopBackOff``,
``Init:Error``). The last kind is a container's, but the row does not say which container, so
it fits no field of the pod's status. The pasted-text reader keeps it under :data:`KEY` of the
pod's ``status``, and the safety net reports it as the table showed it.
"""

from __future__ import annotations

import re

from kubemedic.models.k8s import Pod

KEY = "kubectlGetPodsStatus"
_STARTING = re.compile(r"ContainerCreating|PodInitializing|Init:\d+/\d+")
"""Words of a pod on its way up: its init containers run, its containers are created."""


def table_status(pod: Pod) -> str:
    """The container-level STATUS word a pods table showed for ``pod`` ("" when none)."""
    word = pod.status.get(KEY)
    return word if isinstance(word, str) else ""


def failing_table_status(pod: Pod) -> str:
    """:func:`table_status` when it names a failure, not a start in progress ("" if not)."""
    word = table_status(pod)
    return "" if _STARTING.fullmatch(word) else word
