"""Validation checks: did the change do what it promised, without hurting the workload?

Each check reads the cluster as it is now (the workload, its pods, its autoscaler, metrics)
against the state recorded when the change was applied, and says pass, fail, or not yet
decidable, with the facts behind the answer. Validation runs them after each delay (1 min,
5 min, 1 h by default); a failure offers — or, by policy, performs — the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubemedic._internal.quantities import format_memory, parse_quantity
from kubemedic.actions.holds import differences
from kubemedic.models.k8s import dig
from kubemedic.models.operations import Change
from kubemedic.models.outcomes import CheckResult

BAD_WAITING = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "CreateContainerConfigError",
        "CreateContainerError",
        "InvalidImageName",
        "RunContainerError",
    }
)


@dataclass(frozen=True, slots=True)
class ValidationInput:
    """The cluster as validation sees it, and what was true when the change was applied."""

    workload: Mapping[str, Any] | None
    pods: Sequence[Mapping[str, Any]]
    after: Mapping[str, Any]
    restarts_before: Mapping[str, int] = field(default_factory=dict)
    """Restart count per pod uid when the change was applied."""
    hpa: Mapping[str, Any] | None = None
    pod_metrics: Sequence[Mapping[str, Any]] | None = None
    target: Mapping[str, Any] | None = None
    """The changed object itself, read now (the ConfigMap, the Deployment)."""
    change: Change | None = None
    """The change that was applied (for ``change-holds``)."""
    error_rate: ErrorRate | None = None
    """The workload's HTTP error rate since the change, when a Prometheus is configured."""


@dataclass(frozen=True, slots=True)
class ErrorRate:
    """5xx responses over all responses of the workload's pods, and where it was measured."""

    ratio: float | None
    requests: float
    source: str


MAX_ERROR_RATE = 0.05
"""Above this share of failed requests the change is hurting users (the rollout gate's bar)."""


def run_checks(names: Sequence[str], given: ValidationInput) -> tuple[CheckResult, ...]:
    return tuple(CHECKS[name](given) for name in names)


def restart_counts(pods: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Restart count per pod uid: the baseline ``no-new-restarts`` compares with."""
    return {str(dig(pod, "metadata", "uid")): _restarts(pod) for pod in pods}


def _restarts(pod: Mapping[str, Any]) -> int:
    return sum(
        int(s.get("restartCount") or 0) for s in dig(pod, "status", "containerStatuses") or []
    )


def _live(pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        p
        for p in pods
        if not dig(p, "metadata", "deletionTimestamp")
        and dig(p, "status", "phase") not in ("Succeeded", "Failed")
    ]


def _ready(pod: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in dig(pod, "status", "conditions") or []
    )


def _rollout_complete(given: ValidationInput) -> CheckResult:
    name = "rollout-complete"
    obj = given.workload
    if obj is None:
        return CheckResult(name, False, "the workload no longer exists")
    kind, spec, status = obj.get("kind"), obj.get("spec") or {}, obj.get("status") or {}
    desired = int(
        spec.get("replicas", 1) if kind != "DaemonSet" else status.get("desiredNumberScheduled", 0)
    )
    if int(status.get("observedGeneration") or 0) < int(dig(obj, "metadata", "generation") or 0):
        return CheckResult(name, False, "the controller has not yet seen the change")
    if kind == "DaemonSet":
        updated, available = (
            status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0),
        )
    elif kind == "StatefulSet":
        updated, available = status.get("updatedReplicas", 0), status.get("readyReplicas", 0)
        if status.get("currentRevision") != status.get("updateRevision"):
            return CheckResult(name, False, "pods still run the old revision")
    elif kind == "ReplicaSet":
        updated, available = desired, status.get("readyReplicas", 0)
    else:
        updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
        for condition in status.get("conditions") or []:
            if condition.get("type") == "Progressing" and condition.get("reason") == (
                "ProgressDeadlineExceeded"
            ):
                return CheckResult(name, False, f"rollout stalled: {condition.get('message')}")
    updated, available = int(updated or 0), int(available or 0)
    if updated < desired or available < desired:
        return CheckResult(
            name, False, f"{updated}/{desired} replicas updated, {available}/{desired} available"
        )
    return CheckResult(name, True, f"{desired}/{desired} replicas updated and available")


def _pods_ready(given: ValidationInput) -> CheckResult:
    pods = _live(given.pods)
    ready = [p for p in pods if _ready(p)]
    wanted = dig(given.workload, "spec", "replicas") if given.workload else None
    need = int(wanted) if isinstance(wanted, int) else len(pods)
    if not pods and need:
        return CheckResult("pods-ready", False, "no running pod")
    not_ready = sorted(str(dig(p, "metadata", "name")) for p in pods if not _ready(p))
    if len(ready) < need or not_ready:
        shown = ", ".join(not_ready[:5]) or "none yet"
        return CheckResult(
            "pods-ready", False, f"{len(ready)}/{need} pods Ready; not Ready: {shown}"
        )
    return CheckResult("pods-ready", True, f"{len(ready)}/{need} pods Ready")


def _no_new_restarts(given: ValidationInput) -> CheckResult:
    grew = []
    for pod in _live(given.pods):
        before = given.restarts_before.get(str(dig(pod, "metadata", "uid")), 0)
        now = _restarts(pod)
        if now > before:
            grew.append(f"{dig(pod, 'metadata', 'name')} ({before} → {now})")
    if grew:
        return CheckResult(
            "no-new-restarts", False, "restarted since the change: " + ", ".join(grew)
        )
    return CheckResult("no-new-restarts", True, "no container restarted since the change")


def _no_crashloop(given: ValidationInput) -> CheckResult:
    stuck = []
    for pod in _live(given.pods):
        for status in dig(pod, "status", "containerStatuses") or []:
            reason = dig(status, "state", "waiting", "reason")
            if reason in BAD_WAITING:
                stuck.append(f"{dig(pod, 'metadata', 'name')}/{status.get('name')}: {reason}")
    if stuck:
        return CheckResult("no-crashloop", False, "; ".join(stuck))
    return CheckResult("no-crashloop", True, "no container is crash-looping or failing to start")


def _no_oomkilled(given: ValidationInput) -> CheckResult:
    """OOM kills since the change, told without clocks: in pods created since (not in the
    baseline), in known pods that restarted since, or in a container dead from one now."""
    killed = []
    for pod in _live(given.pods):
        before = given.restarts_before.get(str(dig(pod, "metadata", "uid")))
        restarted = before is None or _restarts(pod) > before
        for status in dig(pod, "status", "containerStatuses") or []:
            now = dig(status, "state", "terminated", "reason")
            last = dig(status, "lastState", "terminated", "reason")
            if now == "OOMKilled" or (restarted and last == "OOMKilled"):
                killed.append(f"{dig(pod, 'metadata', 'name')}/{status.get('name')}")
    if killed:
        return CheckResult(
            "no-oomkilled", False, "OOMKilled since the change: " + ", ".join(killed)
        )
    return CheckResult("no-oomkilled", True, "no container was OOMKilled since the change")


def _usage_within_limits(given: ValidationInput) -> CheckResult:
    name = "usage-within-limits"
    if given.pod_metrics is None:
        return CheckResult(name, None, "the metrics API (metrics-server) is not available")
    limit = parse_quantity(given.after.get("memory_limit"))
    if limit is None:
        return CheckResult(name, True, "the change sets no memory limit")
    pods = {str(dig(p, "metadata", "name")) for p in _live(given.pods)}
    peak = 0.0
    for item in given.pod_metrics:
        if dig(item, "metadata", "name") not in pods:
            continue
        for used in item.get("containers") or []:
            peak = max(peak, parse_quantity(dig(used, "usage", "memory")) or 0.0)
    if not peak:
        return CheckResult(name, None, "no usage sample for the new pods yet")
    share = peak / limit
    detail = f"peak memory {format_memory(peak)} is {share:.0%} of the {format_memory(limit)} limit"
    return CheckResult(name, share < 0.9, detail)


def _hpa_active(given: ValidationInput) -> CheckResult:
    hpa = given.hpa
    if hpa is None:
        return CheckResult("hpa-active", False, "the autoscaler does not exist")
    conditions = {c.get("type"): c for c in dig(hpa, "status", "conditions") or []}
    active = conditions.get("ScalingActive")
    if active is not None and active.get("status") != "True":
        return CheckResult("hpa-active", False, f"ScalingActive is False: {active.get('message')}")
    if active is None and not dig(hpa, "status", "currentMetrics"):
        return CheckResult("hpa-active", None, "the autoscaler has not reported metrics yet")
    current = dig(hpa, "status", "currentReplicas")
    return CheckResult("hpa-active", True, f"autoscaler active, {current} replicas")


def _replicas_grew(given: ValidationInput) -> CheckResult:
    name = "replicas-grew"
    before = given.after.get("replicasBefore")
    now = dig(given.hpa, "status", "currentReplicas") if given.hpa else None
    if now is None and given.workload is not None:
        now = dig(given.workload, "status", "replicas")
    if before is None or now is None:
        return CheckResult(name, None, "replica counts not known yet")
    grew = int(now) > int(before)
    return CheckResult(name, grew, f"{now} replicas now, {before} before the autoscaler")


def _cpu_under_target(given: ValidationInput) -> CheckResult:
    name = "cpu-under-target"
    target = given.after.get("cpuTargetPercent")
    current = _hpa_cpu_utilization(given.hpa)
    if target is None or current is None:
        return CheckResult(name, None, "the autoscaler has not reported CPU utilization yet")
    ok = current <= int(target)
    return CheckResult(name, ok, f"CPU at {current}% of requests, target {target}%")


def _hpa_cpu_utilization(hpa: Mapping[str, Any] | None) -> int | None:
    if hpa is None:
        return None
    for metric in dig(hpa, "status", "currentMetrics") or []:
        if dig(metric, "resource", "name") == "cpu":
            value = dig(metric, "resource", "current", "averageUtilization")
            return int(value) if value is not None else None
    return None


def _error_rate(given: ValidationInput) -> CheckResult:
    name = "error-rate"
    measured = given.error_rate
    if measured is None or measured.ratio is None:
        why = measured.source if measured else "no Prometheus is configured"
        return CheckResult(name, None, f"error rate not measured: {why}")
    detail = (
        f"{measured.ratio:.1%} of {measured.requests:.0f} requests failed "
        f"(limit {MAX_ERROR_RATE:.0%}, {measured.source})"
    )
    return CheckResult(name, measured.ratio <= MAX_ERROR_RATE, detail)


def _paused_as_planned(given: ValidationInput) -> CheckResult:
    paused = bool(dig(given.target, "spec", "paused")) if given.target else None
    ok = paused == given.after.get("paused")
    return CheckResult("paused-as-planned", ok, f"spec.paused is {paused}")


def _configmap_data(given: ValidationInput) -> CheckResult:
    data = dig(given.target, "data") if given.target else None
    ok = dict(data or {}) == dict(given.after.get("data") or {})
    return CheckResult(
        "configmap-data", ok, "data as restored" if ok else "data differs from the plan"
    )


def _change_holds(given: ValidationInput) -> CheckResult:
    if given.change is None:
        return CheckResult("change-holds", None, "no change to compare with")
    found = differences(given.target, given.change)
    if found:
        return CheckResult("change-holds", False, "; ".join(found[:5]))
    return CheckResult("change-holds", True, "the object says what the change wrote")


CHECKS: Mapping[str, Callable[[ValidationInput], CheckResult]] = {
    "replicas-grew": _replicas_grew,
    "cpu-under-target": _cpu_under_target,
    "error-rate": _error_rate,
    "change-holds": _change_holds,
    "rollout-complete": _rollout_complete,
    "pods-ready": _pods_ready,
    "no-new-restarts": _no_new_restarts,
    "no-crashloop": _no_crashloop,
    "no-oomkilled": _no_oomkilled,
    "usage-within-limits": _usage_within_limits,
    "hpa-active": _hpa_active,
    "paused-as-planned": _paused_as_planned,
    "configmap-data": _configmap_data,
}
