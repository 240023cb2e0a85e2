"""How much of a workload still serves, and how to clear the pod records it left behind.

Evicted pods and pods stuck terminating are often debris of a problem the controller already
worked around (replacements are running). Their severity follows what is still serving, so a
healthy Deployment with old evicted pods reads as cleanup, not as an incident.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta

from kubemedic.analyzers._workload import is_live
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Pod, Workload
from kubemedic.models.severity import Severity

_SCALED_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})
_HASH_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
    }
)
SETTLED_AFTER = timedelta(hours=1)
"""Records whose cause has not struck for this long, with every replica serving since, are
history."""
# Kinds whose pod template ``kubectl set resources`` can change in place.
SETTABLE_KINDS = frozenset({*_SCALED_KINDS, "DaemonSet"})


@dataclass(frozen=True, slots=True)
class Availability:
    """Ready and live pods of a workload now, and how many it wants (when known)."""

    ready: int
    live: int
    desired: int | None
    standalone: bool

    @property
    def fully_serving(self) -> bool:
        if self.standalone or self.ready == 0:
            return False
        if self.desired is not None:
            return self.ready >= self.desired
        return self.ready >= self.live

    @property
    def text(self) -> str:
        if self.standalone:
            return "a bare pod: no controller replaces it"
        wanted = f" of {self.desired}" if self.desired is not None else ""
        return f"{self.ready}{wanted} replica(s) Ready now"

    def leftover_severity(
        self, *, last: datetime | None = None, now: datetime | None = None
    ) -> Severity:
        """Low when replacements serve fully, medium when partly, high when nothing serves;
        ``info`` (history) when they serve fully and what left the records last struck
        (``last``) more than :data:`SETTLED_AFTER` before ``now``."""
        if self.fully_serving:
            settled = last is not None and now is not None and now - last > SETTLED_AFTER
            return Severity.INFO if settled else Severity.LOW
        return Severity.MEDIUM if self.ready > 0 and not self.standalone else Severity.HIGH


def availability(view: ClusterView, workload: ObjectRef) -> Availability:
    """The controller's own counts when it was collected, else the pods in the view."""
    pods = [p for p in view.pods_of(workload) if is_live(p)]
    owner = view.get(workload.kind, workload.namespace, workload.name)
    ready = sum(1 for p in pods if p.is_ready)
    desired = None
    if isinstance(owner, Workload) and owner.kind in _SCALED_KINDS:
        ready, desired = owner.status_int("readyReplicas"), owner.replicas
    elif isinstance(owner, Workload) and owner.kind == "DaemonSet":
        ready, desired = owner.status_int("numberReady"), owner.status_int("desiredNumberScheduled")
    return Availability(
        ready=ready,
        live=len(pods),
        desired=desired,
        standalone=workload.kind == "Pod",
    )


def cleanup_command(view: ClusterView, workload: ObjectRef, pods: tuple[Pod, ...]) -> str:
    """Delete the evicted pod records of this workload, and only failed ones."""
    by_name = f"kubectl delete pod {' '.join(p.name for p in pods[:10])} -n {workload.namespace}"
    if workload.kind == "Pod" or not pods:
        return by_name
    owner = view.get(workload.kind, workload.namespace, workload.name)
    labels = owner.selector.get("matchLabels") if isinstance(owner, Workload) else None
    if not isinstance(labels, dict) or not labels:
        labels = {k: v for k, v in pods[-1].labels.items() if k not in _HASH_LABELS}
    if not labels:  # an empty selector would match every failed pod of the namespace
        return by_name
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return (
        f"kubectl delete pods -n {workload.namespace} -l {shlex.quote(selector)} "
        "--field-selector=status.phase=Failed"
    )
