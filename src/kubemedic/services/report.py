"""The health report use case: read the cluster once, ask Prometheus and the usage history,
diagnose, audit, compare with the last recorded report, and record this one when asked.

Whatever is not configured or does not answer (no Prometheus, no metrics store, Prometheus
down) becomes a note in the report, never a failed run: a weekly job should always publish.
A report of files (``--from-file``, a dump) has what the files hold; what only a live cluster
gives (node usage, latency, right-sizing) becomes a note too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.adapters.kubernetes.api import AUDITED, SCANNED
from kubemedic.adapters.prometheus.client import PrometheusClient
from kubemedic.errors import KubemedicError, MetricsError
from kubemedic.models.cluster import ClusterView
from kubemedic.models.health import REPORT_TYPE, HealthReport, PastReport, ServiceFigures
from kubemedic.models.identity import SYSTEM
from kubemedic.models.recommendation_settings import RightSizingSettings
from kubemedic.models.records import RecordKind
from kubemedic.models.security import AuditOptions
from kubemedic.reports.advice import opportunities
from kubemedic.reports.cluster import service_pods
from kubemedic.reports.health import health_report
from kubemedic.reports.promql import queries
from kubemedic.services.audit import audit_view
from kubemedic.services.diagnose import diagnose
from kubemedic.services.recommend import (
    Ask,
    ClusterAccess,
    HistorySource,
    prometheus_client,
    resources_report,
)
from kubemedic.services.records import RecordStore, Step
from kubemedic.services.sources import SourceRequest, load_view

READ = (*SCANNED, *(r for r in AUDITED if r not in SCANNED))
"""What the report lists: what diagnose reads and what the audit adds (RBAC, policies...)."""
PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class HealthAsk:
    """What to report on and where the figures come from; built by the CLI."""

    source: SourceRequest
    history: HistorySource
    right_sizing: RightSizingSettings
    audit: AuditOptions
    records: Path | None = None
    """The records repository whose report records give the trend (read only if it exists)."""


def health(ask: HealthAsk, *, now: datetime, version: str) -> HealthReport:
    """Build the health report of the cluster ``ask`` names, at ``now``."""
    request = ask.source
    view = load_view(request, resources=READ, logs=True)
    notes: list[str] = []
    audit = audit_view(view, ask.audit, version=version, namespace=request.namespace)
    services: tuple[ServiceFigures, ...] | None = None
    right_sizing: Any = None
    if request.files:
        notes += _offline_notes(view)
    else:
        services = _service_figures(view, ask.history, now, notes)
        right_sizing = _right_sizing(ask, now, notes)
    past = _past(ask.records, request, notes)
    return health_report(
        view,
        diagnose(view).findings,
        audit.summary.to_data(),
        now=now,
        version=version,
        namespace=request.namespace,
        services=services,
        opportunities=right_sizing,
        past=past,
        notes=notes,
    )


def _offline_notes(view: ClusterView) -> list[str]:
    """What a report of files leaves out, since only a live cluster can tell it."""
    notes = [
        "read from files: latency and error rates (Prometheus) need a live cluster and are "
        "not reported",
        "read from files: right-sizing (usage history of the live workloads) is not reported",
    ]
    if not view.objects("NodeMetrics"):
        notes.insert(
            0, "the files hold no NodeMetrics (metrics.k8s.io): node usage is not reported"
        )
    return notes


def _service_figures(
    view: ClusterView, history: HistorySource, now: datetime, notes: list[str]
) -> tuple[ServiceFigures, ...] | None:
    if not history.prometheus_url:
        notes.append("no Prometheus configured: latency and error rates are not reported")
        return None
    client = prometheus_client(history)
    try:
        return tuple(
            figures
            for namespace, service, pods in service_pods(view)
            if (figures := _figures(client, namespace, service, pods, now)) is not None
        )
    except MetricsError as exc:
        notes.append(f"Prometheus did not answer, latency and error rates are left out: {exc}")
        return None
    finally:
        client.close()


def _figures(
    client: PrometheusClient, namespace: str, service: str, pods: Sequence[str], now: datetime
) -> ServiceFigures | None:
    asked = queries(namespace, pods)

    def value(expr: str, what: str) -> float | None:
        samples = client.query(expr, at=now, purpose=f"{what} of service {namespace}/{service}")
        found = samples[0].value if samples else None
        return None if found is None or math.isnan(found) else found

    requests = value(asked.requests, "request rate")
    if not requests:
        return None  # no traffic measured: nothing to say about latency
    errors = value(asked.errors, "5xx rate") or 0.0
    percentiles = {name: value(expr, name) for name, expr in asked.quantiles}
    return ServiceFigures(
        namespace,
        service,
        requests,
        errors / requests,
        percentiles["p50"],
        percentiles["p95"],
        percentiles["p99"],
    )


def _right_sizing(ask: HealthAsk, now: datetime, notes: list[str]) -> Any:
    request = ask.source
    try:
        report = resources_report(
            ClusterAccess(request.context, request.kubeconfig, request.request_timeout),
            ask.history,
            Ask(
                (request.namespace,) if request.namespace else (),
                request.all_namespaces,
            ),
            ask.right_sizing,
            now=now,
        )
    except MetricsError as exc:
        notes.append(f"right-sizing left out: {exc.message}")
        return None
    return opportunities(report)


def _past(records: Path | None, request: SourceRequest, notes: list[str]) -> list[PastReport]:
    if records is None or not (records / ".git").exists():
        return []
    try:
        return list(past_reports(RecordStore.open(records), _scope(request)))
    except KubemedicError as exc:
        notes.append(f"the report records could not be read, no trend is shown: {exc.message}")
        return []


def _scope(request: SourceRequest) -> list[str]:
    return [request.namespace] if request.namespace else ["*"] if request.all_namespaces else []


def past_reports(store: RecordStore, scope: Sequence[str]) -> Iterator[PastReport]:
    """The health reports recorded for the same scope (namespaces), in no particular order."""
    for record in store.all(RecordKind.REPORT):
        header = record.header
        if header.get("report_type") != REPORT_TYPE or list(header.get("scope") or []) != list(
            scope
        ):
            continue
        yield PastReport(
            record.id,
            record.created_at,
            int(header["score"]),
            dict(header.get("figures") or {}),
            tuple(str(k) for k in header.get("findings") or ()),
        )


def record_report(
    store: RecordStore, report: HealthReport, body: str, source: SourceRequest
) -> str:
    """Store the report as a report record: its Markdown, and a header the next one compares
    with (score, key figures, finding keys). Returns the record id."""
    at = report.generated_at
    record_id = store.new_id(RecordKind.REPORT, at)
    score = report.score
    header = {
        "created_at": format_time(at),
        "report_type": REPORT_TYPE,
        "scope": _scope(source),
        "source": report.source,
        "score": score.value,
        "grade": score.grade,
        "status": score.status,
        "figures": report.key_figures(),
        "findings": [f.key for f in report.findings],
        "kubemedic_version": report.kubemedic_version,
    }
    title = f"Health report {at:%Y-%m-%d}: {score.value}/100 ({score.grade})"
    store.create(
        RecordKind.REPORT,
        record_id,
        header,
        title=title,
        intro=body,
        first=Step(
            PUBLISHED,
            PUBLISHED,
            {"score": score.value, "trend": report.trend.direction},
            f"Published by kubemedic {report.kubemedic_version}.",
        ),
        actor=SYSTEM,
        at=at,
        message=f"{record_id}: health report {score.value}/100 ({score.grade})",
    )
    return record_id
