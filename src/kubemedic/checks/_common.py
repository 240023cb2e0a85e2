"""What every check module shares: building rules, findings and evidence the same way.

References are written once here, so docs/security.md, SARIF help and the JSON agree on how a
control is named: ``CIS 5.2.2`` (CIS Kubernetes Benchmark v1.9 section), ``NSA-CISA`` (the
Kubernetes Hardening Guide v1.2 section), ``PSS`` (Pod Security Standards control id),
``Checkov``/``kubescape`` (the peer check that looks for the same thing).
"""

from __future__ import annotations

from collections.abc import Iterable

from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef
from kubemedic.models.security import Fix, Reference, Rule, SecurityFinding
from kubemedic.models.severity import Severity


def cis(section: str) -> Reference:
    return Reference("CIS", section)


def nsa(section: str) -> Reference:
    return Reference("NSA-CISA", section)


def pss(control: str) -> Reference:
    return Reference("PSS", control)


def checkov(*ids: str) -> tuple[Reference, ...]:
    return tuple(Reference("Checkov", i) for i in ids)


def kubescape(*ids: str) -> tuple[Reference, ...]:
    return tuple(Reference("kubescape", i) for i in ids)


def rule(
    rule_id: str,
    title: str,
    severity: Severity,
    family: str,
    description: str,
    *references: Reference | tuple[Reference, ...],
) -> Rule:
    flat: list[Reference] = []
    for ref in references:
        flat.extend(ref if isinstance(ref, tuple) else (ref,))
    return Rule(rule_id, title, severity, family, description, tuple(flat))


def spec_fact(fact: str, location: str) -> Evidence:
    return Evidence(fact, EvidenceSource.SPEC, location)


def related_fact(fact: str, location: str) -> Evidence:
    return Evidence(fact, EvidenceSource.RELATED, location)


def computed_fact(fact: str, location: str) -> Evidence:
    return Evidence(fact, EvidenceSource.COMPUTED, location)


def finding(
    of: Rule,
    obj: ObjectRef,
    summary: str,
    evidence: Iterable[Evidence],
    fix: Fix,
    *,
    severity: Severity | None = None,
    related: Iterable[ObjectRef] = (),
    detail: str = "",
    priority: int = 0,
) -> SecurityFinding:
    """A finding of ``of`` (at its default severity unless told otherwise)."""
    return SecurityFinding(
        rule=of,
        severity=severity or of.severity,
        object=obj,
        summary=summary,
        evidence=tuple(evidence),
        fix=fix,
        related=tuple(dict.fromkeys(related)),
        detail=detail,
        priority=priority,
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
