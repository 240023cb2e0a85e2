"""Text for the trail as a whole: record lists, verify problems, the audit checklist, stats."""

from __future__ import annotations

from collections.abc import Sequence

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.formatters.operations import table
from kubemedic.governance.compliance import CHECKS, AuditResult
from kubemedic.governance.figures import Figures, Summary
from kubemedic.governance.integrity import Problem
from kubemedic.models.records import Record


def records_text(records: Sequence[Record]) -> str:
    if not records:
        return "No records."
    rows = [("ID", "KIND", "STATE", "CREATED", "TITLE")]
    for record in records:
        title = record.title.split(": ", 1)[-1]
        rows.append(
            (record.id, record.kind.value, record.state, format_time(record.created_at), title)
        )
    return table(rows)


def problems_text(problems: Sequence[Problem], records: int) -> str:
    if not problems:
        return f"Records intact: {records} records, hash chains and history verified."
    return "\n".join(f"TAMPERED {problem}" for problem in problems)


def audit_text(result: AuditResult) -> str:
    lines = [f"Audit of {result.checked} operations:"]
    for name, description in CHECKS:
        found = result.violations.get(name, ())
        lines.append(
            f"  [{'x' if found else ' '}] {description}" if found else f"  [ok] {description}"
        )
        lines += [f"      - {violation}" for violation in found]
    lines.append("PASSED" if result.ok else "FAILED: violations above")
    return "\n".join(lines).replace("  [x]", "  [!!]")


def figures_text(f: Figures) -> str:
    rows = [("FIGURE", "COUNT", "MEAN", "P50", "P95")]
    rows.append(("MTTD (onset → detection)", *_summary(f.mttd)))
    rows.append(("MTTR (onset → validated recovery)", *_summary(f.mttr)))
    for tier, figures in f.approval.items():
        rows.append((f"approval latency, {tier}", *_summary(figures.latency)))
    rows.append(("rollbacks (decision → restored)", *_summary(f.rollbacks)))
    lines = [f"Since {format_time(f.since)}: {f.incidents} incidents", "", table(rows), ""]
    for tier, figures in f.approval.items():
        share = figures.within_sla / figures.decided if figures.decided else 0.0
        lines.append(
            f"SLA compliance, {tier}: {figures.within_sla}/{figures.decided} ({share:.0%})"
        )
    rate = f.success_rate
    lines.append(
        f"Executions: {f.executed} executed, {f.failed} failed"
        + (f" (success {rate:.0%})" if rate is not None else "")
        + f"; {f.validated} validated, {f.validation_failed} failed validation"
    )
    if f.by_category:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(f.by_category.items()))
        lines.append(f"Incidents by category: {shown}")
    return "\n".join(lines)


def _summary(s: Summary) -> tuple[str, str, str, str]:
    def show(value: float | None) -> str:
        return human_duration(value) if value is not None else "-"

    return str(s.count), show(s.mean), show(s.p50), show(s.p95)
