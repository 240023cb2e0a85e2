"""From a quota or LimitRange refusal to the fix, with this namespace's numbers.

A quota message gives what the pod asked for, what is used and the hard limit: enough to say
how much is left, how small the pod would have to be, and the quota size that would fit it —
written as ``kubectl set resources`` and ``kubectl patch resourcequota`` commands.
"""

from __future__ import annotations

import json
import shlex

from kubemedic._internal.quantities import format_cpu, format_memory, parse_quantity
from kubemedic.analyzers._admission import (
    LimitRangeViolation,
    QuotaExceeded,
    QuotaNeedsValues,
    QuotaUsage,
)
from kubemedic.analyzers._admission_fixes import Advice, Context
from kubemedic.analyzers._replicas import SETTABLE_KINDS
from kubemedic.models.findings import Evidence, EvidenceSource
from kubemedic.models.k8s import ContainerSpec, dig
from kubemedic.models.severity import RiskTier

_SETTABLE = SETTABLE_KINDS | {"CronJob"}
"""Kinds whose pod template ``kubectl set resources`` changes (a Job's cannot change)."""


def _quantity(resource: str, value: float) -> str:
    if "cpu" in resource:
        return format_cpu(value)
    if "memory" in resource or "storage" in resource:
        return format_memory(value)
    return str(round(value))


def _usage_text(usage: QuotaUsage) -> str:
    free = usage.free
    left = f", {_quantity(usage.resource, free)} left" if free is not None else ""
    return (
        f"{usage.resource}: the pod asks for {usage.requested}, {usage.used} of "
        f"{usage.limited} is already used{left}"
    )


def quota_exceeded(rejection: QuotaExceeded, ctx: Context) -> Advice:
    quota, ns = rejection.quota, ctx.namespace
    over = rejection.exceeded
    hard: dict[str, str] = {}
    steps = []
    lower: list[str] = []
    for usage in over:
        asked, used = parse_quantity(usage.requested), parse_quantity(usage.used)
        if asked is not None and used is not None:
            hard[usage.resource] = _quantity(usage.resource, asked + used)
        free = usage.free
        group, _, resource = usage.resource.rpartition(".")
        group = group or "requests"  # a bare "memory" quota is on requests
        if free and group in ("limits", "requests") and resource in ("cpu", "memory"):
            lower.append(f"--{group}={resource}={_quantity(resource, free)}")
    raise_cmd = f"kubectl patch resourcequota {quota} -n {ns} --type merge -p " + shlex.quote(
        json.dumps({"spec": {"hard": hard}}, separators=(",", ":"))
    )
    commands = [f"kubectl describe resourcequota {quota} -n {ns}"]
    containers = ctx.containers()
    if lower and ctx.workload.kind in _SETTABLE and len(containers) == 1:
        # The workload's own size first; the quota is the namespace's, shared with others.
        commands.append(
            f"kubectl set resources {ctx.workload.kubectl_ref} -c {containers[0].name} "
            + " ".join(lower)
        )
        steps.append(
            "The command sizes the pod to what the quota has left; do it only if the pod is "
            "over-sized (compare with its real usage)."
        )
        steps.append(f"Or raise the quota to fit one more pod: {raise_cmd}")
    else:
        commands.append(raise_cmd)
        steps.append(
            "The command raises the quota to fit one more pod: "
            + ", ".join(f"{r}={v}" for r, v in hard.items())
            + "."
        )
    steps.append(
        "Raising a quota grows the namespace's budget, shared by all its workloads: check with "
        "whoever owns it."
    )
    steps.append(
        "Or free quota: scale down or delete workloads in the namespace that no longer need "
        "it; during a rolling update the surge pod counts against the quota too."
    )
    cause = (
        f"ResourceQuota {quota} in namespace {ns} is exhausted, so the API server refuses every "
        f"new pod of {ctx.workload} ({'; '.join(_usage_text(u) for u in over)})."
    )
    return Advice(
        cause=cause,
        summary=f"Make room in ResourceQuota {quota}: smaller pods, a larger quota or fewer "
        "other pods.",
        risk=RiskTier.MEDIUM,
        steps=tuple(steps),
        commands=tuple(commands),
        evidence=_quota_object_evidence(ctx, quota),
    )


def _quota_object_evidence(ctx: Context, quota: str) -> tuple[Evidence, ...]:
    obj = ctx.view.get("ResourceQuota", ctx.namespace, quota)
    if obj is None:
        return ()
    hard, used = dig(obj.status, "hard") or {}, dig(obj.status, "used") or {}
    text = ", ".join(f"{k} {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()))
    return (
        Evidence(
            f"quota used/hard: {text}",
            EvidenceSource.RELATED,
            f"ResourceQuota {ctx.namespace}/{quota} status",
        ),
    )


def quota_needs_values(rejection: QuotaNeedsValues, ctx: Context) -> Advice:
    ns = ctx.namespace
    missing = "; ".join(
        f"{resource} for {', '.join(names)}" if names else resource
        for resource, names in rejection.missing
    )
    steps, commands = [], []
    for container in ctx.containers():
        flags = _missing_flags(rejection, container)
        if flags and ctx.workload.kind in _SETTABLE:
            commands.append(
                f"kubectl set resources {ctx.workload.kubectl_ref} -c {container.name} "
                + " ".join(flags)
            )
        elif flags:
            steps.append(
                f"Recreate {ctx.workload} from its manifest with these values on container "
                f"{container.name}: {' '.join(flags)} (its pod template cannot be changed)."
            )
    steps.append(
        "Declare the missing values on every container of the workload's template (sizes below "
        "are starting points: take them from the container's real usage)."
    )
    steps.append(
        f"Or give namespace {ns} a LimitRange with default requests and limits, so pods that "
        "omit them still pass the quota."
    )
    return Advice(
        cause=f"ResourceQuota {rejection.quota} in namespace {ns} constrains compute resources, "
        f"so every pod must declare them; the pod template of {ctx.workload} does not "
        f"({missing}), and the API server refuses its pods.",
        summary="Declare the requests and limits the quota requires on the workload's template.",
        risk=RiskTier.LOW,
        steps=tuple(steps),
        commands=(*commands, f"kubectl describe resourcequota {rejection.quota} -n {ns}"),
    )


def _missing_flags(rejection: QuotaNeedsValues, container: ContainerSpec) -> list[str]:
    values: dict[str, dict[str, str]] = {"limits": {}, "requests": {}}
    for resource, names in rejection.missing:
        if names and container.name not in names:
            continue
        group, _, name = resource.partition(".")
        if group not in values or name not in ("cpu", "memory"):
            continue
        current = dig(container.raw, "resources", group, name)
        if current is not None:
            continue
        other = "requests" if group == "limits" else "limits"
        guess = dig(container.raw, "resources", other, name)
        values[group][name] = str(guess or ("500m" if name == "cpu" else "512Mi"))
    return [
        f"--{group}=" + ",".join(f"{k}={v}" for k, v in sorted(pairs.items()))
        for group, pairs in values.items()
        if pairs
    ]


def limit_range(rejection: LimitRangeViolation, ctx: Context) -> Advice:
    ns = ctx.namespace
    return Advice(
        cause=f"A LimitRange in namespace {ns} refuses the pods of {ctx.workload}: "
        + "; ".join(rejection.violations)
        + ".",
        summary="Bring the template's requests and limits inside the namespace's LimitRange, "
        "or change the LimitRange.",
        risk=RiskTier.LOW,
        steps=tuple(
            f"Fix: {v} — set the value within the bound on the workload's template."
            for v in rejection.violations
        ),
        commands=(
            f"kubectl describe limitrange -n {ns}",
            f"kubectl get {ctx.workload.kubectl_ref} -o jsonpath="
            "'{.spec.template.spec.containers[*].resources}'",
        ),
    )
