"""What the server shows: records as plain data, ready for JSON or a template.

The API and the dashboard read the same documents, so the page an approver decides on and the
JSON a script reads never disagree. An operation's view adds what a decision needs at a glance:
the plan as the object's fields before and after, the evidence of its incident, the validation
stages and what is still needed.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time, parse_duration
from kubemedic.errors import InputError
from kubemedic.formatters import record_json
from kubemedic.governance.approvals import still_needed
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import OperationState
from kubemedic.models.records import Record, RecordKind
from kubemedic.services.approvals import pending
from kubemedic.services.trail import trail_figures
from kubemedic.services.workspace import Workspace

Document = dict[str, Any]


def warm(ws: Workspace) -> None:
    """Parse every record and build the listings and the pending approvals once, so the first
    request after start-up finds them ready."""
    for kind in (RecordKind.OPERATION, RecordKind.INCIDENT):
        record_rows_json(ws, kind, None)
    pending(ws)


def record_rows(ws: Workspace, kind: RecordKind | None, state: str | None) -> list[Document]:
    """Records of ``kind`` (all: None) in ``state`` (any: None), newest first.

    The rows are shared with a server's record cache: read them, never change them.
    """
    rows = ws.store.per_commit(("record_rows", kind), lambda: _sorted_rows(ws, kind))
    return [row for row in rows if state is None or row["state"] == state]


def record_rows_json(ws: Workspace, kind: RecordKind | None, state: str | None) -> str:
    """``record_rows`` as the API's JSON, serialised once while HEAD stays on one commit."""
    return ws.store.per_commit(
        ("record_rows_json", kind, state),
        lambda: orjson.dumps(record_rows(ws, kind, state), default=str).decode(),
    )


def _sorted_rows(ws: Workspace, kind: RecordKind | None) -> tuple[Document, ...]:
    """Every row of ``kind``, newest first (a server keeps them while HEAD stays put)."""
    found = [ws.store.derived(r, _sortable_row) for r in ws.store.all(kind)]
    found.sort(key=lambda each: each[:2], reverse=True)
    return tuple(row for _, _, row in found)


def _sortable_row(record: Record) -> tuple[datetime, str, Document]:
    """A listing's row with what it is sorted by (kept by a server's record cache)."""
    return record.created_at, record.id, _row(record)


def _row(record: Record) -> Document:
    row = record_json.record_row(record)
    if record.kind is RecordKind.OPERATION:
        op = OperationRecord(record)
        row |= {"tier": op.tier.value, "requester": op.requester, "summary": op.plan["summary"]}
    return row


def record_document(ws: Workspace, record_id: str) -> Document:
    """A record's header, state and every section (``records show --json``)."""
    return _document(*ws.store.read(record_id))


def _document(record: Record, text: str) -> Document:
    return record_json.record_document(record) | {"markdown": text}


def operation_document(ws: Workspace, record_id: str) -> Document:
    """An operation's record plus the plan as before/after rows, evidence and validations."""
    return operation_view(ws, record_id)[0]


def operation_view(ws: Workspace, record_id: str) -> tuple[Document, OperationRecord]:
    """``operation_document`` and the parsed operation it was made from (one read)."""
    record, text = ws.store.read(record_id)
    if record.kind is not RecordKind.OPERATION:
        raise InputError(f"{record_id} is a {record.kind.value}, not an operation")
    document = _document(record, text)
    op = OperationRecord(record)
    plan = op.plan
    prior, after = plan.get("prior") or {}, plan.get("after") or {}
    document["diff"] = [
        {"field": key, "before": prior.get(key), "after": after.get(key)}
        for key in sorted(set(prior) | set(after))
    ]
    document["change"] = plan.get("change")
    document["tier"] = op.tier.value
    document["requester"] = op.requester
    document["summary"] = plan.get("summary")
    document["needs"] = (
        still_needed(op.rule, op.approvals) if op.state is OperationState.PENDING_APPROVAL else None
    )
    document["due_at"] = format_time(op.due_at) if op.due_at else None
    document["validations"] = [
        s for s in document["sections"] if s["event"].startswith("validation-")
    ]
    document["evidence"] = _evidence(ws, op.incident)
    return document, op


def _evidence(ws: Workspace, incident: str | None) -> list[Document]:
    """The evidence of the finding that opened the operation's incident."""
    if not incident:
        return []
    header = ws.store.load(incident).header
    finding = header.get("finding") or {}
    evidence = finding.get("evidence") if isinstance(finding, dict) else None
    return [e for e in evidence or () if isinstance(e, dict)]


def figures_document(ws: Workspace, since: str) -> Document:
    """``stats``: MTTD, MTTR, approval latency per tier and outcomes over ``since``."""
    window = parse_duration(since)
    if window is None:
        raise InputError(f"since={since}: not a duration like 30d, 12h, 90m")
    figures = trail_figures(ws, ws.now() - timedelta(seconds=window))
    return asdict(figures) | {"since": format_time(figures.since)}  # as ``stats --json``
