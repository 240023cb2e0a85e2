"""Events as kubectl prints them in tables, made into core/v1 Event objects.

The same facts appear in a describe ``Events:`` section and in ``kubectl get events``, under
column names that changed over the years: ``Type Reason Age From Message`` (an age such as
``3m (x5 over 10m)``), ``FirstSeen LastSeen Count From SubObjectPath Type Reason Message``
(ages, or full dates before 2016, with no ``Type`` at first), ``LAST SEEN TYPE REASON OBJECT
MESSAGE`` and the older ``LASTSEEN FIRSTSEEN COUNT NAME KIND SUBOBJECT ...``. A row is read
by column name, so every layout gives the same :class:`EventRow`; rows pasted without their
header are read by the order kubectl prints their cells in (``get events`` rows, or a
description's). Its times stay ages until the snapshot's time is known (:func:`to_event`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kubemedic.adapters.kubernetes.columns import Columns, is_rule
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_date, parse_interval, stamp
from kubemedic.adapters.kubernetes.transcript import HEADLESS_DESCRIBED_ROW, HEADLESS_ROW

Moment = datetime | float | None
"""A moment printed as a date, as an age (seconds before the snapshot), or not at all."""

_TYPES = frozenset({"Normal", "Warning"})
_OPTIONAL = ("SUBOBJECTPATH", "SUBOBJECT")
_SOURCE = re.compile(r"\{(?P<braced>[^}]*)\}|(?P<plain>.*)")
_RESOURCE_KINDS = {
    "pod": "Pod",
    "node": "Node",
    "deployment": "Deployment",
    "replicaset": "ReplicaSet",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "job": "Job",
    "cronjob": "CronJob",
    "persistentvolumeclaim": "PersistentVolumeClaim",
    "persistentvolume": "PersistentVolume",
    "service": "Service",
    "endpoints": "Endpoints",
    "horizontalpodautoscaler": "HorizontalPodAutoscaler",
    "replicationcontroller": "ReplicationController",
    "namespace": "Namespace",
    "configmap": "ConfigMap",
    "secret": "Secret",
    "ingress": "Ingress",
    "poddisruptionbudget": "PodDisruptionBudget",
}


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of an events table, in any kubectl layout."""

    type: str
    reason: str
    message: str
    count: int
    component: str
    host: str
    field_path: str
    last: Moment
    first: Moment
    object_kind: str
    object_name: str
    namespace: str
    line: int

    @property
    def ages(self) -> tuple[float, ...]:
        return tuple(m for m in (self.last, self.first) if isinstance(m, float))


_FIELD_PATH = re.compile(
    r"(?P<path>spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]+\}): "
)
"""The part of the pod an event is about, which recent kubectl prints before its message."""


def event_rows(rows: Sequence[str], first_line: int = 0) -> Iterator[EventRow]:
    """The events of a table (header first); a row that is no event continues a message."""
    lines = [r for r in rows if r.strip() and not is_rule(r.strip())]
    if not lines:
        return
    for headless in (HEADLESS_ROW, HEADLESS_DESCRIBED_ROW):
        if headless.fullmatch(lines[0]):
            yield from _headless(headless, lines, first_line)
            return
    columns = Columns.of(lines[0])
    read = []
    for offset, row in enumerate(lines[1:], start=1):
        cells = columns.cells(row, _OPTIONAL)
        read.append((_row(cells, first_line + offset) if cells is not None else None, row))
    yield from _continuing(read)


def _headless(layout: re.Pattern[str], lines: Sequence[str], first_line: int) -> Iterator[EventRow]:
    """Rows without a header: each carries its cells in the order kubectl prints them."""
    read = []
    for offset, row in enumerate(lines):
        shown = layout.fullmatch(row)
        read.append((_row(shown.groupdict(), first_line + offset) if shown else None, row))
    yield from _continuing(read)


def _continuing(read: Iterable[tuple[EventRow | None, str]]) -> Iterator[EventRow]:
    """The events read, a line that is none going on with the message before it (a multi-line
    message goes on at the left margin)."""
    pending: EventRow | None = None
    for event, row in read:
        if event is None:
            if pending is not None:
                pending = _continued(pending, row.strip())
            continue
        if pending is not None:
            yield pending
        pending = event
    if pending is not None:
        yield pending


def to_event(row: EventRow, involved: tuple[str, str, str], clock: Clock, index: int) -> Any:
    """The core/v1 Event the row shows, about ``involved`` (kind, namespace, name)."""
    kind, namespace, name = involved
    event: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.pasted-{index}", "namespace": namespace or "default"},
        "involvedObject": {"kind": kind, "namespace": namespace, "name": name},
        "reason": row.reason,
        "message": row.message,
        "count": row.count,
    }
    if row.type:
        event["type"] = row.type
    if row.field_path:
        event["involvedObject"]["fieldPath"] = row.field_path
    if row.component:
        event["source"] = {"component": row.component, **({"host": row.host} if row.host else {})}
    for key, moment in (("firstTimestamp", row.first), ("lastTimestamp", row.last)):
        value = clock.ago(moment) if isinstance(moment, float) else stamp(moment)
        if value is not None:
            event[key] = value
    return event


def kind_of_resource(resource: str) -> str:
    """``pod`` → ``Pod``: the kind an ``OBJECT`` cell (``pod/x``) or a KIND column names."""
    singular = resource.lower().split(".")[0]
    if singular in _RESOURCE_KINDS:
        return _RESOURCE_KINDS[singular]
    known = {kind.lower(): kind for kind in _RESOURCE_KINDS.values()}
    return known.get(singular, resource[:1].upper() + resource[1:])


def _row(cells: dict[str, str], line: int) -> EventRow | None:
    type_ = cells.get("TYPE", "")
    if "TYPE" in cells and type_ not in _TYPES:
        return None
    reason = cells.get("REASON", "")
    if not reason or " " in reason:
        return None
    last, first, count = _times(cells)
    if "TYPE" not in cells and last is None and first is None:
        return None  # the oldest layout has no type: a row must at least carry a time
    component, host = _source(cells.get("FROM") or cells.get("SOURCE", ""))
    kind, name = _object(cells)
    message = cells.get("MESSAGE", "")
    field_path = cells.get("SUBOBJECTPATH") or cells.get("SUBOBJECT", "")
    if (shown := _FIELD_PATH.match(message)) is not None:  # recent kubectl prints it first
        field_path, message = field_path or shown["path"], message[shown.end() :]
    return EventRow(
        type=type_,
        reason=reason,
        message=message,
        count=count,
        component=component,
        host=host,
        field_path=field_path,
        last=last,
        first=first,
        object_kind=kind,
        object_name=name,
        namespace=cells.get("NAMESPACE", ""),
        line=line,
    )


def _times(cells: dict[str, str]) -> tuple[Moment, Moment, int]:
    """When the event was last and first seen, and how many times."""
    count_text = cells.get("COUNT", "")
    count = int(count_text) if count_text.isdigit() else 1
    last_text = next((cells[k] for k in ("LASTSEEN", "AGE", "LAST") if k in cells), "")
    last_interval = parse_interval(last_text)
    if last_interval is not None and (last_interval.last is not None or "<" in last_text):
        last: Moment = last_interval.last
        first: Moment = last_interval.first
        count = max(count, last_interval.count)
    else:
        last = first = parse_date(last_text)
    if "FIRSTSEEN" in cells:
        first = _moment(cells["FIRSTSEEN"])
    return last, first, count


def _moment(text: str) -> Moment:
    interval = parse_interval(text)
    if interval is not None and interval.last is not None:
        return interval.last
    return parse_date(text)


def _source(text: str) -> tuple[str, str]:
    """``kubelet, node-1``, ``{kubelet node-1}`` or ``kubelet``: component and host."""
    match = _SOURCE.fullmatch(text.strip())
    inner = (match["braced"] if match and match["braced"] is not None else text).strip()
    if "," in inner:
        component, _, host = inner.partition(",")
    else:
        component, _, host = inner.partition(" ")
    return component.strip(), host.strip()


def _object(cells: dict[str, str]) -> tuple[str, str]:
    if cells.get("OBJECT"):
        resource, _, name = cells["OBJECT"].partition("/")
        return kind_of_resource(resource), name
    if cells.get("KIND") and cells.get("NAME"):
        return cells["KIND"], cells["NAME"]
    return "", ""


def _continued(row: EventRow, more: str) -> EventRow:
    return replace(row, message=f"{row.message}\n{more}" if row.message else more)
