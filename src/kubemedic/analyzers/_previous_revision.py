"""The revision a workload ran before the one that fails, so a fix can name real values.

A value the latest rollout removed or changed — an env var, a probe path, an image, a
request — is known from the pod template of the revision before it (a Deployment's older
ReplicaSet). A rollback is offered only when such a revision exists: ``kubectl rollout undo``
fails on a workload without history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._rollout import rollout_of
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Pod, Workload, dig

_REVISION_HASH = "controller-revision-hash"


@dataclass(frozen=True, slots=True)
class PreviousRevision:
    """The revision before the one a failing pod runs, and how to return to it."""

    workload: ObjectRef
    number: int | None
    """The Deployment revision; None where only its existence is known (a StatefulSet)."""
    template: Mapping[str, Any]
    """Its pod template; empty when it was not collected."""
    serving: bool
    """Whether its pods were Ready: its values are known to work."""

    @property
    def undo(self) -> str:
        """``kubectl rollout undo`` back to this revision."""
        command = f"kubectl rollout undo {self.workload.kubectl_ref}"
        return command + (f" --to-revision={self.number}" if self.number else "")

    @property
    def name(self) -> str:
        return f"revision {self.number}" if self.number else "the previous revision"

    def container(self, name: str) -> ContainerSpec | None:
        """The container of that name in this revision's template (init containers too)."""
        for group, is_init in (("containers", False), ("initContainers", True)):
            for raw in dig(self.template, "spec", group) or ():
                if isinstance(raw, Mapping) and raw.get("name") == name:
                    return ContainerSpec(raw, is_init=is_init)
        return None


def previous_revision(view: ClusterView, pod: Pod) -> PreviousRevision | None:
    """The revision before the one ``pod`` runs, when the pod runs the newest one and an earlier
    revision is known to exist (Deployments by their ReplicaSets, StatefulSets by their status)."""
    ref = view.workload_of(pod)
    workload = view.get(ref.kind, ref.namespace, ref.name)
    if not isinstance(workload, Workload):
        return None
    if ref.kind == "Deployment":
        rollout = rollout_of(view, workload)
        newest, previous = rollout.newest, rollout.previous
        owner = pod.controller
        if newest is None or previous is None or owner is None or owner.name != newest.name:
            return None
        return PreviousRevision(
            ref, previous.revision, previous.pod_template, previous.status_int("readyReplicas") > 0
        )
    if ref.kind == "StatefulSet":
        current = workload.status.get("currentRevision")
        update = workload.status.get("updateRevision")
        if not current or current == update or pod.labels.get(_REVISION_HASH) != update:
            return None
        return PreviousRevision(ref, None, {}, workload.status_int("currentReplicas") > 0)
    return None
