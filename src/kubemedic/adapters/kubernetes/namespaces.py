"""Give a namespace to pasted objects that lost theirs, from what the rest of the input says.

Analyzers pair objects by namespace (a pod with its events, ConfigMaps and owner) and print
``-n NAMESPACE`` in every command, so an object read without one is placed before the view is
built, using the strongest tie the input offers: an Event is stored in the namespace of the
object it is about; events, owners and owned objects share their object's namespace; failing
those, the one namespace the input uses, else ``default``, where kubectl puts an object given
without one. Each placement keeps its reason, for the warning that reports it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.adapters.kubernetes.api import is_cluster_scoped

DEFAULT = "default"

Raw = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Placement:
    """The namespace given to an object that had none, and why that one."""

    obj: Raw
    namespace: str
    reason: str


def place_all(unplaced: Iterable[Raw], objects: Iterable[Raw]) -> list[Placement]:
    """Place every object of ``unplaced`` (namespaced kinds without a namespace, all among
    ``objects``), writing the namespace into it; the placements, in the same order."""
    pending = list(unplaced)
    if not pending:
        return []  # a complete input: nothing to index
    ties = _Ties(o for o in objects if _namespace(o))
    placed: dict[int, Placement] = {}
    progress = True
    while progress:  # strong ties first, until one placement no longer enables another
        progress = False
        for obj in pending:
            found = None if id(obj) in placed else ties.evidence_for(obj)
            if found is not None:
                placed[id(obj)] = ties.place(obj, *found)
                progress = True
    for obj in pending:  # then what nothing ties: non-events first, since events follow them
        if id(obj) not in placed and obj.get("kind") != "Event":
            placed[id(obj)] = ties.place(obj, *ties.fallback())
    for obj in pending:
        if id(obj) not in placed:
            placed[id(obj)] = ties.place(obj, *(ties.evidence_for(obj) or ties.fallback()))
    return [placed[id(obj)] for obj in pending]


def lacks_involved_namespace(event: Mapping[str, Any]) -> bool:
    """An Event about a namespaced object that does not say the object's namespace."""
    involved = _involved(event)
    return involved is not None and not involved.get("namespace") and _namespaced(involved)


def name_involved(event: Raw) -> str:
    """Give the object an Event is about the Event's own namespace, where the API server stores
    events about it (call once the Event is placed); that namespace."""
    namespace = _namespace(event)
    involved = _involved(event)
    if involved is not None:
        involved["namespace"] = namespace
    return namespace


class _Ties:
    """What the placed objects say about where the others belong."""

    def __init__(self, placed: Iterable[Raw]) -> None:
        self.by_uid: dict[str, str] = {}
        self.by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.events_by_uid: dict[str, str] = {}
        self.events_by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.children_by_owner: dict[str, str] = {}
        self.namespaces: set[str] = set()
        for obj in placed:
            self.add(obj)

    def add(self, obj: Raw) -> None:
        namespace = _namespace(obj)
        meta = obj["metadata"]
        kind = str(obj.get("kind"))
        self.namespaces.add(namespace)
        if meta.get("uid"):
            self.by_uid[meta["uid"]] = namespace
        self.by_name[(kind, str(meta.get("name") or ""))].add(namespace)
        for owner in _list(meta.get("ownerReferences")):
            if isinstance(owner, dict) and owner.get("uid"):
                self.children_by_owner[owner["uid"]] = namespace
        involved = _involved(obj) if kind == "Event" else None
        if involved is not None and _namespaced(involved):
            about = str(involved.get("namespace") or namespace)
            if involved.get("uid"):
                self.events_by_uid[involved["uid"]] = about
            self.events_by_name[(str(involved.get("kind")), str(involved.get("name")))].add(about)

    def place(self, obj: Raw, namespace: str, reason: str) -> Placement:
        obj["metadata"]["namespace"] = namespace
        self.add(obj)
        return Placement(obj, namespace, reason)

    def evidence_for(self, obj: Raw) -> tuple[str, str] | None:
        """The namespace something in the input ties ``obj`` to, and what."""
        meta = obj["metadata"]
        if obj.get("kind") == "Event":
            return self._about(obj)
        uid = str(meta.get("uid") or "")
        name = (str(obj.get("kind")), str(meta.get("name") or ""))
        events = (
            {self.events_by_uid[uid]}
            if uid in self.events_by_uid
            else self.events_by_name.get(name)
        )
        if events and len(events) == 1:
            return next(iter(events)), "the namespace of the events about it"
        for owner in _list(meta.get("ownerReferences")):
            if isinstance(owner, dict) and owner.get("uid") in self.by_uid:
                owner_ref = f"{owner.get('kind')} {owner.get('name')}"
                return self.by_uid[owner["uid"]], f"the namespace of its owner {owner_ref}"
        if uid in self.children_by_owner:
            return self.children_by_owner[uid], "the namespace of the objects it owns"
        return None

    def _about(self, event: Raw) -> tuple[str, str] | None:
        involved = _involved(event)
        if involved is None:
            return None
        about = f"{involved.get('kind')} {involved.get('name')}"
        if not _namespaced(involved):
            return DEFAULT, f"where events about a cluster-scoped {about} are stored"
        if involved.get("namespace"):
            return str(involved["namespace"]), f"the namespace of {about}, which it is about"
        uid = involved.get("uid")
        found = {self.by_uid[uid]} if uid in self.by_uid else None
        found = found or self.by_name.get((str(involved.get("kind")), str(involved.get("name"))))
        if found and len(found) == 1:
            return next(iter(found)), f"the namespace of {about}, which it is about"
        return None

    def fallback(self) -> tuple[str, str]:
        if len(self.namespaces) == 1:
            return next(iter(self.namespaces)), "the only namespace in the input"
        return DEFAULT, (
            "the namespace kubectl uses when none is given (nothing in the input ties it to "
            "another)"
        )


def _namespace(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return namespace if isinstance(namespace, str) else ""


def _involved(event: Mapping[str, Any]) -> dict[str, Any] | None:
    involved = event.get("involvedObject") or event.get("regarding")
    return involved if isinstance(involved, dict) else None


def _namespaced(involved: Mapping[str, Any]) -> bool:
    kind = involved.get("kind")
    return isinstance(kind, str) and bool(kind) and not is_cluster_scoped(kind)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
