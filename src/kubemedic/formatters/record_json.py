"""A record as JSON-ready data: one shape for every reader of the records — the server's API
and dashboard, the MCP tools, and ``kubemedic records show --json`` / ``records list -o json``.

Times are RFC 3339 in UTC with ``Z`` and second precision, as the records themselves write
them (``format_time``); so is any time the front-matter or a section's data holds as a parsed
YAML timestamp (one without an offset taken as UTC). A section's actor is one ``Name <email>``
string and its ``prev_sha256`` is left out: this is a view of a record, not its schema
(docs/records.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time
from kubemedic.models.records import Record, Section

DOCUMENT_FIELDS = ("id", "kind", "state", "title", "header", "sections")
"""The keys of ``record_document``, in order."""


def record_row(record: Record) -> dict[str, Any]:
    """A listing's row: id, kind, state, title and when the record was created."""
    return _named(record) | {"created_at": format_time(record.created_at)}


def record_document(record: Record) -> dict[str, Any]:
    """A record's id, kind, state and title, its front-matter and every section."""
    return _named(record) | {
        "header": json_ready(dict(record.header)),
        "sections": [section_data(section) for section in record.sections],
    }


def _named(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": record.kind.value,
        "state": record.state,
        "title": record.title,
    }


def section_data(section: Section) -> dict[str, Any]:
    """One section: seq, event, at, actor, state, data and its free text."""
    return {
        "seq": section.seq,
        "event": section.event,
        "at": format_time(section.at),
        "actor": str(section.actor),
        "state": section.state,
        "data": json_ready(dict(section.data)),
        "text": section.text,
    }


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON data: times as the records write them, anything else JSON has
    no type for as its text."""
    return orjson.loads(orjson.dumps(value, default=_plain, option=orjson.OPT_PASSTHROUGH_DATETIME))


def _plain(value: object) -> str:
    if isinstance(value, datetime):  # a YAML timestamp without an offset is UTC
        return format_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
