"""The LimitRanger admission plugin: LimitRange defaults for containers, then min/max checks.

A container without requests or limits gets its namespace's ``defaultRequest`` / ``default``
(and the ``kubernetes.io/limit-ranger`` annotation saying so); then every ``Container``,
``Pod`` and ``PersistentVolumeClaim`` limit is checked, refusing with the plugin's words:
``maximum cpu usage per Container is 1, but limit is 2``, ``minimum memory usage per Pod is
...``, ``cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000``.
The LimitRange itself was defaulted on write (``kubemedic.sandbox.defaults``), so ``max``
alone already implies a default limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kubemedic.sandbox.admission.objects import Obj, Objects
from kubemedic.sandbox.apierrors import ForbiddenError
from kubemedic.sandbox.defaults import qos_class
from kubemedic.sandbox.podresources import pod_resources
from kubemedic.sandbox.quantity import Quantity, resource_list
from kubemedic.sandbox.resources import KINDS

ANNOTATION = "kubernetes.io/limit-ranger"
_CONTAINER_FIELDS = (("containers", "container"), ("initContainers", "init container"))


def _ranges(objects: Objects, namespace: str) -> list[Obj]:
    return objects.list("LimitRange", namespace)[0]


def apply_defaults(objects: Objects, pod: Obj) -> None:
    """Give containers the LimitRanges' default requests and limits they lack."""
    ranges = _ranges(objects, str(pod["metadata"].get("namespace") or ""))
    limits: dict[str, object] = {}
    requests: dict[str, object] = {}
    for item in (i for r in ranges for i in (r.get("spec") or {}).get("limits") or []):
        if item.get("type") == "Container":
            limits.update(item.get("default") or {})
            requests.update(item.get("defaultRequest") or {})
    if not limits and not requests:
        return
    spec = pod.setdefault("spec", {})
    notes: list[str] = []
    for field, label in _CONTAINER_FIELDS:
        for container in spec.get(field) or []:
            resources = container.setdefault("resources", {})
            for key, defaults, word in (
                ("requests", requests, "request"),
                ("limits", limits, "limit"),
            ):
                present = resources.setdefault(key, {})
                added = sorted(name for name in defaults if name not in present)
                for name in added:
                    present[name] = defaults[name]
                if added:
                    notes.append(f"{', '.join(added)} {word} for {label} {container.get('name')}")
                if not present:
                    resources.pop(key)
    if notes:
        annotations = pod["metadata"].setdefault("annotations", {})
        annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
        pod.setdefault("status", {})["qosClass"] = qos_class(spec)


def validate(objects: Objects, obj: Obj) -> None:
    """Raise ForbiddenError with every LimitRange violation of a Pod or a claim."""
    kind = str(obj.get("kind"))
    if kind not in ("Pod", "PersistentVolumeClaim"):
        return
    errors = []
    for limit_range in _ranges(objects, str(obj["metadata"].get("namespace") or "")):
        found = _violations(limit_range, obj)
        if found:
            errors.append(found[0] if len(found) == 1 else f"[{', '.join(found)}]")
    if errors:
        message = errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]"
        raise ForbiddenError(KINDS[kind], str(obj["metadata"].get("name") or ""), message)


def _violations(limit_range: Obj, obj: Obj) -> list[str]:
    spec = obj.get("spec") or {}
    found: list[str] = []
    for item in (limit_range.get("spec") or {}).get("limits") or []:
        kind = item.get("type")
        if obj.get("kind") == "PersistentVolumeClaim":
            if kind == "PersistentVolumeClaim":
                wanted = resource_list((spec.get("resources") or {}).get("requests"))
                storage = {k: v for k, v in wanted.items() if k == "storage"}
                found += _check(item, "PersistentVolumeClaim", storage, storage, ratio=False)
            continue
        if kind == "Container":
            for field, _label in _CONTAINER_FIELDS:
                for container in spec.get(field) or []:
                    resources = container.get("resources") or {}
                    requests = resource_list(resources.get("requests"))
                    limits = resource_list(resources.get("limits"))
                    found += _check(item, "Container", requests, limits)
        elif kind == "Pod":
            requests, limits = pod_resources(spec), pod_resources(spec, "limits")
            found += _check(item, "Pod", requests, limits)
    return found


def _check(
    item: Mapping[str, object],
    scope: str,
    requests: Mapping[str, Quantity],
    limits: Mapping[str, Quantity],
    *,
    ratio: bool = True,
) -> list[str]:
    found: list[str] = []
    for name, bound in sorted(resource_list(_section(item, "min")).items()):
        request, limit = requests.get(name), limits.get(name)
        head = f"minimum {name} usage per {scope} is {bound}"
        if request is None:
            found.append(f"{head}.  No request is specified")
        elif request.amount < bound.amount:
            found.append(f"{head}, but request is {request}")
        elif limit is not None and limit.amount < bound.amount:
            found.append(f"{head}, but limit is {limit}")
    for name, bound in sorted(resource_list(_section(item, "max")).items()):
        request, limit = requests.get(name), limits.get(name)
        head = f"maximum {name} usage per {scope} is {bound}"
        if limit is None:
            found.append(f"{head}.  No limit is specified")
        elif limit.amount > bound.amount:
            found.append(f"{head}, but limit is {limit}")
        elif request is not None and request.amount > bound.amount:
            found.append(f"{head}, but request is {request}")
    if ratio:
        for name, bound in sorted(resource_list(_section(item, "maxLimitRequestRatio")).items()):
            found += _ratio(name, scope, bound, requests.get(name), limits.get(name))
    return found


def _ratio(
    name: str, scope: str, bound: Quantity, request: Quantity | None, limit: Quantity | None
) -> list[str]:
    head = f"{name} max limit to request ratio per {scope} is {bound}"
    if request is None or request.amount == 0:
        return [f"{head}, but no request is specified or request is 0"]
    if limit is None or limit.amount == 0:
        return [f"{head}, but no limit is specified or limit is 0"]
    observed = limit.amount / request.amount
    if observed > bound.amount:
        return [f"{head}, but provided ratio is {observed.quantize(Decimal('0.000001'))}"]
    return []


def _section(item: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}
