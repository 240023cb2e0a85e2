"""Stats over time for the dashboard's charts: MTTD, MTTR and approval latency per period.

``kubemedic stats`` answers for a whole window; a chart needs the same figures period by period
(hours over a day or two, days over two weeks, weeks beyond). Each period is computed by the
same rules (``governance.figures``) on the records it holds, so a point of a chart and the
figure of the stats table never disagree on what they measure: an incident counts in the period
it was detected in (its recovery may come later), an operation in the period it was proposed in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from kubemedic._internal.timeutils import parse_duration
from kubemedic.errors import InputError
from kubemedic.formatters.charts import Chart, line_chart
from kubemedic.governance.figures import Summary, figures
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.records import Record, RecordKind
from kubemedic.models.severity import RiskTier
from kubemedic.services.workspace import Workspace


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    @property
    def length(self) -> timedelta:
        return {Granularity.HOUR: timedelta(hours=1), Granularity.DAY: timedelta(days=1)}.get(
            self, timedelta(weeks=1)
        )

    def floor(self, moment: datetime) -> datetime:
        """The start of the period ``moment`` falls in (UTC hours, days, weeks from Monday)."""
        moment = moment.astimezone(UTC)
        if self is Granularity.HOUR:
            return moment.replace(minute=0, second=0, microsecond=0)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return day if self is Granularity.DAY else day - timedelta(days=day.weekday())

    @property
    def period(self) -> str:
        return {Granularity.HOUR: "Hour", Granularity.DAY: "Day"}.get(self, "Week starting")

    def label(self, start: datetime) -> str:
        return f"{start:%Y-%m-%d %H:00}" if self is Granularity.HOUR else f"{start:%Y-%m-%d}"

    def tick(self, start: datetime) -> str:
        """The label on the chart's axis: short, the table and the points say the rest."""
        return f"{start:%H:00}" if self is Granularity.HOUR else f"{start:%b} {start.day}"


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    label: str
    tick: str
    mttd: Summary
    mttr: Summary
    approval: Mapping[str, Summary]
    """Latency from proposal to decision, per tier that had a decision."""


@dataclass(frozen=True, slots=True)
class Trends:
    since: datetime
    step: Granularity
    periods: tuple[Period, ...]

    @property
    def tiers(self) -> tuple[str, ...]:
        """Tiers with a decision in some period, from the least to the most risky."""
        seen = {tier for period in self.periods for tier in period.approval}
        return tuple(tier.value for tier in RiskTier if tier.value in seen)


def granularity_for(window: timedelta) -> Granularity:
    """Enough periods to draw a line, few enough to read on a phone (at most ~50)."""
    if window <= timedelta(days=2):
        return Granularity.HOUR
    return Granularity.DAY if window <= timedelta(days=14) else Granularity.WEEK


def trends(records: Iterable[Record], since: datetime, until: datetime) -> Trends:
    """The figures of each period from the one holding ``since`` to the one holding ``until``."""
    step = granularity_for(until - since)
    starts = [step.floor(since)]
    while starts[-1] + step.length <= until:
        starts.append(starts[-1] + step.length)
    detected: list[list[Record]] = [[] for _ in starts]
    proposed: list[list[Record]] = [[] for _ in starts]
    fixes: dict[str, list[Record]] = {}
    for record in records:
        created = record.created_at
        if not since <= created <= until:
            continue
        index = bisect_right(starts, created) - 1
        if record.kind is RecordKind.INCIDENT:
            detected[index].append(record)
        elif record.kind is RecordKind.OPERATION:
            proposed[index].append(record)
            linked = OperationRecord(record).incident
            if linked:
                fixes.setdefault(linked, []).append(record)
    periods = []
    for start, incidents, operations in zip(starts, detected, proposed, strict=True):
        fixing = [op for incident in incidents for op in fixes.get(incident.id, ())]
        recovery = figures([*incidents, *fixing], since=start)
        decisions = figures(operations, since=start).approval
        periods.append(
            Period(
                start=start,
                label=step.label(start),
                tick=step.tick(start),
                mttd=recovery.mttd,
                mttr=recovery.mttr,
                approval={tier: each.latency for tier, each in decisions.items()},
            )
        )
    return Trends(since=since, step=step, periods=tuple(periods))


def server_trends(ws: Workspace, since: str) -> Trends:
    """The trends of the records repository over the window ``since`` (30d, 12h ...)."""
    window = parse_duration(since)
    if window is None:
        raise InputError(f"since={since}: not a duration like 30d, 12h, 90m")
    now = ws.now()
    return trends(ws.store.all(), now - timedelta(seconds=window), now)


def trend_charts(found: Trends) -> tuple[Chart, ...]:
    """MTTD, MTTR and approval latency per tier, each a line of means per period."""
    periods = found.periods
    axis = (
        found.step.period,
        [period.label for period in periods],
        [period.tick for period in periods],
    )
    per = f"per {found.step.value}"
    return (
        line_chart(
            f"Mean time to detect (onset to detection), {per}",
            *axis,
            {"MTTD": [period.mttd.mean for period in periods]},
        ),
        line_chart(
            f"Mean time to recover (onset to validated fix), {per}",
            *axis,
            {"MTTR": [period.mttr.mean for period in periods]},
        ),
        line_chart(
            f"Mean approval latency (proposal to decision) by tier, {per}",
            *axis,
            {
                tier: [_mean(period.approval.get(tier)) for period in periods]
                for tier in found.tiers
            },
        ),
    )


def _mean(summary: Summary | None) -> float | None:
    return summary.mean if summary else None
