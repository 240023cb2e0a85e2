"""Proactive scaling: an autoscaler for workloads whose CPU sits at or near their requests.

When a workload's recent CPU stays at or above the threshold of its requests (or close to it),
recommend an autoscaling/v2 HPA sized from the peak demand seen — recent load or the history's
p99 — with headroom, check that the nodes can hold the extra replicas, and price them. An
existing HPA is left alone unless its maxReplicas is below what the peak needs.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import yaml

from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Workload, dig
from kubemedic.models.recommendation_settings import ScalingSettings
from kubemedic.models.recommendations import (
    HpaAction,
    HpaProposal,
    LoadAssessment,
    LoadVerdict,
    ScalingRecommendation,
)
from kubemedic.models.usage import ContainerUsage, WorkloadLoad
from kubemedic.recommenders.load import assess_load
from kubemedic.recommenders.placement import check_capacity, container_request, pod_requests
from kubemedic.recommenders.prices import replica_cost

HPA_KIND = "HorizontalPodAutoscaler"
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})
_EPSILON = 1e-9


def recommend_scaling(
    workload: Mapping[str, Any],
    load: WorkloadLoad | None,
    usages: Sequence[ContainerUsage],
    settings: ScalingSettings,
    now: datetime,
    *,
    hpa: Mapping[str, Any] | None = None,
    nodes: Sequence[Mapping[str, Any]] = (),
    pods: Sequence[Mapping[str, Any]] = (),
) -> ScalingRecommendation:
    """Assess ``workload``'s recent load and, when it is high, propose or adjust its HPA.

    ``load`` holds the recent points (None: none recorded); ``usages`` the workload's
    containers over the history; ``nodes`` and ``pods`` the cluster, for the capacity check.
    """
    obj = Workload(workload)
    ref, replicas = obj.ref, obj.replicas
    template = obj.pod_template
    containers = dig(template, "spec", "containers") or []
    missing = [str(c.get("name")) for c in containers if not container_request(c, "cpu")]
    if missing or not containers:
        return ScalingRecommendation(ref, replicas, None, _no_request(ref, missing))
    pod_cpu = sum(container_request(c, "cpu") for c in containers)
    assessment = assess_load(load.points if load else (), pod_cpu, settings, now)
    result = ScalingRecommendation(ref, replicas, pod_cpu, assessment)
    if obj.kind not in SCALABLE_KINDS:
        reason = f"a {obj.kind} cannot be scaled by a {HPA_KIND}: no autoscaler proposed"
        return replace(result, reasons=(reason,))
    if assessment.verdict not in (LoadVerdict.SUSTAINED, LoadVerdict.NEAR):
        return result
    peak, peak_reason = _peak(load, usages, replicas)
    proposal, reason = _proposal(obj, hpa, peak, pod_cpu, replicas, settings)
    pod_cpu_all, pod_memory = pod_requests(dig(template, "spec") or {})
    return replace(
        result,
        reasons=(peak_reason, reason),
        hpa=proposal,
        capacity=check_capacity(template, proposal.max_replicas - replicas, nodes, pods),
        cost=replica_cost(
            pod_cpu_all,
            pod_memory,
            current=replicas,
            low=proposal.min_replicas,
            high=proposal.max_replicas,
            prices=settings.prices,
        ),
    )


def replicas_for(peak: float, pod_cpu: float, target: float, headroom: float) -> int:
    """Replicas that hold ``peak`` cores × (1 + headroom) at ``target`` utilization each."""
    return max(math.ceil(peak * (1 + headroom) / (pod_cpu * target) - _EPSILON), 1)


def _no_request(ref: ObjectRef, missing: Sequence[str]) -> LoadAssessment:
    names = ", ".join(missing) or "(none declared)"
    return LoadAssessment(
        LoadVerdict.NO_CPU_REQUEST,
        f"cannot be autoscaled on CPU: container {names} has no CPU request, so utilization "
        "(usage / request) has no denominator; fix: set CPU requests first "
        f"(kubemedic recommend resources -n {ref.namespace} proposes them)",
    )


def _peak(
    load: WorkloadLoad | None, usages: Sequence[ContainerUsage], replicas: int
) -> tuple[float, str]:
    """The larger of the recent total and the history's pooled p99 per pod × replicas."""
    recent = max((point.cores for point in load.points), default=0.0) if load else 0.0
    history = sum(usage.cpu.p99 for usage in usages) * replicas
    if history > recent:
        return history, (
            f"peak demand {history:.2f} cores: the history's p99 per pod × {replicas} replicas"
        )
    return recent, f"peak demand {recent:.2f} cores: the highest recent total"


def _proposal(
    obj: Workload,
    hpa: Mapping[str, Any] | None,
    peak: float,
    pod_cpu: float,
    replicas: int,
    settings: ScalingSettings,
) -> tuple[HpaProposal, str]:
    if hpa is None:
        low = max(replicas, settings.min_replicas)
        percent = round(settings.target_utilization * 100)
        need = replicas_for(peak, pod_cpu, percent / 100, settings.headroom)
        high = max(need, low + 1)
        manifest = _manifest(obj, low, high, percent, settings)
        reason = (
            f"create HPA {obj.name}: {low}-{high} replicas at {percent}% CPU "
            f"({need} hold the peak with {settings.headroom:.0%} headroom)"
        )
        return _hpa(HpaAction.CREATE, manifest, peak, None), reason
    name = str(dig(hpa, "metadata", "name") or obj.name)
    spec = dig(hpa, "spec") or {}
    low = int(spec.get("minReplicas") or 1)
    high = int(spec.get("maxReplicas") or low)
    percent = _cpu_target(spec) or round(settings.target_utilization * 100)
    need = replicas_for(peak, pod_cpu, percent / 100, settings.headroom)
    kept = {key: value for key, value in hpa.items() if key != "status"}
    metadata = dig(hpa, "metadata") or {}
    kept["metadata"] = {
        key: metadata[key]
        for key in ("name", "namespace", "labels", "annotations")
        if key in metadata
    }
    if high >= need:
        reason = f"HPA {name} already allows up to {high} replicas and the peak needs {need}"
        return _hpa(HpaAction.KEEP, kept, peak, None), reason + ": no change"
    raised = max(need, low + 1)
    kept["spec"] = {**spec, "maxReplicas": raised}
    patch = {"spec": {"maxReplicas": raised}}
    command = (
        f"kubectl patch {HPA_KIND.lower()}/{name} -n {obj.namespace} --type merge "
        f"-p {shlex.quote(json.dumps(patch, separators=(',', ':')))}"
    )
    reason = (
        f"HPA {name} allows at most {high} replicas but the peak needs {need} at {percent}% CPU "
        f"with {settings.headroom:.0%} headroom: raise maxReplicas to {raised}"
    )
    return _hpa(HpaAction.UPDATE, kept, peak, patch, command), reason


def _cpu_target(spec: Mapping[str, Any]) -> int | None:
    for metric in spec.get("metrics") or ():
        target = dig(metric, "resource", "target")
        if dig(metric, "resource", "name") == "cpu" and dig(target, "type") == "Utilization":
            value = dig(target, "averageUtilization")
            return value if isinstance(value, int) else None
    return None


def _manifest(
    obj: Workload, low: int, high: int, percent: int, settings: ScalingSettings
) -> dict[str, Any]:
    """The HPA ``kubectl autoscale`` would create (named after the workload), with behavior."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": HPA_KIND,
        "metadata": {"name": obj.name, "namespace": obj.namespace},
        "spec": {
            "scaleTargetRef": {
                "apiVersion": obj.api_version or "apps/v1",
                "kind": obj.kind,
                "name": obj.name,
            },
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": percent},
                    },
                }
            ],
            "behavior": {
                "scaleDown": {
                    "stabilizationWindowSeconds": settings.scale_down_stabilization_seconds,
                    "policies": [
                        {
                            "type": "Percent",
                            "value": settings.scale_down_percent,
                            "periodSeconds": settings.scale_down_period_seconds,
                        }
                    ],
                }
            },
        },
    }


def _hpa(
    action: HpaAction,
    manifest: Mapping[str, Any],
    peak: float,
    patch: Mapping[str, Any] | None,
    command: str | None = None,
) -> HpaProposal:
    spec = manifest.get("spec") or {}
    return HpaProposal(
        action=action,
        name=str(dig(manifest, "metadata", "name")),
        min_replicas=int(spec.get("minReplicas") or 1),
        max_replicas=int(spec.get("maxReplicas") or 1),
        target_utilization=_cpu_target(spec),
        peak_cores=peak,
        manifest=manifest,
        yaml=yaml.safe_dump(dict(manifest), sort_keys=False),
        patch=patch,
        command=command,
    )
