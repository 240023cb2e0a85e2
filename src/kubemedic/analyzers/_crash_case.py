"""A classified crash and the objects a fix for it is written against.

Shared by the crash fixes (start failures, application errors) so each fix takes one argument
and builds its patches against the owning workload the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._crash import Crash
from kubemedic.analyzers._dependency import Dependency
from kubemedic.analyzers._template_patch import container_patch
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Event, Pod

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

    def patch(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """A ``kubectl patch`` setting ``fields`` on this container, if the kind allows one."""
        patch = container_patch(self.workload, self.spec, fields)
        return (patch,) if patch else ()
