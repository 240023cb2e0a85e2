"""The JSON output: a versioned, documented document for scripts, CI gates and other tools.

The shape is ``docs/schema/diagnosis-v1.schema.json``; keys come out in one fixed order and
every optional value is present (``null`` or empty), so two runs over the same input are byte
for byte identical. Any incompatible change to the shape bumps ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

import orjson

from kubemedic._internal.timeutils import format_time
from kubemedic.formatters.report import Report, Scope
from kubemedic.models.findings import Finding, ObjectRef

SCHEMA_VERSION = "1"


def write(report: Report, out: TextIO) -> None:
    out.write(render(report))


def render(report: Report) -> str:
    return orjson.dumps(document(report), option=orjson.OPT_INDENT_2).decode() + "\n"


def document(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data, keys in their documented order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kubemedic_version": report.kubemedic_version,
        "scanned": _scope(report.scope),
        "summary": {severity.value: count for severity, count in report.counts().items()},
        "findings": [finding_document(f) for f in report.findings],
        "analyzer_errors": [
            {"analyzer": e.analyzer, "error": e.error} for e in report.analyzer_errors
        ],
        "warnings": [
            {
                "file": w.file,
                "line": w.line,
                "object": _ref(w.object) if w.object else None,
                "field": w.field,
                "message": w.message,
            }
            for w in report.warnings
        ],
    }


def _scope(scope: Scope) -> dict[str, Any]:
    return {
        "source": scope.source,
        "namespaces": list(scope.namespaces),
        "target": _ref(scope.target) if scope.target else None,
        "observed_at": format_time(scope.observed_at),
        "objects": {kind: scope.objects[kind] for kind in sorted(scope.objects)},
        "analyzers": list(scope.analyzers),
    }


def finding_document(finding: Finding) -> dict[str, Any]:
    """One finding as the JSON output shows it (also embedded in incident records)."""
    fix = finding.remediation
    return {
        "id": finding.id,
        "severity": finding.severity.value,
        "category": finding.category.value,
        "object": _ref(finding.object),
        "affected": [
            {"namespace": p.namespace, "name": p.name, "containers": list(p.containers)}
            for p in finding.affected
        ],
        "summary": finding.summary,
        "root_cause": finding.root_cause,
        "evidence": [
            {"fact": e.fact, "source": e.source.value, "location": e.location}
            for e in finding.evidence
        ],
        "remediation": {
            "summary": fix.summary,
            "steps": list(fix.steps),
            "commands": list(fix.commands),
            "patch": fix.patch,
            "risk": fix.risk.value,
            "reversible": fix.reversible,
            "expected_outcome": fix.expected_outcome,
        },
        "runbook": finding.runbook,
        "first_seen": _time(finding.first_seen),
        "last_seen": _time(finding.last_seen),
        "analyzer": finding.analyzer,
        "related": [_ref(r) for r in finding.related],
    }


def _ref(ref: ObjectRef) -> dict[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _time(value: datetime | None) -> str | None:
    return format_time(value) if value else None
