"""Pod template changes of a workload: container resources, container image, rollout undo.

Each is a strategic merge patch of one container (matched by name, as ``kubectl set`` does) or a
JSON patch of the whole template; the inverse restores the exact prior values, removing the
fields that were absent before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.actions._common import WORKLOAD_KINDS, container, require_kind
from kubemedic.actions.context import PlanContext
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, Change, ChangeVerb, Plan, TierFacts

RESOURCE_PARAMS = {
    "cpu_request": ("requests", "cpu"),
    "cpu_limit": ("limits", "cpu"),
    "memory_request": ("requests", "memory"),
    "memory_limit": ("limits", "memory"),
}
REVISION = "deployment.kubernetes.io/revision"
_ROLLOUT_CHECKS = ("rollout-complete", "pods-ready", "no-new-restarts", "no-crashloop")


def plan_resources(
    request: ActionRequest, current: Mapping[str, Any], context: PlanContext
) -> Plan:
    require_kind(request, WORKLOAD_KINDS)
    target = request.target
    spec = container(current, target, request.params.get("container"))
    name = str(spec["name"])
    wanted = {key: str(request.params[key]) for key in RESOURCE_PARAMS if request.params.get(key)}
    if not wanted:
        raise InputError(
            "name at least one of --cpu-request, --cpu-limit, --memory-request, --memory-limit"
        )
    for key, value in wanted.items():
        if parse_quantity(value) is None or (parse_quantity(value) or 0) <= 0:
            raise InputError(f"--{key.replace('_', '-')} {value}: not a positive quantity")
    old = dig(spec, "resources") or {}
    new: dict[str, dict[str, Any]] = {"requests": {}, "limits": {}}
    undo: dict[str, dict[str, Any]] = {"requests": {}, "limits": {}}
    prior: dict[str, Any] = {}
    for key, value in wanted.items():
        section, resource = RESOURCE_PARAMS[key]
        new[section][resource] = value
        undo[section][resource] = dig(old, section, resource)
        prior[key] = dig(old, section, resource)
    if all(_same_quantity(prior[key], value) for key, value in wanted.items()):
        raise InputError(
            f"container {name} of {target} already has "
            + ", ".join(f"{key.replace('_', ' ')} {prior[key]}" for key in wanted)
            + ": nothing to change"
        )
    _check_request_within_limit(target, name, old, new)
    memory = [parse_quantity(v) or 0 for k, v in wanted.items() if k.startswith("memory")]
    cpu = [parse_quantity(v) or 0 for k, v in wanted.items() if k.startswith("cpu")]
    shown = ", ".join(
        f"{k.replace('_', ' ')} {prior[k] or 'unset'} → {v}" for k, v in wanted.items()
    )
    return Plan(
        request=request,
        summary=f"Set resources of container {name} in {target.kubectl_ref}: {shown}",
        change=_container_patch(target, name, {"resources": _drop_empty(new)}),
        inverse=_container_patch(target, name, {"resources": _drop_empty(undo)}),
        facts=TierFacts(
            request.type,
            target.kind,
            target.namespace,
            memory_after=int(max(memory)) if memory else None,
            cpu_after=round(max(cpu) * 1000) if cpu else None,
        ),
        prior=prior,
        after=dict(wanted),
        checks=(*_ROLLOUT_CHECKS, "no-oomkilled", "usage-within-limits"),
    )


def _same_quantity(before: Any, after: str) -> bool:
    """``128Mi`` and ``0.125Gi`` are the same: the API server stores one canonical form."""
    return before is not None and parse_quantity(str(before)) == parse_quantity(after)


def _check_request_within_limit(
    target: ObjectRef, name: str, old: Mapping[str, Any], new: Mapping[str, Mapping[str, Any]]
) -> None:
    for resource in ("cpu", "memory"):
        request = new["requests"].get(resource, dig(old, "requests", resource))
        limit = new["limits"].get(resource, dig(old, "limits", resource))
        if request is None or limit is None:
            continue
        if (parse_quantity(request) or 0) > (parse_quantity(limit) or 0):
            raise InputError(
                f"{target} container {name}: {resource} request {request} would exceed its "
                f"limit {limit}; the API server refuses that",
                hint=f"raise --{resource}-limit as well",
            )


def plan_set_image(
    request: ActionRequest, current: Mapping[str, Any], context: PlanContext
) -> Plan:
    require_kind(request, WORKLOAD_KINDS)
    target = request.target
    image = str(request.params.get("image") or "").strip()
    if not image or any(ch.isspace() for ch in image):
        raise InputError(f"not an image reference: {image!r}")
    spec = container(current, target, request.params.get("container"))
    name, before = str(spec["name"]), str(spec.get("image", ""))
    if before == image:
        raise InputError(f"container {name} of {target} already runs {image}")
    return Plan(
        request=request,
        summary=f"Set image of container {name} in {target.kubectl_ref}: {before} → {image}",
        change=_container_patch(target, name, {"image": image}),
        inverse=_container_patch(target, name, {"image": before}),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior={"container": name, "image": before},
        after={"container": name, "image": image},
        checks=_ROLLOUT_CHECKS,
    )


def plan_undo(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    """Restore the previous revision's template, as ``kubectl rollout undo`` does."""
    require_kind(request, ("Deployment",))
    target = request.target
    revision = int(dig(current, "metadata", "annotations", REVISION) or 0)
    earlier = [
        rs
        for rs in context.replica_sets
        if 0 < int(dig(rs, "metadata", "annotations", REVISION) or 0) < revision
    ]
    if not earlier:
        raise InputError(
            f"{target} has no earlier revision to roll back to (it is at revision {revision})",
            hint=f"kubectl rollout history {target.kubectl_ref}",
        )
    wanted = request.params.get("revision")
    if wanted is not None:
        earlier = [r for r in earlier if int(dig(r, "metadata", "annotations", REVISION)) == wanted]
        if not earlier:
            raise InputError(
                f"{target} has no revision {wanted} to roll back to",
                hint=f"kubectl rollout history {target.kubectl_ref}",
            )
    previous = max(earlier, key=lambda rs: int(dig(rs, "metadata", "annotations", REVISION)))
    template = _without_hash(dig(previous, "spec", "template") or {})
    now = dig(current, "spec", "template") or {}
    number = dig(previous, "metadata", "annotations", REVISION)
    return Plan(
        request=request,
        summary=f"Roll {target.kubectl_ref} back from revision {revision} to revision {number}",
        change=_template(target, template),
        inverse=_template(target, now),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior={"revision": revision, "images": _images(now)},
        after={"revision": int(number), "images": _images(template)},
        checks=_ROLLOUT_CHECKS,
    )


def _template(target: ObjectRef, template: Mapping[str, Any]) -> Change:
    body = {"ops": [{"op": "replace", "path": "/spec/template", "value": template}]}
    return Change(ChangeVerb.PATCH, target, body, "json")


def _without_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(template)
    meta = dict(cleaned.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != "pod-template-hash"}
    meta["labels"] = labels
    cleaned["metadata"] = meta
    return cleaned


def _images(template: Mapping[str, Any]) -> dict[str, str]:
    containers = dig(template, "spec", "containers") or []
    return {str(c.get("name")): str(c.get("image")) for c in containers}


def _container_patch(target: ObjectRef, name: str, fields: Mapping[str, Any]) -> Change:
    body = {"spec": {"template": {"spec": {"containers": [{"name": name, **fields}]}}}}
    return Change(ChangeVerb.PATCH, target, body, "strategic")


def _drop_empty(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {key: dict(value) for key, value in sections.items() if value}
