"""Helpers the planners share: containers of a pod template, parameters, fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, Change, ChangeVerb

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")


def require_kind(request: ActionRequest, kinds: Sequence[str]) -> None:
    if request.target.kind not in kinds:
        raise InputError(
            f"{request.type.value} applies to {', '.join(k.lower() for k in kinds)}, "
            f"not to {request.target.kind.lower()}/{request.target.name}"
        )


def template_containers(obj: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    containers = dig(obj, "spec", "template", "spec", "containers")
    return containers if isinstance(containers, list) else ()


def container(obj: Mapping[str, Any], ref: ObjectRef, name: str | None) -> Mapping[str, Any]:
    """The named container of the pod template; the only one when no name is given."""
    containers = template_containers(obj)
    names = [str(c.get("name", "")) for c in containers]
    if name is None:
        if len(containers) == 1:
            return containers[0]
        raise InputError(
            f"{ref} has {len(containers)} containers; name one with --container",
            hint="containers: " + ", ".join(names),
        )
    for candidate in containers:
        if candidate.get("name") == name:
            return candidate
    raise InputError(f"{ref} has no container {name!r}", hint="containers: " + ", ".join(names))


def int_param(request: ActionRequest, key: str, *, minimum: int = 0) -> int:
    value = request.params.get(key)
    try:
        number = int(str(value))
    except ValueError:
        raise InputError(f"{key} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise InputError(f"{key} must be at least {minimum}, got {number}")
    return number


def fingerprint(obj: Mapping[str, Any] | None, *, replicas: bool = True) -> dict[str, str]:
    """What identifies the target's desired state: uid and a hash of spec (or data).

    Status updates do not change it; any change to what the object asks for does, which is
    what makes an execution refuse a target that changed since its proposal. A missing object
    (one a change is to create) has the fingerprint of an empty one. ``replicas=False`` leaves
    ``spec.replicas`` out: an autoscaler moving it does not make an approved image or resources
    change describe another object.
    """
    obj = obj or {}
    desired = {key: obj[key] for key in ("spec", "data", "binaryData") if key in obj}
    if not replicas and isinstance(desired.get("spec"), Mapping):
        desired["spec"] = {k: v for k, v in desired["spec"].items() if k != "replicas"}
    digest = hashlib.sha256(orjson.dumps(desired, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return {"uid": str(dig(obj, "metadata", "uid") or ""), "desired_sha256": digest}


def touches_replicas(change: Change) -> bool:
    """True when the change sets ``spec.replicas`` (so a moved replica count matters)."""
    return _touches_spec(change, "replicas")


def touches_template(change: Change) -> bool:
    """True when the change writes ``spec.template`` (on a Deployment: it starts a rollout)."""
    return change.verb is ChangeVerb.PATCH and _touches_spec(change, "template")


def _touches_spec(change: Change, field: str) -> bool:
    body = change.body or {}
    if change.patch_type == "json":
        return any(
            str(op.get("path", "")).startswith(f"/spec/{field}") for op in body.get("ops") or []
        )
    spec = body.get("spec")
    return isinstance(spec, Mapping) and field in spec


def change_fingerprint(obj: Mapping[str, Any] | None, change: Change) -> dict[str, str]:
    """The fingerprint that decides whether ``change`` still applies to ``obj`` as approved."""
    return fingerprint(obj, replicas=touches_replicas(change))
