"""A classified crash and the objects a fix for it is written against.

Shared by the crash fixes (start failures, application errors) so each fix takes one argument
and builds its patches against the owning workload the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._crash import Crash
from kubemedic.analyzers._dependency import Dependency, dependency
from kubemedic.analyzers._log_rules import LogKind
from kubemedic.analyzers._template_patch import container_patch, container_recreate_step
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Event, Pod

CRASH_IDS: dict[Category, str] = {
    Category.CRASHLOOP_APP_ERROR: "KM-POD-CRASHLOOP-APP-ERROR",
    Category.CRASHLOOP_COMMAND_NOT_FOUND: "KM-POD-CRASHLOOP-COMMAND-NOT-FOUND",
    Category.CRASHLOOP_PERMISSION_DENIED: "KM-POD-CRASHLOOP-PERMISSION-DENIED",
    Category.CRASHLOOP_EXEC_FORMAT: "KM-POD-CRASHLOOP-EXEC-FORMAT",
    Category.CRASHLOOP_COMPLETED_EXITS_ZERO: "KM-POD-CRASHLOOP-EXITS-ZERO",
    Category.VOLUME_PERMISSION_DENIED: "KM-POD-VOLUME-PERMISSION-DENIED",
}
"""The crash-loop family's finding id of each category."""
ROLLOUT_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
"""Workload kinds ``kubectl rollout`` (status, undo) works on."""


@dataclass(frozen=True, slots=True)
class CrashCase:
    """A classified crash and everything a fix is written against."""

    crash: Crash
    pod: Pod
    spec: ContainerSpec
    workload: ObjectRef
    dependency: Dependency | None = None
    node_oom: Event | None = None
    view: ClusterView | None = None
    """The cluster, for fixes that look up a real value (a previous revision, a Secret key)."""

    def patch(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """A ``kubectl patch`` setting ``fields`` on this container, if the kind allows one."""
        patch = container_patch(self.workload, self.spec, fields)
        return (patch,) if patch else ()

    def recreate(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """For a kind that cannot be patched (a bare Pod, a Job): the step recreating it with
        ``fields`` set on this container; nothing for the others."""
        step = container_recreate_step(self.workload, self.spec, fields)
        return (step,) if step else ()


def crash_dependency(view: ClusterView, pod: Pod, crash: Crash) -> Dependency | None:
    """The Service behind the host a crash could not resolve or reach, when the log names one."""
    sig = crash.signature
    if sig and sig.kind in (LogKind.DNS, LogKind.CONNECTION_REFUSED) and sig.subject:
        return dependency(view, sig.subject, pod.namespace)
    return None
