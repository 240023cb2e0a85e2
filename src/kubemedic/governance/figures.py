"""``kubemedic stats``: MTTD, MTTR, approval latency, SLA compliance, outcomes — from records.

Everything is computed from the records repository alone, so the figures can be recomputed by
anyone who has the trail: MTTD is onset → detection of each incident; MTTR is onset → the first
validated fix linked to it (or the incident's closing when no operation fixed it); approval
latency is proposal → decision per tier, against the tier's SLA.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kubemedic._internal.timeutils import parse_time
from kubemedic.governance.lifecycle import Event
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import OperationState
from kubemedic.models.records import Record, RecordKind


@dataclass(frozen=True, slots=True)
class Summary:
    """Seconds: how many, mean, median, 95th percentile."""

    count: int = 0
    mean: float | None = None
    p50: float | None = None
    p95: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            return cls()
        ordered = sorted(values)
        return cls(len(ordered), sum(ordered) / len(ordered), _pct(ordered, 50), _pct(ordered, 95))


@dataclass(frozen=True, slots=True)
class TierFigures:
    latency: Summary
    within_sla: int
    decided: int


@dataclass(frozen=True, slots=True)
class Figures:
    since: datetime
    incidents: int
    mttd: Summary
    mttr: Summary
    approval: dict[str, TierFigures]
    executed: int
    failed: int
    validated: int
    validation_failed: int
    rollbacks: Summary
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def success_rate(self) -> float | None:
        tried = self.executed + self.failed
        return self.executed / tried if tried else None


def _pct(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def figures(records: Iterable[Record], since: datetime) -> Figures:
    incidents = []
    operations = []
    for record in records:
        if record.created_at < since:
            continue
        if record.kind is RecordKind.INCIDENT:
            incidents.append(record)
        elif record.kind is RecordKind.OPERATION:
            operations.append(OperationRecord(record))
    fixed = _validated_fix_by_incident(operations)
    mttd, mttr = [], []
    for incident in incidents:
        onset = parse_time(incident.header.get("onset_at")) or incident.created_at
        detected = parse_time(incident.header.get("detected_at")) or incident.created_at
        mttd.append((detected - onset).total_seconds())
        closed = incident.first("closed")
        recovered = fixed.get(incident.id) or (closed.at if closed else None)
        if recovered is not None:
            mttr.append((recovered - onset).total_seconds())
    return Figures(
        since=since,
        incidents=len(incidents),
        mttd=Summary.of(mttd),
        mttr=Summary.of(mttr),
        approval=_approvals(operations),
        executed=sum(1 for op in operations if op.executed_at is not None),
        failed=sum(1 for op in operations if op.record.first(Event.FAIL.value)),
        validated=sum(1 for op in operations if op.record.first(Event.VALIDATION_OK.value)),
        validation_failed=sum(
            1 for op in operations if op.record.first(Event.VALIDATION_BAD.value)
        ),
        rollbacks=Summary.of(
            [
                float(s.data.get("seconds") or 0.0)
                for op in operations
                for s in op.record.events(Event.ROLLBACK_DONE.value)
            ]
        ),
        by_category=dict(Counter(str(i.header.get("category")) for i in incidents)),
    )


def _validated_fix_by_incident(operations: Sequence[OperationRecord]) -> dict[str, datetime]:
    fixed: dict[str, datetime] = {}
    for op in operations:
        passed = op.record.first(Event.VALIDATION_OK.value)
        if op.incident and passed is not None and op.state is not OperationState.ROLLED_BACK:
            earlier = fixed.get(op.incident)
            fixed[op.incident] = min(earlier, passed.at) if earlier else passed.at
    return fixed


def _approvals(operations: Sequence[OperationRecord]) -> dict[str, TierFigures]:
    latencies: dict[str, list[float]] = {}
    within: Counter[str] = Counter()
    for op in operations:
        if op.rule.approvers == 0:
            continue
        decision = op.record.first(Event.APPROVE.value, Event.REJECT.value, Event.EXPIRE.value)
        if decision is None:
            continue  # still waiting (or cancelled before any decision was due)
        seconds = (decision.at - op.created_at).total_seconds()
        tier = op.tier.value
        latencies.setdefault(tier, []).append(seconds)
        sla = float(op.header["approval"].get("sla_minutes") or 0) * 60
        within[tier] += seconds <= sla
    return {
        tier: TierFigures(Summary.of(values), within[tier], len(values))
        for tier, values in sorted(latencies.items())
    }
