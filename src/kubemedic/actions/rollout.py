"""Rollout controls and object-level actions: restart a pod, pause/resume, restore a ConfigMap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions._common import require_kind
from kubemedic.actions.context import PlanContext
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, Change, ChangeVerb, Plan, TierFacts


def plan_restart(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    """Delete a pod so its controller starts a fresh one (uid precondition: that pod only)."""
    require_kind(request, ("Pod",))
    target = request.target
    owners = dig(current, "metadata", "ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), None)
    owned = controller is not None
    owner = f"{controller['kind']} {controller['name']}" if controller else "no controller"
    return Plan(
        request=request,
        summary=f"Restart {target.kubectl_ref} (deleted; {owner} recreates it)"
        if owned
        else f"Delete {target.kubectl_ref}: no controller recreates it",
        change=Change(
            ChangeVerb.DELETE,
            target,
            {"preconditions": {"uid": str(dig(current, "metadata", "uid") or "")}},
        ),
        inverse=None,
        facts=TierFacts(request.type, "Pod", target.namespace, owned_by_controller=owned),
        prior={"pod": target.name, "owner": owner},
        after={"pod": "replaced by a new pod" if owned else "deleted"},
        checks=("pods-ready", "no-crashloop"),
    )


def plan_pause(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    return _paused(request, current, paused=True)


def plan_resume(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    return _paused(request, current, paused=False)


def _paused(request: ActionRequest, current: Mapping[str, Any], *, paused: bool) -> Plan:
    require_kind(request, ("Deployment",))
    target = request.target
    before = bool(dig(current, "spec", "paused"))
    if before == paused:
        raise InputError(f"{target} is already {'paused' if paused else 'not paused'}")
    verb = "Pause" if paused else "Resume"
    return Plan(
        request=request,
        summary=f"{verb} the rollout of {target.kubectl_ref}",
        change=_set_paused(target, paused),
        inverse=_set_paused(target, before),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior={"paused": before},
        after={"paused": paused},
        checks=("paused-as-planned",) if paused else ("rollout-complete", "pods-ready"),
    )


def _set_paused(target: ObjectRef, paused: bool) -> Change:
    return Change(ChangeVerb.PATCH, target, {"spec": {"paused": paused}}, "merge")


def plan_configmap_restore(
    request: ActionRequest, current: Mapping[str, Any], context: PlanContext
) -> Plan:
    """Put back a ConfigMap's earlier data (given, or kept in an earlier record)."""
    require_kind(request, ("ConfigMap",))
    target = request.target
    data = request.params.get("data")
    if not isinstance(data, Mapping) or not all(isinstance(v, str) for v in data.values()):
        raise InputError("configmap-restore needs the earlier data as a mapping of strings")
    now = dict(dig(current, "data") or {})
    if now == dict(data):
        raise InputError(f"{target} already holds that data")
    changed = sorted(set(now) ^ set(data) | {k for k in now if k in data and now[k] != data[k]})
    return Plan(
        request=request,
        summary=f"Restore the data of {target.kubectl_ref} (keys changed: {', '.join(changed)})",
        change=_replace_data(target, data),
        inverse=_replace_data(target, now),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior={"data": now},
        after={"data": dict(data)},
        checks=("configmap-data",),
    )


def _replace_data(target: ObjectRef, data: Mapping[str, str]) -> Change:
    ops = [{"op": "add", "path": "/data", "value": dict(data)}]
    return Change(ChangeVerb.PATCH, target, {"ops": ops}, "json")
