"""The weekly health report: every section as plain values, its score and its trend.

``kubemedic.reports`` builds these from a cluster view, the diagnosis, the audit summary, the
service figures Prometheus gives and the right-sizing run; formatters render them (Markdown,
HTML, JSON); a recorded report keeps ``key_figures()`` in its record header so the next report
can say what changed (docs/reports.md). ``to_data`` is the documented JSON shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.models.findings import ObjectRef
from kubemedic.models.severity import Severity

SCHEMA = "kubemedic.health-report/v1"
REPORT_TYPE = "health"


def _ref(ref: ObjectRef) -> dict[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


@dataclass(frozen=True, slots=True)
class NamespacePods:
    """How many pods of a namespace are in each phase (Running split by readiness)."""

    namespace: str
    phases: tuple[tuple[str, int], ...]
    """(phase, count), phases in ``PHASES`` order, only those with pods."""
    not_ready: int = 0
    """Running pods with a container not ready."""

    @property
    def total(self) -> int:
        return sum(count for _, count in self.phases)

    def count(self, phase: str) -> int:
        return dict(self.phases).get(phase, 0)

    def to_data(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "phases": dict(self.phases),
            "not_ready": self.not_ready,
        }


PHASES = ("Running", "Pending", "Succeeded", "Failed", "Unknown")


@dataclass(frozen=True, slots=True)
class RestartHotSpot:
    """A container that restarted, with why it last stopped."""

    pod: ObjectRef
    workload: ObjectRef
    container: str
    restarts: int
    last_reason: str
    waiting: str
    """Why it waits now (``CrashLoopBackOff``), or empty."""

    def to_data(self) -> dict[str, Any]:
        return {
            "pod": _ref(self.pod),
            "workload": _ref(self.workload),
            "container": self.container,
            "restarts": self.restarts,
            "last_reason": self.last_reason,
            "waiting": self.waiting,
        }


@dataclass(frozen=True, slots=True)
class Capacity:
    """One resource of a node (or of all nodes): allocatable, requested by pods, used now."""

    allocatable: float
    requested: float
    used: float | None
    """From metrics.k8s.io; None when the metrics API did not answer."""

    @property
    def headroom(self) -> float:
        """Allocatable left after requests (negative when overcommitted)."""
        return self.allocatable - self.requested

    @property
    def requested_share(self) -> float | None:
        return self.requested / self.allocatable if self.allocatable else None

    @property
    def used_share(self) -> float | None:
        if self.used is None or not self.allocatable:
            return None
        return self.used / self.allocatable

    def to_data(self) -> dict[str, Any]:
        return {
            "allocatable": self.allocatable,
            "requested": self.requested,
            "used": self.used,
            "headroom": self.headroom,
        }


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """A node's conditions and its CPU (cores) and memory (bytes) figures."""

    name: str
    ready: bool
    problems: tuple[str, ...]
    """``MemoryPressure``, ``DiskPressure``, ``PIDPressure``, ``NetworkUnavailable``,
    ``SchedulingDisabled`` — whatever is true and should not be."""
    cpu: Capacity
    memory: Capacity
    pods: int

    @property
    def healthy(self) -> bool:
        return self.ready and not self.problems

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ready": self.ready,
            "problems": list(self.problems),
            "cpu": self.cpu.to_data(),
            "memory": self.memory.to_data(),
            "pods": self.pods,
        }


@dataclass(frozen=True, slots=True)
class Availability:
    """A workload's desired replicas and how many are available."""

    workload: ObjectRef
    desired: int
    available: int

    @property
    def available_fully(self) -> bool:
        return self.available >= self.desired

    def to_data(self) -> dict[str, Any]:
        return {
            "workload": _ref(self.workload),
            "desired": self.desired,
            "available": self.available,
        }


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """Latency percentiles (seconds) and the 5xx share of one service, from Prometheus."""

    namespace: str
    service: str
    requests_per_second: float
    error_ratio: float | None
    p50: float | None
    p95: float | None
    p99: float | None

    def to_data(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "service": self.service,
            "requests_per_second": self.requests_per_second,
            "error_ratio": self.error_ratio,
            "p50_seconds": self.p50,
            "p95_seconds": self.p95,
            "p99_seconds": self.p99,
        }


@dataclass(frozen=True, slots=True)
class FindingLine:
    """A diagnosis (or security) finding as a report lists it."""

    id: str
    severity: Severity
    object: ObjectRef
    summary: str
    source: str
    """``diagnosis`` or ``security``."""

    @property
    def key(self) -> str:
        """The same for the same problem of the same object, report after report."""
        return f"{self.id} {self.object}"

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "object": _ref(self.object),
            "summary": self.summary,
            "source": self.source,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A workload whose requests should change, and what that saves a month (dollars)."""

    workload: ObjectRef
    change: str
    monthly_savings: float

    def to_data(self) -> dict[str, Any]:
        return {
            "workload": _ref(self.workload),
            "change": self.change,
            "monthly_savings": round(self.monthly_savings, 2),
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Something to do, and the kubemedic command that proposes it as a governed change."""

    text: str
    command: str
    severity: Severity

    def to_data(self) -> dict[str, Any]:
        return {"text": self.text, "command": self.command, "severity": self.severity.value}


@dataclass(frozen=True, slots=True)
class Score:
    """The overall score (0–100), its grade and the section scores it is the mean of."""

    value: int
    grade: str
    parts: tuple[tuple[str, int], ...]

    @property
    def status(self) -> str:
        """``healthy`` (A/B), ``degraded`` (C/D) or ``critical`` (E/F)."""
        return {"A": "healthy", "B": "healthy", "C": "degraded", "D": "degraded"}.get(
            self.grade, "critical"
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "grade": self.grade,
            "status": self.status,
            "parts": dict(self.parts),
        }


@dataclass(frozen=True, slots=True)
class PastReport:
    """What a recorded report kept: when, its score and key figures, its findings' keys."""

    record_id: str
    at: datetime
    score: int
    figures: Mapping[str, float]
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trend:
    """The change since the last recorded report, and the scores of the last weeks."""

    previous: PastReport | None
    score_change: int | None
    figure_changes: tuple[tuple[str, float, float], ...]
    """(figure, before, now) for each key figure that changed."""
    appeared: tuple[str, ...]
    disappeared: tuple[str, ...]
    history: tuple[tuple[datetime, int], ...]
    """(when, score) of the recorded reports of the last 8 weeks and this one, oldest first."""

    @property
    def direction(self) -> str:
        """``better``, ``worse``, ``unchanged`` or ``first report``."""
        if self.score_change is None:
            return "first report"
        if self.score_change > 0:
            return "better"
        return "worse" if self.score_change < 0 else "unchanged"

    def to_data(self) -> dict[str, Any]:
        previous = self.previous
        return {
            "previous": None
            if previous is None
            else {
                "record": previous.record_id,
                "at": format_time(previous.at),
                "score": previous.score,
            },
            "direction": self.direction,
            "score_change": self.score_change,
            "figure_changes": [
                {"figure": name, "before": before, "now": now}
                for name, before, now in self.figure_changes
            ],
            "appeared": list(self.appeared),
            "disappeared": list(self.disappeared),
            "history": [{"at": format_time(at), "score": score} for at, score in self.history],
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """A whole health report."""

    generated_at: datetime
    source: str
    namespaces: tuple[str, ...]
    score: Score
    trend: Trend
    pods: tuple[NamespacePods, ...]
    restarts: tuple[RestartHotSpot, ...]
    nodes: tuple[NodeHealth, ...]
    workloads: tuple[Availability, ...]
    services: tuple[ServiceFigures, ...] | None
    """None when no Prometheus was configured (or it did not answer: see ``notes``)."""
    findings: tuple[FindingLine, ...]
    opportunities: tuple[Opportunity, ...] | None
    """None when there is no usage history (see ``notes``)."""
    security: Mapping[str, Any]
    """``AuditSummary.to_data()`` of the security audit run with the report."""
    recommendations: tuple[Recommendation, ...]
    kubemedic_version: str
    notes: tuple[str, ...] = field(default=())

    @property
    def cpu(self) -> Capacity:
        return _total(n.cpu for n in self.nodes)

    @property
    def memory(self) -> Capacity:
        return _total(n.memory for n in self.nodes)

    @property
    def pod_count(self) -> int:
        return sum(n.total for n in self.pods)

    def key_figures(self) -> dict[str, float]:
        """The figures a recorded report keeps for the next one to compare with."""
        figures: dict[str, float] = {
            "pods": self.pod_count,
            "pods_running": sum(n.count("Running") for n in self.pods),
            "pods_pending": sum(n.count("Pending") for n in self.pods),
            "pods_failed": sum(n.count("Failed") for n in self.pods),
            "restarts": sum(r.restarts for r in self.restarts),
            "nodes": len(self.nodes),
            "nodes_unhealthy": sum(1 for n in self.nodes if not n.healthy),
            "workloads_unavailable": sum(1 for w in self.workloads if not w.available_fully),
            "findings_critical": _count(self.findings, Severity.CRITICAL),
            "findings_high": _count(self.findings, Severity.HIGH),
            "security_score": int(self.security.get("score", 100)),
        }
        if self.opportunities is not None:
            figures["monthly_savings"] = round(
                sum(o.monthly_savings for o in self.opportunities), 2
            )
        return figures

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kubemedic_version": self.kubemedic_version,
            "generated_at": format_time(self.generated_at),
            "source": self.source,
            "namespaces": list(self.namespaces),
            "score": self.score.to_data(),
            "trend": self.trend.to_data(),
            "key_figures": self.key_figures(),
            "pods": [n.to_data() for n in self.pods],
            "restarts": [r.to_data() for r in self.restarts],
            "nodes": [n.to_data() for n in self.nodes],
            "capacity": {"cpu": self.cpu.to_data(), "memory": self.memory.to_data()},
            "workloads": [w.to_data() for w in self.workloads],
            "services": None if self.services is None else [s.to_data() for s in self.services],
            "findings": [f.to_data() for f in self.findings],
            "right_sizing": None
            if self.opportunities is None
            else [o.to_data() for o in self.opportunities],
            "security": dict(self.security),
            "recommendations": [r.to_data() for r in self.recommendations],
            "notes": list(self.notes),
        }


def _count(findings: tuple[FindingLine, ...], severity: Severity) -> int:
    return sum(1 for f in findings if f.severity is severity)


def _total(parts: Any) -> Capacity:
    parts = tuple(parts)
    used = [p.used for p in parts]
    return Capacity(
        sum(p.allocatable for p in parts),
        sum(p.requested for p in parts),
        None
        if not parts or any(u is None for u in used)
        else sum(u for u in used if u is not None),
    )
