"""The security audit's results: rules, findings, per-workload Pod Security levels and a score.

The checks (``kubemedic.checks``) build these; the audit service attaches where each finding's
object was read; formatters render them (text, JSON, Markdown, SARIF); a health report embeds
``AuditSummary.to_data()``. One severity scale (critical, high, medium, low) serves every
family, and the score is one documented formula over the audited objects (docs/security.md).
Nothing here ever holds a Secret's value: evidence names keys, fields and lengths only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.models.cluster import SourceLocation
from kubemedic.models.findings import Evidence, ObjectRef
from kubemedic.models.scan_warning import ScanWarning
from kubemedic.models.severity import Severity

SCHEMA = "kubemedic.security-audit/v1"

CERTIFICATE_FIELD = "kubemedic.io/certificate"
"""Top-level key the Kubernetes adapters add to a ``kubernetes.io/tls`` Secret once its values
are dropped: ``{"notAfter": "<RFC 3339>"}`` read from ``tls.crt``, or ``{"error": "..."}``."""

SEVERITY_WEIGHTS: Mapping[Severity, float] = {
    Severity.CRITICAL: 1.0,
    Severity.HIGH: 0.5,
    Severity.MEDIUM: 0.2,
    Severity.LOW: 0.05,
    Severity.INFO: 0.0,
}
"""How much of an audited object's share of the score its worst finding takes away."""

AUDIT_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (50, "E"))


class PodSecurityLevel(StrEnum):
    """A Pod Security Standards profile, least restrictive first."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return list(PodSecurityLevel).index(self)


@dataclass(frozen=True, slots=True)
class Reference:
    """A control of a published standard (CIS, NSA-CISA, PSS) or a peer tool's check id."""

    standard: str
    id: str

    def __str__(self) -> str:
        return f"{self.standard} {self.id}"


@dataclass(frozen=True, slots=True)
class Rule:
    """What one check looks for: a stable id, its default severity and the standards it serves."""

    id: str
    title: str
    severity: Severity
    family: str
    description: str
    references: tuple[Reference, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "family": self.family,
            "description": self.description,
            "references": [str(r) for r in self.references],
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """How to remove a finding: what to do, the ready commands and the change itself."""

    summary: str
    commands: tuple[str, ...] = ()
    patch: str | None = None
    """The change as a YAML fragment (a template patch, or a manifest to apply)."""

    def to_data(self) -> dict[str, Any]:
        return {"summary": self.summary, "commands": list(self.commands), "patch": self.patch}


@dataclass(frozen=True, slots=True)
class SecurityFinding:
    """One weakness of one object, with the facts it rests on and the fix."""

    rule: Rule
    severity: Severity
    object: ObjectRef
    summary: str
    evidence: tuple[Evidence, ...]
    fix: Fix
    related: tuple[ObjectRef, ...] = ()
    """Objects it concerns besides ``object``: the bindings that grant a right, the workloads
    that run as an identity, the Secret an env var reads."""
    detail: str = ""
    """Tells apart several findings of one rule on one object (a container, a key)."""
    priority: int = 0
    """Orders findings of one severity (higher first), e.g. vulnerabilities by exposure."""
    location: SourceLocation | None = None

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def fingerprint(self) -> str:
        """The same for the same weakness of the same object, run after run."""
        key = f"{self.rule.id}|{self.object.kind}|{self.object.namespace}|{self.object.name}"
        return hashlib.sha256(f"{key}|{self.detail}".encode()).hexdigest()[:16]

    @property
    def sort_key(self) -> tuple[int, int, str, ObjectRef, str]:
        return (self.severity.rank, -self.priority, self.rule.id, self.object, self.detail)

    def to_data(self) -> dict[str, Any]:
        location = self.location
        return {
            "id": self.rule.id,
            "title": self.rule.title,
            "severity": self.severity.value,
            "family": self.rule.family,
            "object": _ref(self.object),
            "summary": self.summary,
            "evidence": [
                {"fact": e.fact, "source": e.source.value, "location": e.location}
                for e in self.evidence
            ],
            "fix": self.fix.to_data(),
            "references": [str(r) for r in self.rule.references],
            "related": [_ref(r) for r in self.related],
            "fingerprint": self.fingerprint,
            "location": None if location is None else location.to_data(),
        }


@dataclass(frozen=True, slots=True)
class Violation:
    """One field that keeps a pod template below a Pod Security level."""

    control: str
    """The pod-security-admission check id: ``privileged``, ``runAsNonRoot``, ..."""
    level: PodSecurityLevel
    """The level it breaks: baseline (and so restricted too) or restricted only."""
    field: str
    value: str
    allowed: str

    def to_data(self) -> dict[str, str]:
        return {
            "control": self.control,
            "level": self.level.value,
            "field": self.field,
            "value": self.value,
            "allowed": self.allowed,
        }


@dataclass(frozen=True, slots=True)
class WorkloadPosture:
    """The highest Pod Security level a workload's pod template meets, and why not higher."""

    workload: ObjectRef
    level: PodSecurityLevel
    violations: tuple[Violation, ...]
    enforced: str | None = None
    """The namespace's ``pod-security.kubernetes.io/enforce`` label, when the Namespace was read."""

    def to_data(self) -> dict[str, Any]:
        return {
            "workload": _ref(self.workload),
            "level": self.level.value,
            "enforced": self.enforced,
            "violations": [v.to_data() for v in self.violations],
        }


@dataclass(frozen=True, slots=True)
class NamespaceNetwork:
    """How a namespace's pods are fenced by NetworkPolicies (``judged`` False: not listed)."""

    namespace: str
    judged: bool
    policies: int
    default_deny_ingress: bool
    default_deny_egress: bool
    workloads: int
    open_ingress: tuple[ObjectRef, ...] = ()
    """Workloads no policy selects for ingress (none when a default-deny covers it)."""
    open_egress: tuple[ObjectRef, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "judged": self.judged,
            "policies": self.policies,
            "default_deny_ingress": self.default_deny_ingress,
            "default_deny_egress": self.default_deny_egress,
            "workloads": self.workloads,
            "open_ingress": [_ref(r) for r in self.open_ingress],
            "open_egress": [_ref(r) for r in self.open_egress],
        }


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """What the audit demands; built by the CLI from its options and the settings."""

    level: PodSecurityLevel = PodSecurityLevel.BASELINE
    """Pod templates below this level are findings (the levels table shows every template)."""
    allowed_registries: tuple[str, ...] = ()
    """Registry hosts (``ghcr.io``) or repository prefixes (``ghcr.io/acme``); empty: any."""
    complete: bool = False
    """The input holds every object of its namespaces (manifests for CI), so what is absent
    from it is absent: no NetworkPolicy means none. Live scans judge by what was listed."""
    tls_expiry_days: int = 30


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """The audit in figures: the score a health report embeds, and findings by severity.

    ``score = round(100 × (1 − Σ weight(worst finding of each object) / audited objects))``
    with weights critical 1.0, high 0.5, medium 0.2, low 0.05; 100 when nothing was audited.
    """

    score: int
    grade: str
    counts: tuple[tuple[Severity, int], ...]
    objects: int
    objects_with_findings: int

    @classmethod
    def of(cls, findings: Iterable[SecurityFinding], audited: Iterable[ObjectRef]) -> AuditSummary:
        findings = tuple(findings)
        worst: dict[ObjectRef, Severity] = {}
        for finding in findings:
            known = worst.get(finding.object)
            if known is None or finding.severity.rank < known.rank:
                worst[finding.object] = finding.severity
        objects = len(set(audited) | set(worst))
        lost = sum(SEVERITY_WEIGHTS[severity] for severity in worst.values())
        score = round(100 * (1 - lost / objects)) if objects else 100
        counts = tuple((s, sum(1 for f in findings if f.severity is s)) for s in AUDIT_SEVERITIES)
        return cls(score, grade_of(score), counts, objects, len(worst))

    def count(self, severity: Severity) -> int:
        return dict(self.counts).get(severity, 0)

    def to_data(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "counts": {severity.value: count for severity, count in self.counts},
            "objects": self.objects,
            "objects_with_findings": self.objects_with_findings,
        }


def grade_of(score: int) -> str:
    """A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, E ≥ 50, else F (Popeye's grading)."""
    return next((grade for floor, grade in _GRADES if score >= floor), "F")


@dataclass(frozen=True, slots=True)
class SecurityAudit:
    """A whole audit: what was read, what was found, and the figures."""

    source: str
    namespaces: tuple[str, ...]
    observed_at: datetime
    options: AuditOptions
    rules: tuple[Rule, ...]
    findings: tuple[SecurityFinding, ...]
    postures: tuple[WorkloadPosture, ...]
    networks: tuple[NamespaceNetwork, ...]
    summary: AuditSummary
    kubemedic_version: str
    notes: tuple[str, ...] = ()
    """What the audit could not judge, and kinds it read but does not check."""
    warnings: tuple[ScanWarning, ...] = field(default=())

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kubemedic_version": self.kubemedic_version,
            "source": self.source,
            "namespaces": list(self.namespaces),
            "observed_at": format_time(self.observed_at),
            "level": self.options.level.value,
            "allowed_registries": list(self.options.allowed_registries),
            "summary": self.summary.to_data(),
            "findings": [f.to_data() for f in self.findings],
            "pod_security": [p.to_data() for p in self.postures],
            "network_policies": [n.to_data() for n in self.networks],
            "rules": [r.to_data() for r in self.rules],
            "notes": list(self.notes),
            "warnings": [str(w) for w in self.warnings],
        }


def _ref(ref: ObjectRef) -> dict[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}
