"""The REST verbs on resources: GET, LIST, WATCH, POST, PUT, PATCH, DELETE, over the store.

The HTTP layer parses a request into a ``Route`` and a ``Query`` and hands it here; what comes
back is a ``Reply`` (one body) or a ``Stream`` (chunks of a watch or a followed log). Subresources
(scale, eviction, log) and metrics.k8s.io live in ``subresources``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import orjson

from kubemedic.sandbox.apierrors import (
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    StoreError,
    UnsupportedMediaError,
)
from kubemedic.sandbox.backend import Backend
from kubemedic.sandbox.negotiation import (
    JSON,
    PATCH_TYPES,
    Call,
    Reply,
    Stream,
    continue_token,
    parse_body,
    parse_continue,
)
from kubemedic.sandbox.patching import PatchError, apply_patch, strategic_merge_patch
from kubemedic.sandbox.resources import ResourceType
from kubemedic.sandbox.store import Store, Watch
from kubemedic.sandbox.subresources import Subresources
from kubemedic.sandbox.tables import TableOptions, to_table
from kubemedic.sandbox.versions import to_served, to_stored

Obj = dict[str, Any]
_MAX_WATCH_SECONDS = 1800
_BOOKMARK_EVERY_SECONDS = 30.0
_STATUS_SET_ON_CREATE = frozenset({"Node", "PersistentVolume"})


class ResourceAPI:
    """Serves the resource URLs of the sandbox from its store and simulation."""

    def __init__(self, store: Store, backend: Backend, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self.subresources = Subresources(store, backend, now)

    def handle(self, call: Call) -> Reply | Stream:
        route = call.route
        if not route.resource.stored:
            if call.method != "GET":
                raise MethodNotAllowedError(f"{call.method} is not supported on metrics")
            return self._encode(call, self.subresources.metrics(route, call.query))
        if route.subresource in ("scale", "eviction", "log"):
            return self.subresources.handle(call)
        handlers: dict[tuple[str, bool], Callable[[Call], Reply | Stream]] = {
            ("GET", True): self._list_or_watch,
            ("GET", False): self._get,
            ("POST", True): self._create,
            ("PUT", False): self._replace,
            ("PATCH", False): self._patch,
            ("DELETE", False): self._delete,
            ("DELETE", True): self._delete_collection,
        }
        handler = handlers.get((call.method, route.is_collection))
        if handler is None:
            raise MethodNotAllowedError(
                "the server does not allow this method on the requested resource"
            )
        return handler(call)

    # ------------------------------------------------------------------ reads

    def _get(self, call: Call) -> Reply:
        route = call.route
        raw = self.store.get_raw(route.resource.kind, route.namespace or "", str(route.name))
        return self._encode_raw(call, [raw], single=True)

    def _list_or_watch(self, call: Call) -> Reply | Stream:
        if call.query.flag("watch"):
            return self._watch(call)
        route, query = call.route, call.query
        after = parse_continue(query.get("continue") or "") if query.get("continue") else None
        limit = query.integer("limit")
        raws, version, next_key = self.store.list_raw(
            route.resource.kind,
            route.namespace,
            label_selector=query.get("labelSelector"),
            field_selector=query.get("fieldSelector"),
            after=after,
            limit=limit if limit and limit > 0 else None,
        )
        meta: Obj = {"resourceVersion": version}
        if next_key is not None:
            meta["continue"] = continue_token(version, next_key)
        return self._encode_raw(call, raws, single=False, list_meta=meta)

    def _encode_raw(
        self, call: Call, raws: list[bytes], *, single: bool, list_meta: Obj | None = None
    ) -> Reply:
        resource = call.route.resource
        representation = call.representation
        if representation.table or representation.metadata_only or resource.converted:
            objects = [orjson.loads(raw) for raw in raws]
            return self._encode(call, objects if not single else objects[0], list_meta=list_meta)
        if single:
            return Reply(200, raws[0])
        head = orjson.dumps(
            {
                "kind": f"{resource.kind}List",
                "apiVersion": resource.api_version,
                "metadata": list_meta or {},
            }
        )
        return Reply(200, head[:-1] + b',"items":[' + b",".join(raws) + b"]}")

    def _encode(
        self, call: Call, result: Obj | list[Obj], *, list_meta: Obj | None = None
    ) -> Reply:
        """Render a result (one object, or a list's items) in the negotiated representation."""
        resource = call.route.resource
        representation = call.representation
        items = result if isinstance(result, list) else [result]
        if representation.table:
            options = TableOptions(include_object=representation.include_object)
            table = to_table(resource.kind, items, self.now(), options, list_meta=list_meta)
            return Reply(200, orjson.dumps(table))
        if representation.metadata_only:
            partial = [
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": item.get("metadata") or {},
                }
                for item in items
            ]
            if isinstance(result, list):
                return Reply(
                    200,
                    orjson.dumps(
                        {
                            "kind": "PartialObjectMetadataList",
                            "apiVersion": "meta.k8s.io/v1",
                            "metadata": list_meta or {},
                            "items": partial,
                        }
                    ),
                )
            return Reply(200, orjson.dumps(partial[0]))
        if isinstance(result, list):
            kind = f"{resource.kind}List"
            body = {"kind": kind, "apiVersion": resource.api_version, "metadata": list_meta or {}}
            items = [to_served(resource, item) for item in result]
            return Reply(200, orjson.dumps({**body, "items": items}))
        return Reply(200, orjson.dumps(to_served(resource, result)))

    def _watch(self, call: Call) -> Stream:
        route, query = call.route, call.query
        timeout = query.integer("timeoutSeconds") or _MAX_WATCH_SECONDS
        bookmarks = query.flag("allowWatchBookmarks")
        try:
            watch = self.store.watch(
                route.resource.kind,
                route.namespace,
                resource_version=query.get("resourceVersion"),
                label_selector=query.get("labelSelector"),
                field_selector=query.get("fieldSelector"),
            )
        except StoreError as exc:
            if exc.code != 410:
                raise
            error = orjson.dumps({"type": "ERROR", "object": exc.status()}) + b"\n"
            return Stream(iter([error]))
        return Stream(self._watch_events(call, watch, min(timeout, _MAX_WATCH_SECONDS), bookmarks))

    def _watch_events(
        self, call: Call, watch: Watch, timeout: float, bookmarks: bool
    ) -> Iterator[bytes]:
        deadline = time.monotonic() + timeout
        last_sent = time.monotonic()
        resource = call.route.resource
        try:
            while call.alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                event = watch.poll(min(remaining, 1.0))
                if event is None:
                    if watch.closed:
                        return
                    if bookmarks and time.monotonic() - last_sent > _BOOKMARK_EVERY_SECONDS:
                        last_sent = time.monotonic()
                        yield self._bookmark(resource)
                    continue
                last_sent = time.monotonic()
                representation = call.representation
                if representation.table or representation.metadata_only or resource.converted:
                    rendered = self._encode(call, event.object).body
                else:
                    rendered = event.raw
                yield b'{"type":"' + event.type.encode() + b'","object":' + rendered + b"}\n"
        finally:
            watch.close()

    def _bookmark(self, resource: ResourceType) -> bytes:
        bookmark = {
            "type": "BOOKMARK",
            "object": {
                "kind": resource.kind,
                "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": self.store.resource_version()},
            },
        }
        return orjson.dumps(bookmark) + b"\n"

    # ------------------------------------------------------------------ writes

    def _object_from_body(self, call: Call) -> Obj:
        obj = parse_body(call.body, call.content_type)
        resource = call.route.resource
        if not isinstance(obj, dict):
            raise BadRequestError("the object provided is unrecognized (must be a JSON object)")
        kind = obj.setdefault("kind", resource.kind)
        if kind != resource.kind:
            raise BadRequestError(
                f"the API version in the data ({obj.get('apiVersion')}) does not match the "
                f"expected API version ({resource.api_version})"
                if obj.get("apiVersion") != resource.api_version
                else f"the kind in the data ({kind}) does not match the URL ({resource.kind})"
            )
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise BadRequestError("metadata must be an object")
        namespace = call.route.namespace
        if resource.namespaced and namespace:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise BadRequestError(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            meta["namespace"] = namespace
        return obj

    def _create(self, call: Call) -> Reply:
        obj = self._object_from_body(call)
        resource = call.route.resource
        if resource.has_status and resource.kind not in _STATUS_SET_ON_CREATE:
            obj.pop("status", None)
        created = self.store.create(to_stored(resource, obj), dry_run=call.query.dry_run)
        return Reply(201, orjson.dumps(to_served(resource, created)))

    def _replace(self, call: Call) -> Reply:
        obj = self._object_from_body(call)
        name = obj["metadata"].get("name")
        if name != call.route.name:
            raise BadRequestError(
                f"the name of the object ({name}) does not match the name on the URL "
                f"({call.route.name})"
            )
        resource = call.route.resource
        replaced = self.store.replace(
            to_stored(resource, obj), subresource=call.route.subresource, dry_run=call.query.dry_run
        )
        return Reply(200, orjson.dumps(to_served(resource, replaced)))

    def _patch(self, call: Call) -> Reply:
        route = call.route
        media = call.content_type.split(";")[0].strip()
        patch_type = PATCH_TYPES.get(media)
        if patch_type is None:
            raise UnsupportedMediaError(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(PATCH_TYPES)}"
            )
        patch = parse_body(call.body, media)
        if patch_type == "apply":
            return self._server_side_apply(call, patch)
        if route.resource.converted:
            return self._patch_converted(call, patch, patch_type)
        patched = self.store.patch(
            route.resource.kind,
            route.namespace or "",
            str(route.name),
            patch,
            patch_type,
            subresource=route.subresource,
            dry_run=call.query.dry_run,
        )
        return Reply(200, orjson.dumps(patched))

    def _patch_converted(self, call: Call, patch: Any, patch_type: str) -> Reply:
        """Patch the served form of an object stored in another version."""
        route = call.route
        resource = route.resource
        current = self.store.get(resource.kind, route.namespace or "", str(route.name))
        served = to_served(resource, current)
        try:
            patched = apply_patch(served, patch, patch_type)
        except PatchError as exc:
            raise BadRequestError(str(exc)) from exc
        version = (patched.get("metadata") or {}).get("resourceVersion")
        if version and version != current["metadata"]["resourceVersion"]:
            raise ConflictError(resource, str(route.name))
        patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
            "resourceVersion"
        ]
        result = self.store.replace(
            to_stored(resource, patched),
            subresource=route.subresource,
            dry_run=call.query.dry_run,
        )
        return Reply(200, orjson.dumps(to_served(resource, result)))

    def _server_side_apply(self, call: Call, applied: Any) -> Reply:
        """Server-side apply, simplified: create if absent, else merge the applied fields in.

        Field ownership is not tracked: fields dropped from the applied configuration stay.
        """
        if not call.query.get("fieldManager"):
            raise BadRequestError("PATCH requests with apply-patch+yaml must specify fieldManager")
        if not isinstance(applied, dict):
            raise BadRequestError("the applied configuration must be an object")
        route = call.route
        current = self.store.try_get(route.resource.kind, route.namespace or "", str(route.name))
        if current is None:
            call_with_body = Call(
                "POST",
                route,
                call.query,
                call.representation,
                JSON,
                orjson.dumps(applied),
                call.alive,
            )
            return self._create(call_with_body)
        resource = route.resource
        merged = strategic_merge_patch(to_served(resource, current), applied)
        merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        result = self.store.replace(
            to_stored(resource, merged), subresource=route.subresource, dry_run=call.query.dry_run
        )
        return Reply(200, orjson.dumps(to_served(resource, result)))

    def _delete_options(self, call: Call) -> Obj:
        options: Obj = {}
        if call.body.strip():
            parsed = parse_body(call.body)
            if isinstance(parsed, dict):
                options = parsed
        for name in ("propagationPolicy", "gracePeriodSeconds"):
            if call.query.get(name) is not None:
                options[name] = call.query.get(name)
        if call.query.get("dryRun") is not None:
            options["dryRun"] = [call.query.get("dryRun")]
        if options.get("orphanDependents") is True and "propagationPolicy" not in options:
            options["propagationPolicy"] = "Orphan"
        return options

    def _delete(self, call: Call) -> Reply:
        route = call.route
        options = self._delete_options(call)
        deleted = self.delete_one(route.resource, route.namespace or "", str(route.name), options)
        return Reply(200, orjson.dumps(deleted))

    def delete_one(self, resource: ResourceType, namespace: str, name: str, options: Obj) -> Obj:
        """Delete with ``DeleteOptions``; the object if it lingers, else a Success Status."""
        current = self.store.get(resource.kind, namespace, name)
        self._check_preconditions(resource, current, options.get("preconditions") or {})
        dry_run = "All" in (options.get("dryRun") or [])
        grace = options.get("gracePeriodSeconds")
        result = self.store.delete(
            resource.kind,
            namespace,
            name,
            propagation=str(options.get("propagationPolicy") or "Background"),
            grace_period=int(grace) if grace is not None else None,
            dry_run=dry_run,
        )
        if dry_run or resource.kind == "Pod":
            return to_served(resource, result)
        if self.store.try_get(resource.kind, namespace, name) is not None:
            return to_served(resource, result)
        details: Obj = {"name": name, "kind": resource.plural, "uid": current["metadata"]["uid"]}
        if resource.group:
            details["group"] = resource.group
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    @staticmethod
    def _check_preconditions(resource: ResourceType, current: Obj, preconditions: Obj) -> None:
        meta = current["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = preconditions.get(field)
            if wanted and wanted != meta.get(field):
                raise ConflictError(
                    resource,
                    str(meta.get("name")),
                    f"Precondition failed: {label} in precondition: {wanted}, {label} in object "
                    f"meta: {meta.get(field)}",
                )

    def _delete_collection(self, call: Call) -> Reply:
        route, query = call.route, call.query
        items, version = self.store.list(
            route.resource.kind,
            route.namespace,
            label_selector=query.get("labelSelector"),
            field_selector=query.get("fieldSelector"),
        )
        options = self._delete_options(call)
        deleted = []
        for item in items:
            meta = item["metadata"]
            deleted.append(
                self.delete_one(route.resource, meta.get("namespace", ""), meta["name"], options)
            )
        body = {
            "kind": f"{route.resource.kind}List",
            "apiVersion": route.resource.api_version,
            "metadata": {"resourceVersion": version},
            "items": [d for d in deleted if d.get("kind") != "Status"],
        }
        return Reply(200, orjson.dumps(body))
