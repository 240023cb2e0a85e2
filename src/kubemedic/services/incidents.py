"""Incidents: one record per detected problem, opened once, closed when the problem is gone.

A problem is a finding's category on its object (a crash-looping Deployment is one incident
however often it restarts). The record embeds the finding, the onset read from the cluster
(the earliest failure timestamp among the affected pods' container states and the finding's
events) and the detection time, so MTTD and MTTR come from the records alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kubemedic._internal.timeutils import format_time, human_duration, parse_time
from kubemedic.errors import Refused
from kubemedic.formatters.json import finding_document
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.identity import SYSTEM, Actor
from kubemedic.models.k8s import dig
from kubemedic.models.operations import IncidentState, ref_to_data
from kubemedic.models.records import Record, RecordKind
from kubemedic.services.notifications import notify
from kubemedic.services.records import Step
from kubemedic.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Opened:
    id: str
    key: str
    new: bool


def incident_key(finding: Finding) -> str:
    """What makes two findings the same problem: the category on the same object."""
    return f"{finding.category.value}|{finding.object}"


def open_incidents(ws: Workspace) -> dict[str, str]:
    """Open incidents by key."""
    return {
        str(r.header.get("key")): r.id
        for r in ws.store.all(RecordKind.INCIDENT)
        if r.state == IncidentState.OPEN.value
    }


def onset_of(finding: Finding, view: ClusterView | None) -> datetime | None:
    """When the problem began: the earliest failure moment the cluster recorded for it."""
    moments = [m for m in (finding.first_seen,) if m is not None]
    if view is not None:
        for affected in finding.affected:
            pod = view.get("Pod", affected.namespace, affected.name)
            if pod is None:
                continue
            moments.extend(_failure_moments(pod.raw))
    return min(moments) if moments else None


def _failure_moments(pod: Mapping[str, object]) -> Iterable[datetime]:
    for status in dig(pod, "status", "containerStatuses") or []:
        for state in ("lastState", "state"):
            terminated = dig(status, state, "terminated") or {}
            moment = parse_time(terminated.get("finishedAt"))
            if moment is not None and terminated.get("exitCode") not in (0, None):
                yield moment


def open_incident(
    ws: Workspace,
    finding: Finding,
    *,
    view: ClusterView | None = None,
    known: Mapping[str, str] | None = None,
    actor: Actor = SYSTEM,
) -> Opened:
    """Open an incident for ``finding`` unless one is open for the same problem."""
    key = incident_key(finding)
    existing = (known if known is not None else open_incidents(ws)).get(key)
    if existing:
        return Opened(existing, key, False)
    now = ws.now()
    onset = onset_of(finding, view) or now
    onset = min(onset, now)
    record_id = ws.store.new_id(RecordKind.INCIDENT, now)
    header = {
        "created_at": format_time(now),
        "key": key,
        "category": finding.category.value,
        "severity": finding.severity.value,
        "object": ref_to_data(finding.object),
        "onset_at": format_time(onset),
        "detected_at": format_time(now),
        "finding": finding_document(finding),
    }
    lag = human_duration((now - onset).total_seconds())
    ws.store.create(
        RecordKind.INCIDENT,
        record_id,
        header,
        title=f"Incident {record_id}: {finding.summary}",
        intro=f"{finding.root_cause}\n\nFix: {finding.remediation.summary}\n\n"
        f"Runbook: {finding.runbook}",
        first=Step(
            "opened",
            IncidentState.OPEN.value,
            {"detected_after_seconds": round((now - onset).total_seconds(), 1)},
            f"Detected {lag} after onset ({format_time(onset)}).",
        ),
        actor=actor,
        at=now,
        message=f"{record_id}: opened ({finding.severity.value}) {finding.summary}",
    )
    notify(
        ws,
        record_id,
        "incident.opened",
        title=f"{finding.severity.value.upper()}: {finding.summary}",
        text=f"{finding.root_cause}\nFix: {finding.remediation.summary}",
        severity=finding.severity.value,
        fields=(("object", str(finding.object)), ("category", finding.category.value)),
    )
    return Opened(record_id, key, True)


def resolve_incident(ws: Workspace, record_id: str, *, reason: str) -> bool:
    """Close the incident unless it is closed already (a fix validated, the watch saw it go)."""
    if ws.store.load(record_id).state != IncidentState.OPEN.value:
        return False
    close_incident(ws, record_id, reason=reason)
    return True


def close_incident(ws: Workspace, record_id: str, *, reason: str, actor: Actor = SYSTEM) -> None:
    """Close an open incident: the problem is gone (reason says how we know)."""
    now = ws.now()

    def step(record: Record) -> Step:
        if record.state != IncidentState.OPEN.value:
            raise Refused(f"incident {record_id} is already {record.state}")
        onset = parse_time(record.header.get("onset_at")) or record.created_at
        seconds = (now - onset).total_seconds()
        return Step(
            "closed",
            IncidentState.CLOSED.value,
            {"resolved_at": format_time(now), "reason": reason, "open_seconds": round(seconds, 1)},
            f"Closed {human_duration(seconds)} after onset: {reason}",
        )

    ws.store.append(record_id, step, actor=actor, at=now, message=f"{record_id}: closed")
    record = ws.store.load(record_id)
    notify(
        ws,
        record_id,
        "incident.closed",
        title=f"Resolved: {record.title}",
        text=reason,
        severity=str(record.header.get("severity", "")),
    )
