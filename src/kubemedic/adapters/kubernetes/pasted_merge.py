"""The objects of all pasted files, each once, whichever files show it.

A pod may be described in one file and listed in a table in another, and an event pasted in
two reports: the first reading of an object or event wins (descriptions are read before
tables), a pod described only in part takes what its row shows, and a table that prints no
namespace takes the one the object shows elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

Raw = dict[str, Any]


class Merged:
    """Objects of all files, each once: the first reading of an object or event wins."""

    def __init__(self) -> None:
        self._objects: dict[Path, list[Raw]] = {}
        self._seen: set[tuple[str, ...]] = set()
        self._namespaces: dict[tuple[str, str], str] = {}
        self._pods: dict[tuple[str, str], Raw] = {}

    def add(self, path: Path, objects: Iterable[Raw]) -> None:
        kept = self._objects.setdefault(path.parent, [])
        for obj in objects:
            key = _identity(obj)
            if key in self._seen:
                continue
            self._seen.add(key)
            kept.append(obj)
            if obj["kind"] == "Pod":
                self._pods[key[1], key[2]] = obj
            meta = obj["metadata"]
            if obj["kind"] != "Event":
                self._namespaces.setdefault((obj["kind"], meta["name"]), meta.get("namespace", ""))

    def has(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self._seen

    def fill_from_table(self, listed: Raw) -> None:
        """A pod described in part (the paste cut above its status or its containers) takes
        what its row in a pods table shows and the description does not: its phase and
        reason, and the word for a container the description does not show."""
        from kubemedic.models.table_status import KEY

        meta = listed["metadata"]
        pod = self._pods.get((meta["namespace"], meta["name"]))
        if pod is None:
            return
        status = pod.setdefault("status", {})
        shown = listed["status"]
        for key in ("phase", "reason"):
            if key in shown:
                status.setdefault(key, shown[key])
        containers = status.get("containerStatuses") or status.get("initContainerStatuses")
        if KEY in shown and not containers:
            status.setdefault(KEY, shown[KEY])

    def namespace_of(self, kind: str, name: str, unknown: str = "default") -> str:
        """The namespace of an object read elsewhere, for a table that does not print it.

        Else the only namespace the pasted text shows, else ``unknown``: ``default`` for
        objects (kubectl's own default, which the paste shows them in), "" for events about
        objects it does not show (kubectl printed the namespace of a context it does not name).
        """
        found = self._namespaces.get((kind, name))
        if found is not None:
            return found
        shown = set(self._namespaces.values()) - {""}
        return shown.pop() if len(shown) == 1 else unknown

    def by_directory(self) -> tuple[tuple[Path, tuple[Raw, ...]], ...]:
        return tuple((path, tuple(objs)) for path, objs in self._objects.items() if objs)


def _identity(obj: Raw) -> tuple[str, ...]:
    """What makes two readings one object (an event: its object, reason and message). Printed
    objects may lack any field (a Node's event has no namespace), so none is required."""
    meta = obj.get("metadata") or {}
    if obj.get("kind") != "Event":
        return (str(obj.get("kind", "")), str(meta.get("namespace", "")), str(meta.get("name", "")))
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    return (
        "Event",
        str(involved.get("kind", "")),
        str(involved.get("namespace", "")),
        str(involved.get("name", "")),
        str(obj.get("reason", "")),
        " ".join(str(obj.get("message") or obj.get("note") or "").split()),
    )
