"""Replica count and autoscaler changes: scale, create/update an HPA, delete an HPA."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions._common import SCALABLE_KINDS, int_param, require_kind, template_containers
from kubemedic.actions.capacity import replicas_that_fit, template_requests
from kubemedic.actions.context import PlanContext
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, Change, ChangeVerb, Plan, TierFacts

HPA_KIND = "HorizontalPodAutoscaler"
SUSTAINED_LOAD_CHECKS = ("replicas-grew", "cpu-under-target", "error-rate")
"""What an autoscaler proposed for a workload under sustained load must show once it runs."""
_API_VERSIONS = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1"}


def plan_scale(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    require_kind(request, SCALABLE_KINDS)
    after = int_param(request, "replicas")
    before = declared_replicas(current)
    if after == before:
        raise InputError(f"{request.target} already has {before} replicas: nothing to change")
    within: bool | None = None
    if after > before and context.nodes:
        within = replicas_that_fit(template_requests(current), context.nodes, context.pods) >= (
            after - before
        )
    target = request.target
    hpa_note = ""
    if context.hpa is not None:
        hpa_note = (
            f" (note: autoscaler {dig(context.hpa, 'metadata', 'name')} manages this workload "
            "and may change the count again)"
        )
    return Plan(
        request=request,
        summary=f"Scale {target.kubectl_ref} from {before} to {after} replicas{hpa_note}",
        change=_replicas(target, after),
        inverse=_replicas(target, before),
        facts=TierFacts(
            request.type,
            target.kind,
            target.namespace,
            replicas_before=before,
            replicas_after=after,
            within_capacity=within,
        ),
        prior={"replicas": before},
        after={"replicas": after},
        checks=("rollout-complete", "pods-ready", "no-new-restarts"),
    )


def declared_replicas(current: Mapping[str, Any]) -> int:
    """``spec.replicas`` as the API server defaults it: 1 when unset."""
    declared = dig(current, "spec", "replicas")
    return int(declared) if declared is not None else 1


def _replicas(target: ObjectRef, count: int) -> Change:
    return Change(ChangeVerb.PATCH, target, {"spec": {"replicas": count}}, "merge")


def plan_hpa(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    """Create the workload's HPA (named after it, as ``kubectl autoscale`` does) or change it."""
    require_kind(request, SCALABLE_KINDS)
    low = int_param(request, "min", minimum=1)
    high = int_param(request, "max", minimum=1)
    target_pct = int_param(request, "cpu_target", minimum=1)
    if low > high:
        raise InputError(f"--min {low} is greater than --max {high}")
    target = request.target
    stabilization = request.params.get("scale_down_stabilization")
    missing = [
        str(c.get("name"))
        for c in template_containers(current)
        if dig(c, "resources", "requests", "cpu") is None
    ]
    if missing:
        raise InputError(
            f"{target} cannot be autoscaled on CPU: container {', '.join(missing)} has no CPU "
            "request, so utilization has no denominator",
            hint=f"propose resources {target.kind.lower()}/{target.name} -n {target.namespace} "
            "--container NAME --cpu-request VALUE first",
        )
    spec: dict[str, Any] = {
        "scaleTargetRef": {
            "apiVersion": _API_VERSIONS[target.kind],
            "kind": target.kind,
            "name": target.name,
        },
        "minReplicas": low,
        "maxReplicas": high,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": target_pct},
                },
            }
        ],
    }
    if stabilization is not None:
        seconds = int_param(request, "scale_down_stabilization")
        spec["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": seconds}}
    before = declared_replicas(current)
    after = {
        "minReplicas": low,
        "maxReplicas": high,
        "cpuTargetPercent": target_pct,
        "replicasBefore": before,
    }
    facts = TierFacts(
        request.type,
        target.kind,
        target.namespace,
        replicas_before=before,
        replicas_after=high,
    )
    checks: tuple[str, ...] = ("hpa-active", "pods-ready")
    if request.params.get("sustained_load"):
        checks = (*checks, *SUSTAINED_LOAD_CHECKS)
    existing = context.hpa
    if existing is None:
        name = target.name
        hpa_ref = ObjectRef(HPA_KIND, name, target.namespace)
        body = {
            "apiVersion": "autoscaling/v2",
            "kind": HPA_KIND,
            "metadata": {"name": name, "namespace": target.namespace},
            "spec": spec,
        }
        return Plan(
            request=request,
            summary=f"Create autoscaler {name} for {target.kubectl_ref}: {low}-{high} replicas "
            f"at {target_pct}% CPU",
            change=Change(ChangeVerb.CREATE, hpa_ref, body),
            inverse=Change(ChangeVerb.DELETE, hpa_ref),
            facts=facts,
            prior={"hpa": None},
            after=after,
            checks=checks,
        )
    hpa_ref = ObjectRef(HPA_KIND, str(dig(existing, "metadata", "name")), target.namespace)
    old_spec = dict(dig(existing, "spec") or {})
    return Plan(
        request=request,
        summary=f"Change autoscaler {hpa_ref.name} of {target.kubectl_ref} to {low}-{high} "
        f"replicas at {target_pct}% CPU",
        change=Change(ChangeVerb.PATCH, hpa_ref, {"spec": spec}, "merge"),
        inverse=Change(ChangeVerb.PATCH, hpa_ref, {"spec": old_spec}, "merge"),
        facts=facts,
        prior=_hpa_summary(existing),
        after=after,
        checks=checks,
    )


def plan_hpa_delete(
    request: ActionRequest, current: Mapping[str, Any], context: PlanContext
) -> Plan:
    require_kind(request, (HPA_KIND,))
    target = request.target
    body = {
        "apiVersion": "autoscaling/v2",
        "kind": HPA_KIND,
        "metadata": {
            key: value
            for key, value in (dig(current, "metadata") or {}).items()
            if key in ("name", "namespace", "labels", "annotations")
        },
        "spec": dig(current, "spec") or {},
    }
    return Plan(
        request=request,
        summary=f"Delete autoscaler {target.kubectl_ref}",
        change=Change(ChangeVerb.DELETE, target),
        inverse=Change(ChangeVerb.CREATE, target, body),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior=_hpa_summary(current),
        after={"hpa": None},
        checks=("pods-ready",),
    )


def _hpa_summary(hpa: Mapping[str, Any]) -> dict[str, Any]:
    target = None
    for metric in dig(hpa, "spec", "metrics") or []:
        if dig(metric, "resource", "name") == "cpu":
            target = dig(metric, "resource", "target", "averageUtilization")
    return {
        "minReplicas": dig(hpa, "spec", "minReplicas"),
        "maxReplicas": dig(hpa, "spec", "maxReplicas"),
        "cpuTargetPercent": target,
    }
