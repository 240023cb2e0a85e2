"""The sandbox's etcd and API machinery: versioned objects, watches, deletion and GC semantics.

Everything that writes (the HTTP server for kubectl and clients, the controllers and kubelets of
the simulation) goes through one ``Store``: it assigns uid / resourceVersion / generation,
applies the API server's defaulting and validation, enforces optimistic concurrency, keeps
finalizers and graceful pod deletion, garbage-collects dependents through ownerReferences, and
fans committed changes out to watches (with a bounded history for resuming) and subscribers.

Objects are plain JSON dicts. The store keeps each committed object frozen with its serialized
form, so reads hand out fresh copies cheaply and the server can stream bytes without re-encoding.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox import admission
from kubemedic.sandbox.apierrors import (
    AlreadyExistsError,
    BadRequestError,
    Cause,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidError,
    NotFoundError,
    StoreError,
)
from kubemedic.sandbox.defaults import ClusterIPAllocator, apply_defaults
from kubemedic.sandbox.patching import PatchError, apply_patch
from kubemedic.sandbox.resources import KINDS, ResourceType
from kubemedic.sandbox.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    parse_field_selector,
    parse_label_selector,
)
from kubemedic.sandbox.validation import validate
from kubemedic.sandbox.watch import Change, Changes, Entry, Watch, WatchEvent

__all__ = [
    "AlreadyExistsError",
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "GoneError",
    "InvalidError",
    "NotFoundError",
    "Store",
    "StoreError",
    "Watch",
    "WatchEvent",
]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped kinds
# Aliases keep annotations readable inside Store, whose ``list`` method shadows the builtin.
Objs = list[Obj]
Raws = list[bytes]
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_IMMUTABLE_METADATA = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "namespace",
    "name",
)


class Store:
    """A thread-safe, versioned object store with the API server's write semantics."""

    def __init__(self, now: Callable[[], datetime], *, history_size: int = 20_000) -> None:
        self._now = now
        self._lock = threading.RLock()
        self._objects: dict[str, dict[Key, Entry]] = defaultdict(dict)
        self._uids: dict[str, tuple[str, str, str]] = {}
        self._dependents: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        self._rv = 0
        self._history: deque[Change] = deque(maxlen=history_size)
        self._history_floor = 0
        self._watches: set[Watch] = set()
        self._subscribers: list[Callable[[str, Obj], None]] = []
        self._cluster_ips = ClusterIPAllocator()

    # ------------------------------------------------------------------ reads

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        resource = self._resource(kind)
        with self._lock:
            return self._entry(resource, namespace, name).copy()

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            return self.get(kind, namespace, name)
        except NotFoundError:
            return None

    def get_raw(self, kind: str, namespace: str, name: str) -> bytes:
        """The object's JSON as stored (for the server)."""
        resource = self._resource(kind)
        with self._lock:
            return self._entry(resource, namespace, name).raw

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[Objs, str]:
        raws, version, _ = self.list_raw(
            kind, namespace, label_selector=label_selector, field_selector=field_selector
        )
        return [orjson.loads(raw) for raw in raws], version

    def list_raw(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> tuple[Raws, str, str | None]:
        """One page of matching objects' JSON in key order, the list resourceVersion, and
        the key to continue after (None on the last page)."""
        resource = self._resource(kind)
        labels, fields = self._selectors(resource, label_selector, field_selector)
        scope = namespace if resource.namespaced and namespace else None
        with self._lock:
            bucket = self._objects.get(kind, {})
            keys = sorted(k for k in bucket if scope is None or k[0] == scope)
            page: Raws = []
            last_key = ""
            for key in keys:
                if after is not None and _key_text(key) <= after:
                    continue
                obj = bucket[key].obj
                if not (labels.matches(obj["metadata"].get("labels")) and fields.matches(obj)):
                    continue
                if limit and len(page) == limit:
                    return page, str(self._rv), last_key
                page.append(bucket[key].raw)
                last_key = _key_text(key)
            return page, str(self._rv), None

    def resource_version(self) -> str:
        with self._lock:
            return str(self._rv)

    def counts(self) -> dict[str, int]:
        """How many objects of each kind are stored."""
        with self._lock:
            return {kind: len(bucket) for kind, bucket in self._objects.items() if bucket}

    # ------------------------------------------------------------------ writes

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        resource = self._resource(str(obj.get("kind") or ""))
        obj = _without_nulls(orjson.loads(orjson.dumps(obj)))
        meta = obj.setdefault("metadata", {})
        obj["apiVersion"] = resource.api_version
        requested_name = str(meta.get("name") or meta.get("generateName") or "")
        with self._lock:
            namespace = self._namespace_for_create(resource, meta)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = self._generate_name(resource, namespace, str(meta["generateName"]))
            name = str(meta.get("name") or "")
            if (namespace, name) in self._objects[resource.kind]:
                raise AlreadyExistsError(resource, name)
            for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(field, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = format_time(self._now())
            if "spec" in obj:
                meta["generation"] = 1
            self._reserve_cluster_ip(obj)
            apply_defaults(obj, allocate_ip=None if dry_run else self._cluster_ips.allocate)
            admission.mutate(self, obj, requested_name)
            validate(resource, obj, None)
            admission.validate(self, obj)
            if dry_run:
                return obj
            return self._commit(resource, obj, "ADDED", None).copy()

    def replace(self, obj: Obj, *, subresource: str | None = None, dry_run: bool = False) -> Obj:
        resource = self._resource(str(obj.get("kind") or ""))
        meta = obj.get("metadata") or {}
        with self._lock:
            current = self._entry(resource, str(meta.get("namespace") or ""), str(meta.get("name")))
            wanted = meta.get("resourceVersion")
            if wanted and str(wanted) != current.obj["metadata"]["resourceVersion"]:
                raise ConflictError(resource, str(meta.get("name")))
            return self._update(
                resource, current, orjson.loads(orjson.dumps(obj)), subresource, dry_run
            )

    def patch(
        self,
        kind: str,
        namespace: str,
        name: str,
        patch: object,
        patch_type: str,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        resource = self._resource(kind)
        with self._lock:
            current = self._entry(resource, namespace, name)
            try:
                patched = apply_patch(current.copy(), patch, patch_type)
            except PatchError as exc:
                if exc.bad_request:
                    raise BadRequestError(str(exc)) from exc
                raise InvalidError(
                    resource, name, [Cause("patch", "FieldValueInvalid", str(exc), patch_type)]
                ) from exc
            stored_version = current.obj["metadata"]["resourceVersion"]
            wanted = (patched.get("metadata") or {}).get("resourceVersion")
            if wanted and str(wanted) != stored_version:
                raise ConflictError(resource, name)
            return self._update(resource, current, patched, subresource, dry_run)

    def mutate(self, kind: str, namespace: str, name: str, fn: Callable[[Obj], None]) -> Obj | None:
        resource = self._resource(kind)
        with self._lock:
            current = self._objects[kind].get(self._key(resource, namespace, name))
            if current is None:
                return None
            obj = current.copy()
            fn(obj)
            if obj == current.obj:
                return obj
            self._bump_generation(current.obj, obj)
            if self._finished_deleting(obj):
                return self._drop(resource, current, obj).copy()
            return self._commit(resource, obj, "MODIFIED", current).copy()

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        *,
        propagation: str = "Background",
        grace_period: int | None = None,
        dry_run: bool = False,
    ) -> Obj:
        resource = self._resource(kind)
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise BadRequestError(f"invalid propagationPolicy {propagation!r}")
        with self._lock:
            current = self._entry(resource, namespace, name)
            if dry_run:
                return current.copy()
            return self._delete(resource, current, propagation, grace_period).copy()

    def reset(self) -> None:
        with self._lock:
            for watch in list(self._watches):
                watch.close()
            self._objects.clear()
            self._uids.clear()
            self._dependents.clear()
            self._history.clear()
            self._rv += 1  # every earlier version is gone, even the latest: watches from it get 410
            self._history_floor = self._rv
            self._cluster_ips.reset()

    # ------------------------------------------------------------------ change feeds

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Watch:
        resource = self._resource(kind)
        labels, fields = self._selectors(resource, label_selector, field_selector)
        with self._lock:
            watch = Watch(resource, namespace, labels, fields, on_close=self._forget)
            if resource_version in (None, "", "0"):
                bucket = self._objects.get(kind, {})
                for key in sorted(bucket):
                    if watch.matches(bucket[key].obj):
                        watch.push("ADDED", bucket[key])
            else:
                for change in self._changes_since(_parse_version(str(resource_version))):
                    watch.offer(change)
            self._watches.add(watch)
            return watch

    def subscribe(self, callback: Callable[[str, Obj], None]) -> None:
        """Call ``callback(event_type, object)`` after each committed change, in commit order.

        Callbacks run under the store lock: they must only enqueue work, never block.
        """
        with self._lock:
            self._subscribers.append(callback)

    def _forget(self, watch: Watch) -> None:
        with self._lock:
            self._watches.discard(watch)

    def _changes_since(self, version: int) -> Changes:
        if version < self._history_floor:
            raise GoneError(f"too old resource version: {version} ({self._history_floor + 1})")
        newer: Changes = []
        for change in reversed(self._history):
            if change.rv <= version:
                break
            newer.append(change)
        newer.reverse()
        return newer

    # ------------------------------------------------------------------ internals

    def _resource(self, kind: str) -> ResourceType:
        resource = KINDS.get(kind)
        if resource is None or not resource.stored:
            raise BadRequestError(f"the sandbox does not store objects of kind {kind!r}")
        return resource

    @staticmethod
    def _key(resource: ResourceType, namespace: str | None, name: str) -> Key:
        return (namespace or "" if resource.namespaced else "", name)

    def _entry(self, resource: ResourceType, namespace: str | None, name: str) -> Entry:
        entry = self._objects[resource.kind].get(self._key(resource, namespace, name))
        if entry is None:
            raise NotFoundError(resource, name)
        return entry

    @staticmethod
    def _selectors(
        resource: ResourceType, label_selector: str | None, field_selector: str | None
    ) -> tuple[LabelSelector, FieldSelector]:
        try:
            return (
                parse_label_selector(label_selector),
                parse_field_selector(field_selector, resource.kind),
            )
        except SelectorError as exc:
            raise BadRequestError(str(exc)) from exc

    def _namespace_for_create(self, resource: ResourceType, meta: Obj) -> str:
        if not resource.namespaced:
            meta.pop("namespace", None)
            return ""
        namespace = str(meta.get("namespace") or "")
        if not namespace:
            name = str(meta.get("name") or meta.get("generateName") or "")
            raise InvalidError(resource, name, [Cause("metadata.namespace", "FieldValueRequired")])
        holder = self._objects["Namespace"].get(("", namespace))
        if holder is None:
            raise NotFoundError(KINDS["Namespace"], namespace)
        if holder.obj["metadata"].get("deletionTimestamp"):
            raise ForbiddenError(
                resource,
                str(meta.get("name") or ""),
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
            )
        return namespace

    def _generate_name(self, resource: ResourceType, namespace: str, prefix: str) -> str:
        while True:
            suffix = "".join(secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5))
            if (namespace, prefix + suffix) not in self._objects[resource.kind]:
                return prefix + suffix

    def _reserve_cluster_ip(self, obj: Obj) -> None:
        if obj.get("kind") == "Service":
            address = (obj.get("spec") or {}).get("clusterIP")
            if address and address != "None":
                self._cluster_ips.reserve(str(address))

    def _update(
        self,
        resource: ResourceType,
        current: Entry,
        obj: Obj,
        subresource: str | None,
        dry_run: bool,
    ) -> Obj:
        old = current.obj
        obj = _without_nulls(obj)
        if subresource == "status":
            updated = current.copy()
            updated["status"] = obj.get("status")
            obj = updated
        elif subresource is not None:
            raise BadRequestError(f"the store cannot update the {subresource!r} subresource")
        else:
            if resource.has_status and "status" in old:
                obj["status"] = orjson.loads(orjson.dumps(old["status"]))
            meta = obj.setdefault("metadata", {})
            for field in _IMMUTABLE_METADATA:
                if field in old["metadata"]:
                    meta[field] = old["metadata"][field]
                else:
                    meta.pop(field, None)
            obj["kind"] = resource.kind
            obj["apiVersion"] = resource.api_version
            apply_defaults(obj, previous=old)
            validate(resource, obj, old)
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        self._bump_generation(old, obj)
        if obj == old or dry_run:
            return obj
        if self._finished_deleting(obj):
            return self._drop(resource, current, obj).copy()
        return self._commit(resource, obj, "MODIFIED", current).copy()

    @staticmethod
    def _bump_generation(old: Obj, new: Obj) -> None:
        generation = old["metadata"].get("generation")
        if generation is not None and old.get("spec") != new.get("spec"):
            new["metadata"]["generation"] = int(generation) + 1

    @staticmethod
    def _finished_deleting(obj: Obj) -> bool:
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp") or meta.get("finalizers"):
            return False
        if obj.get("kind") == "Namespace" and (obj.get("spec") or {}).get("finalizers"):
            return False
        return not meta.get("deletionGracePeriodSeconds")

    def _delete(
        self, resource: ResourceType, current: Entry, propagation: str, grace: int | None
    ) -> Entry:
        obj = current.copy()
        meta = obj["metadata"]
        uid = str(meta["uid"])
        grace = self._grace_period(obj, grace)
        if meta.get("deletionTimestamp"):
            return self._shorten_grace(resource, current, obj, grace)
        if propagation == "Orphan":
            self._orphan_dependents(uid)
        blocking = propagation == "Foreground" and bool(self._dependents.get(uid))
        if blocking:
            meta["finalizers"] = [*meta.get("finalizers", []), "foregroundDeletion"]
        if obj.get("kind") == "Namespace":
            obj.setdefault("status", {})["phase"] = "Terminating"
        elif grace == 0 and not meta.get("finalizers"):
            return self._drop(resource, current, obj)
        meta["deletionTimestamp"] = format_time(self._now() + timedelta(seconds=grace))
        meta["deletionGracePeriodSeconds"] = grace
        if self._finished_deleting(obj):
            return self._drop(resource, current, obj)
        entry = self._commit(resource, obj, "MODIFIED", current)
        if blocking:
            for kind, namespace, name in sorted(self._dependents.get(uid, ())):
                self._delete_if_present(kind, namespace, name, "Foreground")
        return entry

    def _shorten_grace(self, resource: ResourceType, current: Entry, obj: Obj, grace: int) -> Entry:
        meta = obj["metadata"]
        if grace >= int(meta.get("deletionGracePeriodSeconds") or 0):
            return current
        meta["deletionGracePeriodSeconds"] = grace
        meta["deletionTimestamp"] = format_time(self._now() + timedelta(seconds=grace))
        if self._finished_deleting(obj):
            return self._drop(resource, current, obj)
        return self._commit(resource, obj, "MODIFIED", current)

    @staticmethod
    def _grace_period(obj: Obj, requested: int | None) -> int:
        if obj.get("kind") != "Pod":
            return 0
        spec = obj.get("spec") or {}
        if not spec.get("nodeName") or (obj.get("status") or {}).get("phase") in (
            "Succeeded",
            "Failed",
        ):
            return 0
        if requested is None:
            requested = int(spec.get("terminationGracePeriodSeconds", 30))
        return max(int(requested), 0)

    def _delete_if_present(self, kind: str, namespace: str, name: str, propagation: str) -> None:
        resource = KINDS[kind]
        entry = self._objects[kind].get((namespace, name))
        if entry is not None:
            self._delete(resource, entry, propagation, None)

    def _orphan_dependents(self, owner_uid: str) -> None:
        for kind, namespace, name in sorted(self._dependents.pop(owner_uid, set())):
            self._strip_owner(kind, namespace, name, owner_uid)

    def _strip_owner(self, kind: str, namespace: str, name: str, owner_uid: str) -> None:
        entry = self._objects[kind].get((namespace, name))
        if entry is None:
            return
        obj = entry.copy()
        refs = obj["metadata"].get("ownerReferences") or []
        kept = [ref for ref in refs if ref.get("uid") != owner_uid]
        if kept:
            obj["metadata"]["ownerReferences"] = kept
        else:
            obj["metadata"].pop("ownerReferences", None)
        self._commit(KINDS[kind], obj, "MODIFIED", entry)

    def _commit(
        self, resource: ResourceType, obj: Obj, event_type: str, previous: Entry | None
    ) -> Entry:
        meta = obj["metadata"]
        key = self._key(resource, meta.get("namespace"), str(meta["name"]))
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        entry = Entry(obj)
        self._objects[resource.kind][key] = entry
        identity = (resource.kind, key[0], key[1])
        self._uids[str(meta["uid"])] = identity
        self._index_owners(previous.obj if previous else None, obj, identity)
        self._publish(Change(self._rv, event_type, resource.kind, entry, previous))
        return entry

    def _drop(self, resource: ResourceType, current: Entry, obj: Obj) -> Entry:
        meta = obj["metadata"]
        key = self._key(resource, meta.get("namespace"), str(meta["name"]))
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        entry = Entry(obj)
        del self._objects[resource.kind][key]
        uid = str(meta["uid"])
        self._uids.pop(uid, None)
        identity = (resource.kind, key[0], key[1])
        self._index_owners(current.obj, None, identity)
        self._publish(Change(self._rv, "DELETED", resource.kind, entry, current))
        self._collect_dependents(uid)
        self._release_waiting_owners(obj)
        return entry

    def _index_owners(
        self, old: Obj | None, new: Obj | None, identity: tuple[str, str, str]
    ) -> None:
        for obj, add in ((old, False), (new, True)):
            for ref in ((obj or {}).get("metadata") or {}).get("ownerReferences") or []:
                owner_uid = str(ref.get("uid") or "")
                if add:
                    self._dependents[owner_uid].add(identity)
                elif owner_uid in self._dependents:
                    self._dependents[owner_uid].discard(identity)
                    if not self._dependents[owner_uid]:
                        del self._dependents[owner_uid]

    def _collect_dependents(self, owner_uid: str) -> None:
        """Background garbage collection once an owner is gone from the store."""
        for kind, namespace, name in sorted(self._dependents.pop(owner_uid, set())):
            entry = self._objects[kind].get((namespace, name))
            if entry is None:
                continue
            refs = entry.obj["metadata"].get("ownerReferences") or []
            if any(str(r.get("uid")) in self._uids for r in refs if r.get("uid") != owner_uid):
                self._strip_owner(kind, namespace, name, owner_uid)
            else:
                self._delete(KINDS[kind], entry, "Background", None)

    def _release_waiting_owners(self, dependent: Obj) -> None:
        """Finish a foreground deletion once its owner has no dependents left."""
        for ref in dependent["metadata"].get("ownerReferences") or []:
            identity = self._uids.get(str(ref.get("uid")))
            if identity is None or self._dependents.get(str(ref.get("uid"))):
                continue
            kind, namespace, name = identity
            entry = self._objects[kind].get((namespace, name))
            if entry is None or "foregroundDeletion" not in (
                entry.obj["metadata"].get("finalizers") or []
            ):
                continue
            owner = entry.copy()
            owner["metadata"]["finalizers"] = [
                f for f in owner["metadata"]["finalizers"] if f != "foregroundDeletion"
            ]
            if self._finished_deleting(owner):
                self._drop(KINDS[kind], entry, owner)
            else:
                self._commit(KINDS[kind], owner, "MODIFIED", entry)

    def _publish(self, change: Change) -> None:
        if len(self._history) == self._history.maxlen:
            self._history_floor = self._history[0].rv
        self._history.append(change)
        for watch in list(self._watches):
            watch.offer(change)
        for callback in list(self._subscribers):
            try:
                callback(change.type, change.new.copy())
            except Exception:  # a broken subscriber must not fail the write that notified it
                log.exception("store subscriber failed on %s %s", change.type, change.kind)


def _without_nulls(value: Any) -> Any:
    """Drop ``null`` fields, as decoding into the API's typed structs does."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _key_text(key: Key) -> str:
    return f"{key[0]}/{key[1]}"


def _parse_version(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadRequestError(f'invalid resource version "{text}"') from None
