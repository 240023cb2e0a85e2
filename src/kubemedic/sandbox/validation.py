"""The API server's validation of writes, for the mistakes people actually make.

Names, required container fields, requests above limits, a selector that does not match its
template, immutable selectors and the pod-update rules: each refused with a 422 and the field
errors a real API server would list, so kubemedic and kubectl users meet the same refusals here.
"""

from __future__ import annotations

import re
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.sandbox.apierrors import Cause, InvalidError
from kubemedic.sandbox.resources import ResourceType
from kubemedic.sandbox.selectors import SelectorError, selector_from_object

Obj = dict[str, Any]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_LABEL_NAMED_KINDS = frozenset({"Namespace", "Service"})
_PATH_SEGMENT_KINDS = frozenset({"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"})
_WORKLOADS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
_POD_UPDATE_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def validate(resource: ResourceType, obj: Obj, old: Obj | None) -> None:
    """Raise InvalidError listing every problem with ``obj`` (``old`` set on update)."""
    name = str(obj["metadata"].get("name") or "")
    causes = name_causes(resource.kind, name)
    kind = resource.kind
    if kind == "Pod":
        causes += _pod_spec_causes(obj.get("spec") or {}, "spec")
        if old is not None:
            causes += _pod_update_causes(old.get("spec") or {}, obj.get("spec") or {})
    elif kind in _WORKLOADS:
        causes += _workload_causes(kind, obj, old)
    elif kind == "Service":
        causes += _service_causes(obj.get("spec") or {})
    if causes:
        raise InvalidError(resource, name, causes)


def name_causes(kind: str, name: str) -> list[Cause]:
    if not name:
        return [Cause("metadata.name", "FieldValueRequired", "name or generateName is required")]
    if kind in _PATH_SEGMENT_KINDS:
        if name in (".", "..") or "/" in name or "%" in name:
            return [Cause("metadata.name", "FieldValueInvalid", "may not contain '/' or '%'", name)]
        return []
    if kind in _LABEL_NAMED_KINDS:
        if len(name) > 63 or not _LABEL.match(name):
            return [Cause("metadata.name", "FieldValueInvalid", _LABEL_TEXT, name)]
        return []
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        return [Cause("metadata.name", "FieldValueInvalid", _SUBDOMAIN_TEXT, name)]
    return []


def _pod_spec_causes(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    containers = spec.get("containers") or []
    if not containers:
        causes.append(Cause(f"{path}.containers", "FieldValueRequired"))
    seen: set[str] = set()
    for field in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(field) or []):
            where = f"{path}.{field}[{index}]"
            causes += _container_causes(container, where, seen)
    policy = spec.get("restartPolicy")
    if policy not in (None, "Always", "OnFailure", "Never"):
        causes.append(
            Cause(
                f"{path}.restartPolicy",
                "FieldValueNotSupported",
                'supported values: "Always", "OnFailure", "Never"',
                policy,
            )
        )
    return causes


def _container_causes(container: Obj, where: str, seen: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    name = str(container.get("name") or "")
    if not name:
        causes.append(Cause(f"{where}.name", "FieldValueRequired"))
    elif not _LABEL.match(name) or len(name) > 63:
        causes.append(Cause(f"{where}.name", "FieldValueInvalid", _LABEL_TEXT, name))
    elif name in seen:
        causes.append(Cause(f"{where}.name", "FieldValueDuplicate", value=name))
    seen.add(name)
    if not str(container.get("image") or "").strip():
        causes.append(Cause(f"{where}.image", "FieldValueRequired"))
    resources = container.get("resources") or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    for resource_name, raw in requests.items():
        request = parse_quantity(raw)
        limit = parse_quantity(limits.get(resource_name))
        if request is not None and limit is not None and request > limit:
            causes.append(
                Cause(
                    f"{where}.resources.requests",
                    "FieldValueInvalid",
                    f"must be less than or equal to {resource_name} limit of "
                    f"{limits[resource_name]}",
                    str(raw),
                )
            )
    return causes


def _pod_update_causes(old: Obj, new: Obj) -> list[Cause]:
    def mutable_stripped(spec: Obj) -> Obj:
        stripped = dict(spec)
        for field in ("containers", "initContainers"):
            stripped[field] = [
                {k: v for k, v in c.items() if k != "image"} for c in spec.get(field) or []
            ]
        for field in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
            stripped.pop(field, None)
        stripped.pop("nodeName", None)
        return stripped

    if mutable_stripped(old) != mutable_stripped(new):
        return [Cause("spec", "FieldValueForbidden", _POD_UPDATE_MESSAGE)]
    old_tolerations = old.get("tolerations") or []
    if any(t not in (new.get("tolerations") or []) for t in old_tolerations):
        return [
            Cause(
                "spec.tolerations",
                "FieldValueForbidden",
                "existing toleration can not be modified except its tolerationSeconds",
            )
        ]
    return []


def _workload_causes(kind: str, obj: Obj, old: Obj | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    selector = spec.get("selector")
    if kind != "Job":
        if not selector:
            causes.append(Cause("spec.selector", "FieldValueRequired"))
        else:
            try:
                matches = selector_from_object(selector).matches(labels)
            except SelectorError as exc:
                matches = True
                causes.append(Cause("spec.selector", "FieldValueInvalid", str(exc), "selector"))
            if not matches:
                causes.append(
                    Cause(
                        "spec.template.metadata.labels",
                        "FieldValueInvalid",
                        "`selector` does not match template `labels`",
                        labels,
                    )
                )
        if old is not None and (old.get("spec") or {}).get("selector") != selector:
            causes.append(
                Cause("spec.selector", "FieldValueInvalid", "field is immutable", "selector")
            )
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        causes.append(
            Cause(
                "spec.replicas",
                "FieldValueInvalid",
                "must be greater than or equal to 0",
                replicas,
            )
        )
    pod_spec = template.get("spec") or {}
    causes += _pod_spec_causes(pod_spec, "spec.template.spec")
    if kind == "Job" and pod_spec.get("restartPolicy") not in ("OnFailure", "Never"):
        causes.append(
            Cause(
                "spec.template.spec.restartPolicy",
                "FieldValueNotSupported",
                'supported values: "OnFailure", "Never"',
                pod_spec.get("restartPolicy"),
            )
        )
    return causes


def _service_causes(spec: Obj) -> list[Cause]:
    causes: list[Cause] = []
    for index, port in enumerate(spec.get("ports") or []):
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            causes.append(
                Cause(
                    f"spec.ports[{index}].port",
                    "FieldValueInvalid",
                    "must be between 1 and 65535, inclusive",
                    number,
                )
            )
    return causes
