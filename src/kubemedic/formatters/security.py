"""The security audit as text, JSON, Markdown or SARIF.

Text is for the terminal (worst first, each finding with its evidence, fix and references,
then the Pod Security levels and the network coverage); Markdown is the same for a review or a
git repository; JSON is ``SecurityAudit.to_data()`` unchanged. SARIF 2.1.0 (``security_sarif``)
feeds code-scanning tools. No format ever shows a Secret's or ConfigMap's value: findings
carry none.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TextIO

import orjson

from kubemedic._internal.timeutils import format_time
from kubemedic.formatters.security_sarif import sarif
from kubemedic.models.cluster import ALL_NAMESPACES
from kubemedic.models.security import SecurityAudit, SecurityFinding


class AuditFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


def write(audit: SecurityAudit, output: AuditFormat, out: TextIO) -> None:
    """Write ``audit`` in ``output`` format to ``out``."""
    if output is AuditFormat.JSON:
        out.write(orjson.dumps(audit.to_data(), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output is AuditFormat.SARIF:
        out.write(orjson.dumps(sarif(audit), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        out.write("\n".join(render(audit, markdown=output is AuditFormat.MARKDOWN)) + "\n")


def render(audit: SecurityAudit, *, markdown: bool) -> list[str]:
    summary = audit.summary
    counts = ", ".join(f"{count} {severity.value}" for severity, count in summary.counts)
    registries = ", ".join(audit.options.allowed_registries) or "any"
    namespaces = ", ".join(n for n in audit.namespaces if n != ALL_NAMESPACES) or "all"
    lines = _heading("Security audit", markdown, level=1)
    lines += [
        f"Source: {audit.source}",
        f"Namespaces: {namespaces}; observed at {format_time(audit.observed_at)}",
        f"Pod Security level demanded: {audit.options.level.value}; "
        f"allowed registries: {registries}",
        "",
        f"Score {summary.score}/100 (grade {summary.grade}): {counts} "
        f"({summary.objects_with_findings} of {summary.objects} audited objects have findings)",
    ]
    lines += _heading("Findings", markdown)
    if not audit.findings:
        lines.append("No findings.")
    for finding in audit.findings:
        lines += _finding(finding, markdown)
    lines += _postures(audit, markdown)
    lines += _networks(audit, markdown)
    if audit.notes or audit.warnings:
        lines += _heading("Notes", markdown)
        lines += [f"- {note}" for note in audit.notes]
        lines += [f"- warning: {warning}" for warning in audit.warnings]
    return lines


def _finding(finding: SecurityFinding, markdown: bool) -> list[str]:
    severity = finding.severity.value.upper()
    if markdown:
        lines = [f"### {severity} {finding.id}: {finding.object}", "", finding.summary, ""]
    else:
        lines = ["", f"{severity:<9}{finding.id}  {finding.object}", f"  {finding.summary}"]
    bullet = "- " if markdown else "  - "
    lines.append("Evidence:" if markdown else "  evidence:")
    lines += [f"{bullet}{e.fact} ({e.location})" for e in finding.evidence]
    lines.append(f"Fix: {finding.fix.summary}" if markdown else f"  fix: {finding.fix.summary}")
    if finding.fix.commands:
        lines += _code("\n".join(finding.fix.commands), markdown, "sh")
    if finding.fix.patch:
        lines += _code(finding.fix.patch, markdown, "yaml")
    if finding.location is not None:
        lines.append(f"{'' if markdown else '  '}Where: {finding.location}")
    references = ", ".join(str(r) for r in finding.rule.references)
    if references:
        lines.append(f"{'' if markdown else '  '}References: {references}")
    return [*lines, ""] if markdown else lines


def _postures(audit: SecurityAudit, markdown: bool) -> list[str]:
    if not audit.postures:
        return []
    lines = _heading("Pod Security levels", markdown)
    rows = []
    for posture in audit.postures:
        controls = ", ".join(dict.fromkeys(v.control for v in posture.violations)) or "-"
        enforced = posture.enforced or "-"
        rows.append([str(posture.workload), posture.level.value, enforced, controls])
    return lines + _table(["WORKLOAD", "LEVEL", "ENFORCED", "BROKEN CONTROLS"], rows, markdown)


def _networks(audit: SecurityAudit, markdown: bool) -> list[str]:
    if not audit.networks:
        return []
    lines = _heading("Network policies", markdown)
    rows = []
    for network in audit.networks:
        if not network.judged:
            rows.append([network.namespace, "?", "not listed", "-", "-"])
            continue
        deny = [
            d
            for d, on in (
                ("ingress", network.default_deny_ingress),
                ("egress", network.default_deny_egress),
            )
            if on
        ]
        rows.append(
            [
                network.namespace,
                str(network.policies),
                ", ".join(deny) or "none",
                str(len(network.open_ingress) if network.policies else network.workloads),
                str(len(network.open_egress) if network.policies else network.workloads),
            ]
        )
    header = ["NAMESPACE", "POLICIES", "DEFAULT-DENY", "OPEN INGRESS", "OPEN EGRESS"]
    return lines + _table(header, rows, markdown)


def _heading(text: str, markdown: bool, level: int = 2) -> list[str]:
    if markdown:
        return ["", "#" * level + " " + text, ""] if level > 1 else ["#" * level + " " + text, ""]
    rule = "=" if level == 1 else "-"
    return (["", text, rule * len(text)]) if level > 1 else [text, rule * len(text)]


def _code(text: str, markdown: bool, language: str) -> list[str]:
    if markdown:
        return ["", f"```{language}", text.rstrip("\n"), "```", ""]
    return ["    " + line for line in text.rstrip("\n").splitlines()]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
