"""What the guard reads from the cluster at each look, and the Events it leaves on a Deployment.

One look is three requests: the Deployment, its namespace's ReplicaSets, and the pods its
selector matches. Helm's release history is read from the labels of the release's Secrets
(never their contents). An Event on the Deployment tells ``kubectl describe`` readers what the
guard did.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import ClusterError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.rollouts.helm import RELEASE_SELECTOR, HelmRelease, helm_release, with_history
from kubemedic.rollouts.revisions import Progress, is_pod_of, owned, progress
from kubemedic.services.targets import pods_of

EVENT_SOURCE = "kubemedic-rollout-guard"


@dataclass(frozen=True, slots=True)
class Look:
    """The Deployment, its ReplicaSets and its pods, read one after the other."""

    deployment: Mapping[str, Any]
    replica_sets: tuple[Mapping[str, Any], ...]
    pods: tuple[Mapping[str, Any], ...]
    progress: Progress = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "progress", progress(self.deployment, self.replica_sets))

    def pods_of(self, template_hash: str) -> list[Mapping[str, Any]]:
        return [p for p in self.pods if is_pod_of(p, template_hash)]

    def other_pods(self, template_hash: str) -> list[Mapping[str, Any]]:
        return [p for p in self.pods if not is_pod_of(p, template_hash)]


def look(writer: ClusterWriter, ref: ObjectRef) -> Look:
    """One look at the Deployment (``NotFound`` when it is gone)."""
    deployment = writer.get(ref)
    replica_sets = owned(deployment, writer.list("ReplicaSet", ref.namespace))
    return Look(deployment, tuple(replica_sets), tuple(pods_of(writer, deployment)))


def helm_of(writer: ClusterWriter, deployment: Mapping[str, Any]) -> HelmRelease | None:
    """The Helm release managing the Deployment, with its revisions when they can be read."""
    release = helm_release(deployment)
    if release is None:
        return None
    try:
        revisions = writer.list(
            "Secret", release.namespace, label_selector=RELEASE_SELECTOR.format(name=release.name)
        )
    except ClusterError:  # no right to list Secrets: the release is still named
        return release
    return with_history(release, revisions)


def record_event(
    writer: ClusterWriter,
    deployment: Mapping[str, Any],
    *,
    reason: str,
    message: str,
    warning: bool,
    now: datetime,
) -> None:
    """A core/v1 Event about the Deployment, as ``kubectl describe`` shows them."""
    meta = deployment.get("metadata") or {}
    stamp = format_time(now)
    writer.create(
        "Event",
        str(meta.get("namespace")),
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{meta.get('name')}.{secrets.token_hex(8)}",
                "namespace": meta.get("namespace"),
            },
            "involvedObject": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": meta.get("name"),
                "namespace": meta.get("namespace"),
                "uid": meta.get("uid"),
                "resourceVersion": dig(deployment, "metadata", "resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "type": "Warning" if warning else "Normal",
            "source": {"component": EVENT_SOURCE},
            "reportingComponent": EVENT_SOURCE,
            "reportingInstance": socket.gethostname(),
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        },
    )
