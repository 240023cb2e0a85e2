"""Read and change single objects of a live cluster; every write can be a server-side dry run.

kubemedic's governed changes (scale, resources, image, HPA, restart, pause and undo) all come
down to a patch, a create, a replace or a delete of one object. Writes carry
``fieldManager=kubemedic`` (except deletes, which have no field manager), so the cluster records
who changed what; a dry run adds ``dryRun=All``: the API server validates the change and runs
admission, persists nothing and answers with the object as it would be. Optimistic concurrency
is the caller's to ask for: a patch or replace whose body carries ``metadata.resourceVersion``,
or a delete with ``uid``/``resource_version`` preconditions, fails with ``Conflict`` when the
object changed since it was read.

Objects come back as the read path sees them (``objects.normalize``): a Secret's values never
leave this module, which is also why a Secret is never replaced (the PUT would erase them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from kubemedic.adapters.kubernetes.api import BY_KIND, ApiRequest, Resource
from kubemedic.adapters.kubernetes.failures import ApiStatusError
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.errors import InputError, NotFound
from kubemedic.models.findings import ObjectRef

FIELD_MANAGER = "kubemedic"

Objects = list[dict[str, Any]]
"""Named so ``ClusterWriter.list`` does not shadow the builtin in annotations."""


class PatchType(StrEnum):
    """How the API server merges a patch into the object."""

    STRATEGIC = "strategic"
    MERGE = "merge"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]


_CONTENT_TYPES = {
    PatchType.STRATEGIC: "application/strategic-merge-patch+json",
    PatchType.MERGE: "application/merge-patch+json",
    PatchType.JSON: "application/json-patch+json",
}


class ClusterWriter:
    """Reads and writes single objects; every write can be a server-side dry run."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls, *, context: str | None, kubeconfig: Path | None, timeout: float
    ) -> ClusterWriter:
        """A writer for the cluster of a kubeconfig context (ConfigError when there is none)."""
        return cls(connect(context=context, kubeconfig=kubeconfig, timeout=timeout))

    def __enter__(self) -> ClusterWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(self, ref: ObjectRef) -> dict[str, Any]:
        resource, request = _about(ref, "get")
        return _served(resource, self.client.request(request))

    def list(
        self, kind: str, namespace: str | None, *, label_selector: str | None = None
    ) -> Objects:
        """The objects of ``kind`` in ``namespace`` (None: all namespaces)."""
        resource = _resource(kind)
        query = {"labelSelector": label_selector} if label_selector else {}
        return _items(resource, self.client.request(ApiRequest.list(resource, namespace, **query)))

    def patch(
        self,
        ref: ObjectRef,
        patch: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        patch_type: PatchType,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Patch one object; a JSON patch is a list of operations, the others an object."""
        if (patch_type is PatchType.JSON) == isinstance(patch, Mapping):
            shape = "a list of operations" if patch_type is PatchType.JSON else "an object"
            raise InputError(f"a {patch_type} patch of {ref} must be {shape}")
        resource, request = _about(ref, "patch", **_write_query(dry_run))
        answer = self.client.request(
            request, body=orjson.dumps(patch), content_type=patch_type.content_type
        )
        return _served(resource, answer)

    def create(
        self, kind: str, namespace: str, body: Mapping[str, Any], *, dry_run: bool = False
    ) -> dict[str, Any]:
        resource = _resource(kind)
        scope = _scope(resource, namespace, f"a new {kind}")
        request = ApiRequest.create(resource, scope, **_write_query(dry_run))
        return _served(resource, self.client.request(request, body=orjson.dumps(body)))

    def replace(
        self, ref: ObjectRef, body: Mapping[str, Any], *, dry_run: bool = False
    ) -> dict[str, Any]:
        """PUT the whole object; with ``metadata.resourceVersion`` only if it is unchanged."""
        if ref.kind == "Secret":
            raise InputError(
                f"kubemedic does not replace {ref}: it never holds Secret values, so the "
                "replacement would erase them",
                hint="patch the keys to change instead",
            )
        resource, request = _about(ref, "update", **_write_query(dry_run))
        return _served(resource, self.client.request(request, body=orjson.dumps(body)))

    def delete(
        self,
        ref: ObjectRef,
        *,
        dry_run: bool = False,
        uid: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any] | None:
        """Delete one object, only if it still has this ``uid`` / ``resource_version``.

        The object while it lingers (a pod's grace period, finalizers, a dry run), else None.
        """
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        preconditions = {"uid": uid, "resourceVersion": resource_version}
        if any(preconditions.values()):
            options["preconditions"] = {k: v for k, v in preconditions.items() if v}
        resource, request = _about(ref, "delete", **({"dryRun": "All"} if dry_run else {}))
        answer = self.client.request(request, body=orjson.dumps(options))
        return None if answer.get("kind") == "Status" else _served(resource, answer)

    def pod_metrics(self, namespace: str | None) -> Objects | None:
        """metrics.k8s.io PodMetrics of a namespace (None: all namespaces); None when no
        metrics API is served."""
        resource = BY_KIND["PodMetrics"]
        try:
            body = self.client.request(ApiRequest.list(resource, namespace), retry=False)
        except NotFound:
            return None
        except ApiStatusError as exc:
            if exc.status == 503:  # registered, but metrics-server is not answering
                return None
            raise
        return _items(resource, body)


def _resource(kind: str) -> Resource:
    resource = BY_KIND.get(kind)
    if resource is None:
        raise InputError(
            f"kubemedic does not know where the API serves kind {kind!r}",
            hint=f"known kinds: {', '.join(sorted(BY_KIND))}",
        )
    return resource


def _about(ref: ObjectRef, verb: str, **query: str) -> tuple[Resource, ApiRequest]:
    """The resource of ``ref`` and the request that does ``verb`` to it."""
    resource = _resource(ref.kind)
    namespace = _scope(resource, ref.namespace, ref)
    return resource, ApiRequest.change(verb, resource, namespace, ref.name, **query)


def _scope(resource: Resource, namespace: str | None, what: object) -> str | None:
    """The namespace of a write; refused when a namespaced object comes without one."""
    if not resource.namespaced:
        return None
    if not namespace:
        raise InputError(f"{what}: {resource.kind} is namespaced, but no namespace was given")
    return namespace


def _write_query(dry_run: bool) -> dict[str, str]:
    query = {"fieldManager": FIELD_MANAGER}
    if dry_run:
        query["dryRun"] = "All"
    return query


def _served(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    return normalize(obj, resource.kind, resource.group_version)


def _items(resource: Resource, body: Mapping[str, Any]) -> Objects:
    items = body.get("items")
    return [
        _served(resource, item)
        for item in (items if isinstance(items, list) else ())
        if isinstance(item, dict)
    ]
