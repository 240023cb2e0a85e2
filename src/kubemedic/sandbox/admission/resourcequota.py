"""The ResourceQuota admission plugin and the usage the quota controller reports.

Each object counts against the quotas of its namespace: a pod its ``requests.*``/``limits.*``
(``cpu``/``memory`` mean requests) and extended ``requests.<name>``, plus ``pods``; a claim
its ``requests.storage``; anything ``count/<resource>``. A create that would take a quota past
``spec.hard`` is refused with ``exceeded quota: compute-quota, requested: requests.cpu=500m,
used: requests.cpu=1800m, limited: requests.cpu=2``; a pod that leaves out a CPU or memory
value a quota tracks with ``failed quota: compute-quota: must specify limits.memory for:
app``. Finished pods free their share; scopes (``BestEffort``, ``NotBestEffort``,
``Terminating``, ``NotTerminating``, ``PriorityClass``) narrow a quota to some pods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from kubemedic.sandbox.admission.objects import Obj, Objects
from kubemedic.sandbox.apierrors import ForbiddenError
from kubemedic.sandbox.podresources import pod_resources
from kubemedic.sandbox.quantity import ZERO, Quantity, parse, pretty, resource_list, total
from kubemedic.sandbox.resources import KINDS

ONE = Quantity(Decimal(1))
_LEGACY = {
    "pods": "Pod",
    "services": "Service",
    "configmaps": "ConfigMap",
    "secrets": "Secret",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "resourcequotas": "ResourceQuota",
    "services.loadbalancers": "Service",
    "services.nodeports": "Service",
    "requests.storage": "PersistentVolumeClaim",
}
_COUNTED = {f"count/{r.group_resource}": r.kind for r in KINDS.values() if r.namespaced}
_COMPUTE = ("cpu", "memory", "ephemeral-storage")
_MUST_SPECIFY = frozenset(
    {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
)
_STORAGE_CLASS = ".storageclass.storage.k8s.io/"


def kind_tracked(name: str) -> str | None:
    """The kind whose objects a quota's resource name counts (None when unknown)."""
    if name in _LEGACY:
        return _LEGACY[name]
    if name in _COUNTED:
        return _COUNTED[name]
    if _STORAGE_CLASS in name:
        return "PersistentVolumeClaim"
    if name in _COMPUTE or name.startswith(("requests.", "limits.", "hugepages-")):
        return "Pod"
    return None


def usage(obj: Obj) -> dict[str, Quantity]:
    """What ``obj`` takes from a quota, by resource name (nothing for a finished pod)."""
    kind = str(obj.get("kind"))
    resource = KINDS.get(kind)
    if resource is None or not resource.namespaced:
        return {}
    spec = obj.get("spec") or {}
    if kind == "Pod" and (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return {}
    result = {f"count/{resource.group_resource}": ONE}
    result.update(
        {name: ONE for name, counted in _LEGACY.items() if counted == kind and "." not in name}
    )
    if kind == "Pod":
        result.update(_compute(pod_resources(spec), pod_resources(spec, "limits")))
    elif kind == "PersistentVolumeClaim":
        storage = parse(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
        result["requests.storage"] = storage or ZERO
        prefix = f"{spec.get('storageClassName') or ''}{_STORAGE_CLASS}"
        result[prefix + "requests.storage"] = storage or ZERO
        result[prefix + "persistentvolumeclaims"] = ONE
    elif kind == "Service":
        kind_of_service = spec.get("type")
        if kind_of_service == "LoadBalancer":
            result["services.loadbalancers"] = ONE
        if kind_of_service in ("NodePort", "LoadBalancer"):
            result["services.nodeports"] = Quantity(Decimal(len(spec.get("ports") or [])))
    return result


def _compute(
    requests: Mapping[str, Quantity], limits: Mapping[str, Quantity]
) -> dict[str, Quantity]:
    """``podComputeUsageHelper``: requests count under both ``cpu`` and ``requests.cpu``."""
    result: dict[str, Quantity] = {}
    for name, amount in requests.items():
        if name in _COMPUTE or name.startswith("hugepages-"):
            result[name] = amount
        if name in _COMPUTE or "/" in name or name.startswith("hugepages-"):
            result[f"requests.{name}"] = amount
    for name, amount in limits.items():
        if name in _COMPUTE:
            result[f"limits.{name}"] = amount
    return result


def matches(quota: Obj, obj: Obj) -> bool:
    """Whether the quota's scopes cover ``obj`` (scoped quotas cover pods only)."""
    spec = quota.get("spec") or {}
    selectors: list[Mapping[str, Any]] = [
        {"scopeName": scope, "operator": "Exists"} for scope in spec.get("scopes") or []
    ]
    selectors += (spec.get("scopeSelector") or {}).get("matchExpressions") or []
    if not selectors:
        return True
    return obj.get("kind") == "Pod" and all(_in_scope(s, obj) for s in selectors)


def _in_scope(selector: Mapping[str, Any], pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    scope, operator = selector.get("scopeName"), selector.get("operator")
    best_effort = (pod.get("status") or {}).get("qosClass") == "BestEffort"
    terminating = spec.get("activeDeadlineSeconds") is not None
    plain = {
        "BestEffort": best_effort,
        "NotBestEffort": not best_effort,
        "Terminating": terminating,
        "NotTerminating": not terminating,
    }
    if scope in plain:
        return plain[str(scope)] == (operator != "DoesNotExist")
    if scope == "PriorityClass":
        name = spec.get("priorityClassName")
        values = [str(v) for v in selector.get("values") or []]
        return {
            "In": name in values,
            "NotIn": name not in values,
            "Exists": bool(name),
            "DoesNotExist": not name,
        }.get(str(operator), False)
    return False


def _missing_values(tracked: Iterable[str], spec: Mapping[str, Any]) -> str | None:
    """``limits.memory for: app; requests.cpu for: app,sidecar`` — None when nothing is."""
    required = _MUST_SPECIFY.intersection(tracked)
    missing: dict[str, list[str]] = {}
    for field in ("containers", "initContainers"):
        for container in spec.get(field) or []:
            resources = container.get("resources") or {}
            given = _compute(
                resource_list(resources.get("requests")), resource_list(resources.get("limits"))
            )
            for name in sorted(required - set(given)):
                missing.setdefault(name, []).append(str(container.get("name")))
    if not missing:
        return None
    return "; ".join(f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing))


def used(objects: Objects, quota: Obj, names: Iterable[str]) -> dict[str, Quantity]:
    """What the namespace's objects already take of each of ``names`` under this quota."""
    namespace = str(quota["metadata"].get("namespace") or "")
    by_kind: dict[str, list[str]] = {}
    for name in names:
        kind = kind_tracked(name)
        if kind is not None:
            by_kind.setdefault(kind, []).append(name)
    result = {name: ZERO for names_of in by_kind.values() for name in names_of}
    for kind, wanted in by_kind.items():
        taken = [usage(o) for o in objects.list(kind, namespace)[0] if matches(quota, o)]
        for name in wanted:
            result[name] = total(t[name] for t in taken if name in t)
    return result


def admit(objects: Objects, obj: Obj) -> None:
    """Raise ForbiddenError when creating ``obj`` breaks a quota of its namespace."""
    wanted = usage(obj)
    if not wanted:
        return
    kind = str(obj.get("kind"))
    meta = obj["metadata"]
    quotas = sorted(
        objects.list("ResourceQuota", str(meta.get("namespace") or ""))[0],
        key=lambda q: str(q["metadata"]["name"]),
    )
    checked: list[tuple[Obj, dict[str, Quantity]]] = []
    for quota in quotas:
        if not matches(quota, obj):
            continue
        hard = resource_list((quota.get("spec") or {}).get("hard"))
        tracked = {name: q for name, q in hard.items() if kind_tracked(name) == kind}
        if not tracked:
            continue
        problem = _missing_values(tracked, obj.get("spec") or {}) if kind == "Pod" else None
        if problem is not None:
            raise ForbiddenError(
                KINDS[kind],
                str(meta.get("name") or ""),
                f"failed quota: {quota['metadata']['name']}: must specify {problem}",
            )
        checked.append((quota, tracked))
    for quota, hard in checked:
        requested = {n: wanted[n] for n in hard if n in wanted and wanted[n].amount != 0}
        if not requested:
            continue
        taken = used(objects, quota, requested)
        over = [n for n in requested if taken[n].amount + requested[n].amount > hard[n].amount]
        if over:
            raise ForbiddenError(
                KINDS[kind],
                str(meta.get("name") or ""),
                f"exceeded quota: {quota['metadata']['name']}, "
                f"requested: {pretty({n: requested[n] for n in over})}, "
                f"used: {pretty({n: taken[n] for n in over})}, "
                f"limited: {pretty({n: hard[n] for n in over})}",
            )
