"""What every ``kubectl describe`` prints the same way: metadata, condition tables, events."""

from __future__ import annotations

import re
from typing import Any

from kubemedic.adapters.kubernetes.columns import Columns, is_rule
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.event_rows import EventRow, event_rows, to_event
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_date, stamp

Raw = dict[str, Any]

_OWNER_API = {
    "ReplicaSet": "apps/v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}
_OLD_CONTROLLER = re.compile(r"(?P<name>\S+) \(\d+/\d+ replicas created\)")
_CONDITION_TIMES = (
    ("LASTHEARTBEATTIME", "lastHeartbeatTime"),
    ("LASTTRANSITIONTIME", "lastTransitionTime"),
)


def metadata(doc: Field, *, namespaced: bool = True) -> Raw:
    """Name, namespace, labels, annotations, creation time and controller of an object."""
    meta: Raw = {"name": doc.text("Name")}
    if namespaced:
        meta["namespace"] = doc.text("Namespace") or "default"
    labels = key_values(doc.child("Labels"), "=")
    if labels:
        meta["labels"] = labels
    annotations = key_values(doc.child("Annotations"), ": ", "=")
    if annotations:
        meta["annotations"] = annotations
    created = stamp(parse_date(doc.text("CreationTimestamp")))
    if created is not None:
        meta["creationTimestamp"] = created
    owner = controller(doc)
    if owner is not None:
        meta["ownerReferences"] = [owner]
    return meta


def controller(doc: Field) -> Raw | None:
    """The owner named by ``Controlled By`` (or the older ``Created By`` / ``Controllers``)."""
    text = doc.text("Controlled By", "Created By", "Controllers")
    kind, _, name = text.partition("/")
    if not name:
        match = _OLD_CONTROLLER.fullmatch(doc.text("Replication Controllers"))
        if match is None:
            return None
        kind, name = "ReplicationController", match["name"]
    return {
        "apiVersion": _OWNER_API.get(kind, "v1"),
        "kind": kind,
        "name": name,
        "controller": True,
    }


def key_values(section: Field | None, *separators: str) -> dict[str, str]:
    """``k=v`` (labels, selectors) or ``k: v`` (annotations) items of a field's value."""
    found: dict[str, str] = {}
    for item in section.values() if section is not None else ():
        for separator in separators:
            key, sep, value = item.partition(separator)
            if sep and key.strip():
                found[key.strip()] = value.strip()
                break
    return found


def table(section: Field | None) -> list[dict[str, str]]:
    """The rows of a table printed under a field (``Conditions:``), by column name."""
    if section is None:
        return []
    lines = [r for r in section.rows if r.strip() and not is_rule(r.strip())]
    if not lines:
        return []
    columns = Columns.of(lines[0])
    return [cells for row in lines[1:] if (cells := columns.cells(row)) is not None]


def conditions(section: Field | None) -> list[Raw]:
    """A ``Conditions:`` table as status conditions (times only where printed)."""
    found: list[Raw] = []
    for row in table(section):
        if not row.get("TYPE") or row.get("STATUS") not in ("True", "False", "Unknown"):
            continue
        condition: Raw = {"type": row["TYPE"], "status": row["STATUS"]}
        for column, key in _CONDITION_TIMES:
            moment = stamp(parse_date(row.get(column, "")))
            if moment is not None:
                condition[key] = moment
        for column in ("REASON", "MESSAGE"):
            if row.get(column):
                condition[column.lower()] = row[column]
        found.append(condition)
    return found


def events_of(doc: Field) -> list[EventRow]:
    section = doc.child("Events")
    return list(event_rows(section.rows, section.line + 1)) if section is not None else []


def described(doc: Field, clock: Clock, api_version: str, kind: str, parts: Raw) -> list[Raw]:
    """The object (``parts``: its metadata, spec and status) and the events of its text."""
    meta = parts["metadata"]
    involved = (kind, meta.get("namespace", ""), meta["name"])
    found = [to_event(row, involved, clock, index) for index, row in enumerate(events_of(doc))]
    return [{"apiVersion": api_version, "kind": kind, **parts}, *found]


def flag(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())
