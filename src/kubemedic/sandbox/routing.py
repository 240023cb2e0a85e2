"""Kubernetes REST paths parsed into what they address: resource, namespace, name, subresource.

``/api/v1/namespaces/todo/pods/web-1/log`` and ``/apis/apps/v1/deployments`` follow one grammar;
``/api/v1/namespaces/todo`` is the Namespace object itself, ``/api/v1/namespaces/todo/status``
its status, and anything after ``namespaces/<ns>/`` else is a namespaced collection.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic.sandbox.apierrors import NotFoundError
from kubemedic.sandbox.resources import KINDS, ResourceType, resource_for


@dataclass(frozen=True, slots=True)
class Route:
    """What a resource URL addresses."""

    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def is_collection(self) -> bool:
        return self.name is None

    @property
    def rbac_resource(self) -> str:
        """``deployments`` or ``deployments/scale``, as RBAC rules and 403 messages name it."""
        plural = self.resource.plural
        return f"{plural}/{self.subresource}" if self.subresource else plural


def parse_resource_path(path: str) -> Route | None:
    """The route of a resource URL; None when ``path`` is not under /api/v1 or /apis/g/v."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    resource = resource_for(group, version, rest[0])
    if resource is None or len(rest) > 3:
        raise NotFoundError(None, "", message="the server could not find the requested resource")
    name = rest[1] if len(rest) >= 2 else None
    subresource = rest[2] if len(rest) == 3 else None
    if subresource is not None and subresource not in resource.subresources:
        raise NotFoundError(None, "", message="the server could not find the requested resource")
    if namespace is not None and not resource.namespaced:
        raise NotFoundError(None, "", message="the server could not find the requested resource")
    if resource is KINDS["Namespace"] and name is not None:
        namespace = None
    return Route(resource, namespace, name, subresource)
