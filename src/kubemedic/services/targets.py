"""Read what a plan or a validation needs from the cluster around its target object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions import PlanContext
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import NotFound
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, ActionType

_SCALE_TARGETS = ("Deployment", "StatefulSet", "ReplicaSet")


def plan_context(
    writer: ClusterWriter, request: ActionRequest, current: Mapping[str, Any]
) -> PlanContext:
    """The related objects the action consults (nodes and pods for capacity, RSs for undo)."""
    target = request.target
    if request.type is ActionType.SCALE:
        return PlanContext(
            nodes=writer.list("Node", None),
            pods=writer.list("Pod", None),
            hpa=autoscaler_of(writer, target),
        )
    if request.type is ActionType.HPA:
        return PlanContext(hpa=autoscaler_of(writer, target))
    if request.type is ActionType.UNDO:
        uid = dig(current, "metadata", "uid")
        owned = [
            rs
            for rs in writer.list("ReplicaSet", target.namespace)
            if any(o.get("uid") == uid for o in dig(rs, "metadata", "ownerReferences") or [])
        ]
        return PlanContext(replica_sets=owned)
    if request.type is ActionType.HELM_ROLLBACK:
        from kubemedic.services.rollouts.cluster import helm_of  # it reads pods through here

        release = helm_of(writer, current)
        return PlanContext(extra={"helm": release.to_data()} if release else {})
    return PlanContext()


def autoscaler_of(writer: ClusterWriter, target: ObjectRef) -> Mapping[str, Any] | None:
    """The HPA whose scaleTargetRef is this workload, if any."""
    if target.kind not in _SCALE_TARGETS:
        return None
    for hpa in writer.list("HorizontalPodAutoscaler", target.namespace):
        ref = dig(hpa, "spec", "scaleTargetRef") or {}
        if ref.get("kind") == target.kind and ref.get("name") == target.name:
            return hpa
    return None


def workload_of(
    writer: ClusterWriter, request: ActionRequest, current: Mapping[str, Any]
) -> ObjectRef | None:
    """The workload whose pods prove the change worked (the pod's controller for a restart)."""
    target = request.target
    if target.kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return target
    if target.kind == "HorizontalPodAutoscaler":
        ref = dig(current, "spec", "scaleTargetRef") or {}
        if not ref.get("kind") or not ref.get("name"):
            return None
        return ObjectRef(str(ref["kind"]), str(ref["name"]), target.namespace)
    if target.kind == "Pod":
        return _controller_chain(writer, current)
    return None


def _controller_chain(writer: ClusterWriter, obj: Mapping[str, Any]) -> ObjectRef | None:
    """A pod's top controller: ReplicaSet → Deployment, or the StatefulSet/DaemonSet/Job."""
    namespace = str(dig(obj, "metadata", "namespace") or "")
    owner = next(
        (o for o in dig(obj, "metadata", "ownerReferences") or [] if o.get("controller")), None
    )
    if owner is None:
        return None
    ref = ObjectRef(str(owner["kind"]), str(owner["name"]), namespace)
    if ref.kind == "ReplicaSet":
        try:
            parent = _controller_chain(writer, writer.get(ref))
        except NotFound:
            return ref
        return parent or ref
    return ref


def pods_of(writer: ClusterWriter, workload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pods a workload's selector matches (matchLabels; expressions narrowed by owner)."""
    labels = dig(workload, "spec", "selector", "matchLabels") or {}
    selector = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
    namespace = str(dig(workload, "metadata", "namespace") or "")
    return writer.list("Pod", namespace, label_selector=selector or None)


def read_or_none(writer: ClusterWriter, ref: ObjectRef) -> dict[str, Any] | None:
    """The object, or None when it does not exist (yet, or any more)."""
    try:
        return writer.get(ref)
    except NotFound:
        return None
