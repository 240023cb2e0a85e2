"""Which ReplicaSet of a Deployment is the new one, and how far its rollout has come.

The Deployment controller gives every pod template a ReplicaSet ``<deployment>-<hash>`` whose
pods carry ``pod-template-hash: <hash>``; the new one is the ReplicaSet whose template is the
Deployment's (the hash label aside), as ``kubectl`` and the controller decide it. Revisions are
read from ``deployment.kubernetes.io/revision``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.models.k8s import Workload, dig

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"

Raw = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a Deployment's rollout stands, as its status and ReplicaSets say."""

    template_hash: str
    """The new ReplicaSet's ``pod-template-hash`` ("" until the controller created it)."""
    revision: int
    desired: int
    new_replicas: int
    """Pods the controller asks of the new ReplicaSet (``spec.replicas``)."""
    new_pods: int
    """Pods the new ReplicaSet has (``status.replicas``)."""
    new_available: int
    old_pods: int
    """Pods older ReplicaSets still have, terminating ones included."""
    paused: bool
    observed: bool
    """The controller has seen the Deployment's latest spec."""
    stalled: str = ""
    """The ``ProgressDeadlineExceeded`` message, when the rollout timed out."""
    replica_failure: str = ""
    """The ``ReplicaFailure`` message (pods refused by the API server), when there is one."""

    @property
    def complete(self) -> bool:
        """Every replica runs the new template and is available; no old pod is left."""
        return (
            self.observed
            and bool(self.template_hash)
            and self.new_replicas == self.desired
            and self.new_available >= self.desired
            and self.old_pods == 0
        )


def owned(deployment: Raw, objects: Sequence[Raw]) -> list[Raw]:
    """The objects whose controller is this Deployment (by uid)."""
    uid = dig(deployment, "metadata", "uid")
    return [
        obj
        for obj in objects
        if any(
            o.get("uid") == uid and o.get("controller")
            for o in dig(obj, "metadata", "ownerReferences") or []
        )
    ]


def new_replica_set(deployment: Raw, replica_sets: Sequence[Raw]) -> Raw | None:
    """The ReplicaSet running the Deployment's current template (the highest revision if
    several do); None while the controller has not created it."""
    wanted = _without_hash(dig(deployment, "spec", "template") or {})
    matching = [
        rs for rs in owned(deployment, replica_sets) if _without_hash(_template(rs)) == wanted
    ]
    return max(matching, key=revision, default=None)


def revision(obj: Raw) -> int:
    return Workload(obj).revision


def template_hash(replica_set: Raw) -> str:
    return str(dig(replica_set, "metadata", "labels", HASH_LABEL) or "")


def is_pod_of(pod: Raw, template: str) -> bool:
    """True when ``pod`` belongs to the ReplicaSet of this ``pod-template-hash``."""
    return bool(template) and dig(pod, "metadata", "labels", HASH_LABEL) == template


def progress(deployment: Raw, replica_sets: Sequence[Raw]) -> Progress:
    view = Workload(deployment)
    new = new_replica_set(deployment, replica_sets)
    old = [rs for rs in owned(deployment, replica_sets) if rs is not new]
    stalled = view.condition("Progressing")
    failure = view.condition("ReplicaFailure")
    return Progress(
        template_hash=template_hash(new) if new else "",
        revision=revision(new) if new else 0,
        desired=view.replicas,
        new_replicas=int(dig(new, "spec", "replicas") or 0) if new else 0,
        new_pods=Workload(new).status_int("replicas") if new else 0,
        new_available=Workload(new).status_int("availableReplicas") if new else 0,
        old_pods=sum(Workload(rs).status_int("replicas") for rs in old),
        paused=bool(view.spec.get("paused")),
        observed=view.status_int("observedGeneration") >= view.generation,
        stalled=stalled.message
        if stalled and stalled.reason == "ProgressDeadlineExceeded" and not stalled.is_true
        else "",
        replica_failure=failure.message if failure and failure.is_true else "",
    )


def _template(replica_set: Raw) -> Raw:
    return dig(replica_set, "spec", "template") or {}


def _without_hash(template: Raw) -> dict[str, Any]:
    metadata = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k != HASH_LABEL}
    metadata["labels"] = labels
    return {**template, "metadata": metadata}
