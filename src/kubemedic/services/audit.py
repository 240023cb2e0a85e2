"""The security audit use case: read a cluster or manifests, run every check, tell people.

The live scan lists the audit's own set of kinds (``AUDITED``: RBAC, NetworkPolicies, Secrets
with their values dropped, Trivy reports); files are read as diagnose reads them, each object
keeping its file and line for the outputs that point into files (SARIF). A check that crashes
is reported in the notes, never allowed to hide the others. Critical findings are escalated to
the configured webhooks as one ``audit.critical`` notification.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from kubemedic.adapters.kubernetes.api import AUDITED
from kubemedic.adapters.notify import Sleep, deliver
from kubemedic.checks import BUILTIN, Registry, audited_objects, coverage, postures, unaudited
from kubemedic.formatters.notification import payload
from kubemedic.models.cluster import ALL_NAMESPACES, ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.notification import Delivery, Notification, Webhook
from kubemedic.models.security import (
    AuditOptions,
    AuditSummary,
    NamespaceNetwork,
    SecurityAudit,
    SecurityFinding,
)
from kubemedic.models.severity import Severity
from kubemedic.services.sources import SourceRequest, load_view

ESCALATION_EVENT = "audit.critical"
ESCALATED_AT_MOST = 10
"""Critical findings listed in one notification; the rest are counted."""


def audit(request: SourceRequest, options: AuditOptions, *, version: str) -> SecurityAudit:
    """Read the cluster (or the files) the request names and audit it."""
    view = load_view(request, resources=AUDITED, logs=False, locations=True)
    return audit_view(view, options, version=version, namespace=request.namespace)


def audit_view(
    view: ClusterView,
    options: AuditOptions,
    *,
    version: str,
    namespace: str | None = None,
    checks: Registry = BUILTIN,
) -> SecurityAudit:
    """Run every check over ``view``; report on ``namespace`` only when one is given (files
    hold every namespace they were written with, so ``-n`` narrows what is reported)."""
    scope = namespace or _scanned_namespace(view)
    findings: list[SecurityFinding] = []
    notes: list[str] = []
    for check in checks:
        try:
            findings.extend(check.run(view, options))
        except Exception as exc:  # one broken check must not hide the others
            notes.append(f"check {check.name} failed and was skipped: {type(exc).__name__}: {exc}")
    if scope:
        findings = [f for f in findings if _concerns(f, scope)]
    located = sorted((_located(view, f) for f in findings), key=lambda f: f.sort_key)
    workloads = tuple(p for p in postures(view) if not scope or p.workload.namespace == scope)
    networks = tuple(n for n in coverage(view, options) if not scope or n.namespace == scope)
    audited = [ref for ref in audited_objects(view) if not scope or _in(ref, scope)]
    notes += _notes(view, networks)
    return SecurityAudit(
        source=view.source,
        namespaces=(scope,) if scope else view.namespaces,
        observed_at=view.observed_at,
        options=options,
        rules=checks.rules,
        findings=tuple(located),
        postures=workloads,
        networks=networks,
        summary=AuditSummary.of(located, audited),
        kubemedic_version=version,
        notes=tuple(notes),
        warnings=view.warnings,
    )


def _scanned_namespace(view: ClusterView) -> str | None:
    """The one namespace a live scan was limited to, if it was."""
    if len(view.namespaces) == 1 and view.namespaces[0] != ALL_NAMESPACES:
        return view.namespaces[0]
    return None


def _concerns(finding: SecurityFinding, namespace: str) -> bool:
    """Whether a finding is about ``namespace``: its object is there (or is the Namespace), or,
    for an identity, one of the bindings or workloads it rests on is."""
    if _in(finding.object, namespace):
        return True
    return finding.object.namespace == "" and any(_in(r, namespace) for r in finding.related)


def _in(ref: ObjectRef, namespace: str) -> bool:
    return ref.namespace == namespace or ref == ObjectRef("Namespace", namespace)


def _located(view: ClusterView, finding: SecurityFinding) -> SecurityFinding:
    """The finding with the file and line of its object (or of the first related object that
    has one: a User is written nowhere, the binding that names it is)."""
    for ref in (finding.object, *finding.related):
        location = view.location(ref)
        if location is not None:
            return replace(finding, location=location)
    return finding


def _notes(view: ClusterView, networks: Iterable[NamespaceNetwork]) -> list[str]:
    notes = []
    skipped = unaudited(view)
    if skipped:
        kinds = ", ".join(f"{kind} ({count})" for kind, count in skipped.items())
        notes.append(f"skipped objects of kinds no check reads: {kinds}")
    unjudged = [n.namespace for n in networks if not n.judged]
    if unjudged:
        notes.append(
            "NetworkPolicies were not listed in "
            + ", ".join(unjudged)
            + ": network coverage not judged there"
        )
    if not view.objects("VulnerabilityReport"):
        notes.append(
            "no Trivy Operator VulnerabilityReports were found: kubemedic runs no scanner, so "
            "image vulnerabilities were not judged"
        )
    return notes


def escalate(
    result: SecurityAudit,
    webhooks: Sequence[Webhook],
    *,
    now: datetime | None = None,
    sleep: Sleep = time.sleep,
) -> tuple[Delivery, ...]:
    """Send the critical findings to every webhook that wants ``audit.critical``."""
    critical = [f for f in result.findings if f.severity is Severity.CRITICAL]
    if not critical or not webhooks:
        return ()
    lines = [f"- {f.id} {f.object}: {f.summary}" for f in critical[:ESCALATED_AT_MOST]]
    if len(critical) > ESCALATED_AT_MOST:
        lines.append(f"- and {len(critical) - ESCALATED_AT_MOST} more")
    summary = result.summary
    notification = Notification(
        event=ESCALATION_EVENT,
        title=f"Security audit: {len(critical)} critical finding(s)",
        text="\n".join(lines),
        record_id=f"security-audit/{','.join(result.namespaces)}",
        severity=Severity.CRITICAL.value,
        occurred_at=now or datetime.now(tz=UTC),
        fields=(
            ("Score", f"{summary.score}/100 ({summary.grade})"),
            ("Source", result.source),
            ("High", str(summary.count(Severity.HIGH))),
        ),
    )
    return deliver(notification, webhooks, render=payload, sleep=sleep)
