"""Timestamps as the API serves them: never ahead of the client's clock.

With ``--time-scale`` above 1 the cluster clock runs ahead of the wall clock, and a timestamp in
a client's future is what kubectl prints as ``<invalid>``. Objects keep cluster time inside the
sandbox; every response moves each timestamp field back by how far the cluster clock is ahead
at that moment (``SimClock.lead``), so a timestamp reads as "now minus its age in cluster time":
kubectl computes the same ages the server's tables print, and none lies in the future. Request
bodies get the opposite shift, so a timestamp a client sends back means what it meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import orjson

from kubemedic.sandbox.negotiation import Reply, Stream

TIME_FIELDS = (
    "creationTimestamp",
    "deletionTimestamp",
    "time",
    "firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "lastObservedTime",
    "lastTransitionTime",
    "lastProbeTime",
    "lastHeartbeatTime",
    "lastUpdateTime",
    "lastPhaseTransitionTime",
    "startTime",
    "completionTime",
    "startedAt",
    "finishedAt",
    "lastScheduleTime",
    "lastSuccessfulTime",
    "lastScaleTime",
    "acquireTime",
    "renewTime",
    "timeAdded",
    "timestamp",
    "expirationTimestamp",
)
EPOCH = "1970-01-01T00:00:00Z"  # "never started": a marker, not a moment
_KEYS = frozenset(field.encode() for field in TIME_FIELDS)
# A timestamp value; its key is read back from the text before it, which is much faster than
# a pattern naming every key (the text of a 2,000-pod list is scanned in about 10 ms).
_VALUE = re.compile(rb':\s*"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"')
_JSON_TYPES = ("application/json", "+json", "application/apply-patch+yaml")


def shift_time(value: str, seconds: int) -> str:
    """An RFC 3339 time ``seconds`` later (earlier if negative), at its own precision."""
    if seconds == 0 or value == EPOCH:
        return value
    moment = datetime.fromisoformat(value) + timedelta(seconds=seconds)
    fraction = value[:-1].partition(".")[2]
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{moment.microsecond:06d}"[: len(fraction)].ljust(len(fraction), "0")
    return text + "Z"


def shift_times(body: bytes, seconds: int) -> bytes:
    """``body`` (JSON) with the value of every timestamp field moved by ``seconds``."""
    if seconds == 0:
        return body
    parts = _VALUE.split(body)  # text, value, text, value, ..., text
    moved: dict[bytes, bytes] = {}
    for index in range(1, len(parts), 2):
        before, value = parts[index - 1], parts[index]
        end = before.rfind(b'"')
        if before[before.rfind(b'"', 0, end) + 1 : end] in _KEYS:
            if value not in moved:
                moved[value] = shift_time(value.decode(), seconds).encode()
            value = moved[value]
        parts[index] = b':"' + value + b'"'
    return b"".join(parts)


class ServedTime:
    """Shifts the timestamps of what the API answers, and of what clients send it."""

    def __init__(self, lead: Callable[[], int]) -> None:
        self._lead = lead

    def request(self, body: bytes, content_type: str) -> bytes:
        """A request body in cluster time."""
        if not body or not any(kind in content_type for kind in _JSON_TYPES):
            return body
        return shift_times(body, self._lead())

    def response(self, result: Reply | Stream) -> Reply | Stream:
        """A response in the client's time."""
        if not result.content_type.startswith("application/json"):
            return result
        if isinstance(result, Stream):
            return Stream(self._chunks(result.chunks), result.content_type)
        return Reply(result.code, self._body(result.body), result.content_type)

    def _chunks(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            yield self._body(chunk)

    def _body(self, body: bytes) -> bytes:
        lead = self._lead()
        if lead and b'"kind":"Table"' in body[:64]:
            body = _shift_date_cells(body, lead)
        return shift_times(body, -lead)


def _shift_date_cells(body: bytes, lead: int) -> bytes:
    """A Table's ``date`` columns (Created At) hold bare timestamps: move those too."""
    document = orjson.loads(body)
    table = document.get("object") if "type" in document else document
    columns = table.get("columnDefinitions") or []
    dates = [i for i, column in enumerate(columns) if column.get("format") == "date"]
    if not dates:
        return body
    for row in table.get("rows") or []:
        cells = row.get("cells") or []
        for index in dates:
            if index < len(cells) and isinstance(cells[index], str) and cells[index]:
                cells[index] = shift_time(cells[index], -lead)
    return orjson.dumps(document)
