"""Assemble a health report from what the service gathered: the one entry point of the package."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.health import HealthReport, Opportunity, PastReport, ServiceFigures
from kubemedic.reports.advice import finding_lines, recommendations
from kubemedic.reports.cluster import (
    availability,
    node_health,
    pods_by_namespace,
    restart_hot_spots,
)
from kubemedic.reports.score import score
from kubemedic.reports.trends import trend


def health_report(
    view: ClusterView,
    findings: Iterable[Finding],
    security: Mapping[str, Any],
    *,
    now: datetime,
    version: str,
    namespace: str | None,
    services: Sequence[ServiceFigures] | None = None,
    opportunities: Sequence[Opportunity] | None = None,
    past: Iterable[PastReport] = (),
    notes: Sequence[str] = (),
) -> HealthReport:
    """The report of ``view`` (limited to ``namespace`` when given), compared with ``past``."""
    lines = finding_lines(findings)
    pods = pods_by_namespace(view)
    nodes = node_health(view)
    workloads = availability(view)
    overall = score(pods, workloads, nodes, lines, int(security.get("score", 100)), services)
    draft = HealthReport(
        generated_at=now,
        source=view.source,
        namespaces=(namespace,) if namespace else view.namespaces,
        score=overall,
        trend=trend(now, overall.value, {}, (), ()),
        pods=pods,
        restarts=restart_hot_spots(view),
        nodes=nodes,
        workloads=workloads,
        services=None if services is None else tuple(services),
        findings=lines,
        opportunities=None if opportunities is None else tuple(opportunities),
        security=dict(security),
        recommendations=recommendations(
            lines, opportunities, nodes, security, scope=f"-n {namespace}" if namespace else "-A"
        ),
        kubemedic_version=version,
        notes=tuple(notes),
    )
    changed = trend(now, overall.value, draft.key_figures(), (f.key for f in lines), past)
    return replace(draft, trend=changed)
