"""Right-sizing: the requests and limits a container's measured usage calls for, and why.

Request = p95 × (1 + margin) for CPU and memory; the memory limit never sits below the observed
peak with room to spare, and an OOMKill only ever raises memory. Gates keep the advice honest:
no values without data or without enough history, and nothing is lowered for a container that
restarted in the window. Every number is explained in ``reasons`` and priced in ``savings``;
docs/recommendations.md states the same rules for users.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from kubemedic._internal.quantities import format_cpu, format_memory
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Workload, dig
from kubemedic.models.recommendation_settings import MIB, RightSizingSettings
from kubemedic.models.recommendations import (
    ContainerRecommendation,
    ResourceValues,
    Verdict,
    WorkloadRecommendation,
)
from kubemedic.models.usage import ContainerUsage
from kubemedic.recommenders.hpa_effect import hpa_effects
from kubemedic.recommenders.patches import resource_patch
from kubemedic.recommenders.prices import request_savings

_LABELS = {
    "cpu_request": "CPU request",
    "memory_request": "memory request",
    "cpu_limit": "CPU limit",
    "memory_limit": "memory limit",
}
_EPSILON = 1e-9
EDGE_GRACE_DAYS = 1 / 24
"""An hour missing at the window's edges still counts as full history: a 7-day window read
a few minutes after the last scrape holds 6.99 days of samples, not 7."""
"""Float noise allowed before rounding up: 120Mi × 1.3 must give 156Mi, not 157Mi."""


def round_cpu(cores: float) -> float:
    """Up to the next whole millicore."""
    return math.ceil(cores * 1000 - _EPSILON) / 1000


def round_memory(num_bytes: float) -> float:
    """Up to the next whole MiB."""
    return float(math.ceil(num_bytes / MIB - _EPSILON) * MIB)


def current_resources(container: Mapping[str, Any]) -> ResourceValues:
    """A container spec's requests and limits, parsed (None where unset or unreadable).

    A request left unset next to a limit is the limit, as the API server defaults it in pods.
    """
    resources = ContainerSpec(container).resources
    cpu_limit, memory_limit = resources.limit("cpu"), resources.limit("memory")
    cpu_request, memory_request = resources.request("cpu"), resources.request("memory")
    return ResourceValues(
        cpu_request=cpu_limit if cpu_request is None else cpu_request,
        memory_request=memory_limit if memory_request is None else memory_request,
        cpu_limit=cpu_limit,
        memory_limit=memory_limit,
    )


def workload_replicas(workload: Mapping[str, Any]) -> int:
    """How many pods the workload runs: replicas, scheduled daemons or job parallelism."""
    obj = Workload(workload)
    if obj.kind == "DaemonSet":
        scheduled = dig(workload, "status", "desiredNumberScheduled")
        return scheduled if isinstance(scheduled, int) else 1
    if obj.kind in ("Job", "CronJob"):
        spec = dig(obj.spec, "jobTemplate", "spec") if obj.kind == "CronJob" else obj.spec
        parallelism = dig(spec, "parallelism")
        return parallelism if isinstance(parallelism, int) else 1
    return obj.replicas


def recommend_workload(
    workload: Mapping[str, Any],
    usages: Iterable[ContainerUsage],
    settings: RightSizingSettings,
    *,
    hpa: Mapping[str, Any] | None = None,
    replicas: int | None = None,
) -> WorkloadRecommendation:
    """Right-size every container of ``workload`` (a raw API object) from its usage history.

    ``usages`` are the workload's containers (other containers' entries are ignored by name);
    ``replicas`` defaults to what the workload declares (see ``workload_replicas``).
    """
    obj = Workload(workload)
    count = workload_replicas(workload) if replicas is None else replicas
    by_name = {usage.container: usage for usage in usages}
    specs = [
        (str(spec.get("name", "")), spec)
        for spec in dig(obj.pod_template, "spec", "containers") or []
    ]
    matched = [by_name.pop(name, None) for name, _ in specs]
    hold = restart_hold(u for u in matched if u is not None)
    containers = tuple(
        recommend_container(
            found,
            current_resources(spec),
            count,
            settings,
            workload=obj.ref,
            container=name,
            hold=hold,
        )
        for (name, spec), found in zip(specs, matched, strict=True)
    )
    notes = tuple(
        f"usage was recorded for container {name}, which the pod template no longer has: left out"
        for name in sorted(by_name)
    )
    patch, patch_note = resource_patch(obj.ref, containers)
    return WorkloadRecommendation(
        workload=obj.ref,
        replicas=count,
        containers=containers,
        hpa_effects=hpa_effects(hpa, containers),
        patch=patch,
        notes=notes + patch_note,
    )


def recommend_container(
    usage: ContainerUsage | None,
    current: ResourceValues,
    replicas: int,
    settings: RightSizingSettings,
    *,
    workload: ObjectRef,
    container: str,
    hold: str | None = None,
) -> ContainerRecommendation:
    """The recommendation for one container, gates first (see the module docstring).

    ``hold`` says why no value may be lowered (``restart_hold`` of the whole workload); by
    default the container's own restarts decide.
    """
    result = ContainerRecommendation(
        workload=workload,
        container=container,
        verdict=Verdict.NO_DATA,
        current=current,
        recommended=None,
        usage=usage,
        replicas=replicas,
    )
    if usage is None or usage.samples == 0:
        reason = "no data: no usage samples for this container in the window"
        return replace(result, reasons=(reason,))
    if usage.history_days < settings.min_history_days - EDGE_GRACE_DAYS:
        days = math.floor(usage.history_days * 10) / 10
        reason = f"insufficient history: {days:.1f} of {settings.min_history_days:g} days"
        return replace(result, verdict=Verdict.INSUFFICIENT_HISTORY, reasons=(reason,))
    proposed, reasons = _from_usage(usage, current, settings)
    hold = hold or restart_hold((usage,))
    if hold:
        proposed, kept = _never_lower(proposed, current)
        reasons.append("; ".join([f"{hold}: not down-sized", *kept]))
    if not _moves_enough(current, proposed, settings.min_change):
        if proposed != current:
            reasons.append(
                f"every value is within {settings.min_change:.0%} of the current one: left as it is"
            )
        return replace(
            result,
            verdict=Verdict.KEEP,
            recommended=current,
            reasons=tuple(reasons),
            savings=request_savings(current, current, replicas, settings.prices),
        )
    savings = request_savings(current, proposed, replicas, settings.prices)
    return replace(
        result,
        verdict=_direction(current, proposed, savings.monthly),
        recommended=proposed,
        reasons=tuple(reasons),
        savings=savings,
    )


def _from_usage(
    usage: ContainerUsage, current: ResourceValues, settings: RightSizingSettings
) -> tuple[ResourceValues, list[str]]:
    """The formula: requests from p95, the memory limit from ratio, peak and OOMKills."""
    factor = 1 + settings.margin
    cpu_request = round_cpu(max(usage.cpu.p95 * factor, settings.min_cpu))
    memory_request = round_memory(max(usage.memory.p95 * factor, settings.min_memory))
    reasons = [
        _request_reason("CPU", cpu_request, usage.cpu.p95, factor, settings.min_cpu, format_cpu),
        _request_reason(
            "memory", memory_request, usage.memory.p95, factor, settings.min_memory, format_memory
        ),
    ]
    by_ratio = memory_request * settings.memory_limit_ratio
    by_peak = usage.memory.max * settings.memory_peak_factor
    memory_limit = round_memory(max(by_ratio, by_peak))
    if by_peak > by_ratio:
        reasons.append(
            f"memory limit {format_memory(memory_limit)}: observed peak "
            f"{format_memory(usage.memory.max)} × {settings.memory_peak_factor:g}"
        )
    else:
        reasons.append(
            f"memory limit {format_memory(memory_limit)}: request × "
            f"{settings.memory_limit_ratio:g} (peak {format_memory(usage.memory.max)})"
        )
    if usage.oom_kills:
        limit_at_oom = usage.oom_memory_limit or current.memory_limit
        at_oom = limit_at_oom or usage.memory.max
        floor = round_memory(at_oom * settings.oom_factor)
        memory_limit = max(memory_limit, floor)
        where = "limit" if limit_at_oom else "peak (the limit at the OOMKill is unknown)"
        reasons.append(
            f"OOMKilled {usage.oom_kills} time(s) in the window: memory limit at least the "
            f"{format_memory(at_oom)} {where} × {settings.oom_factor:g} = {format_memory(floor)}"
        )
    cpu_limit, cpu_reason = _cpu_limit(cpu_request, current, settings)
    if cpu_reason:
        reasons.append(cpu_reason)
    proposed = ResourceValues(cpu_request, memory_request, cpu_limit, memory_limit)
    return proposed, reasons


def _request_reason(
    name: str,
    value: float,
    p95: float,
    factor: float,
    minimum: float,
    show: Callable[[float], str],
) -> str:
    text = f"{name} request {show(value)}: p95 {show(p95)} × {factor:g}"
    if p95 * factor < minimum:
        text += f", raised to the {show(minimum)} minimum"
    return text


def _cpu_limit(
    request: float, current: ResourceValues, settings: RightSizingSettings
) -> tuple[float | None, str | None]:
    policy = settings.cpu_limit
    if policy.mode == "ratio":
        limit = round_cpu(request * policy.ratio)
        return limit, f"CPU limit {format_cpu(limit)}: request × {policy.ratio:g} (policy {policy})"
    if policy.mode == "keep":
        kept = current.cpu_limit
        if kept is not None and kept < request:
            return request, f"CPU limit raised to the request {format_cpu(request)} (policy keep)"
        return kept, None
    if current.cpu_limit is not None:
        return None, (
            f"no CPU limit (policy none): the current {format_cpu(current.cpu_limit)} limit is "
            "removed, so the container is not throttled while the node has idle CPU"
        )
    return None, None


def _never_lower(
    proposed: ResourceValues, current: ResourceValues
) -> tuple[ResourceValues, list[str]]:
    """Keep each current value the proposal would lower (a CPU limit removed is not lower)."""
    changes: dict[str, float] = {}
    kept = []
    for item in fields(ResourceValues):
        new, old = getattr(proposed, item.name), getattr(current, item.name)
        if new is not None and old is not None and new < old:
            changes[item.name] = old
            show = format_cpu if item.name.startswith("cpu") else format_memory
            kept.append(f"{_LABELS[item.name]} kept at {show(old)} (would be {show(new)})")
    result = replace(proposed, **changes)
    return _limits_hold_requests(result), kept


def _limits_hold_requests(values: ResourceValues) -> ResourceValues:
    memory_limit = values.memory_limit
    if memory_limit is not None and values.memory_request is not None:
        memory_limit = max(memory_limit, values.memory_request)
    cpu_limit = values.cpu_limit
    if cpu_limit is not None and values.cpu_request is not None:
        cpu_limit = max(cpu_limit, values.cpu_request)
    return replace(values, memory_limit=memory_limit, cpu_limit=cpu_limit)


def restart_hold(usages: Iterable[ContainerUsage]) -> str | None:
    """``restarted in the window (app: 3 times, 2 OOMKilled)``, or None without restarts."""
    parts = []
    for usage in usages:
        count = max(usage.restarts, usage.oom_kills)
        if count:
            oom = f", {usage.oom_kills} OOMKilled" if usage.oom_kills else ""
            parts.append(f"{usage.container}: {count} time{'s' if count > 1 else ''}{oom}")
    return f"restarted in the window ({'; '.join(parts)})" if parts else None


def _moves_enough(current: ResourceValues, proposed: ResourceValues, threshold: float) -> bool:
    """True when some value is added, removed, or moves by at least ``threshold`` of itself."""
    for item in fields(ResourceValues):
        old, new = getattr(current, item.name), getattr(proposed, item.name)
        if old is None or new is None or old == 0:
            if old != new:
                return True
        elif abs(new - old) / old >= threshold - _EPSILON:
            return True
    return False


def _direction(current: ResourceValues, proposed: ResourceValues, saved: float) -> Verdict:
    """Down-size when requests cost less, up-size when more; limits decide a tie."""
    if abs(saved) > _EPSILON:
        return Verdict.DOWN_SIZE if saved > 0 else Verdict.UP_SIZE
    for item in fields(ResourceValues):
        old, new = getattr(current, item.name), getattr(proposed, item.name)
        if old is None and new is None:
            continue
        if old is None or new is None or new > old:
            return Verdict.UP_SIZE  # added, raised, or a limit removed: more room, not less
    return Verdict.DOWN_SIZE
