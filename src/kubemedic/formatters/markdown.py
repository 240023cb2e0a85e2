"""The Markdown report: written to be pasted into a ticket or read in an architecture review.

Scope first, then a summary table, then one section per finding with its root cause, an
evidence table (fact | source), the fix with its risk and commands in fenced blocks, and the
runbook link. Text from the cluster is escaped so a stray ``*`` or ``|`` cannot break layout.
"""

from __future__ import annotations

import re
from typing import TextIO

from kubemedic._internal.timeutils import format_time
from kubemedic.formatters.report import Report, pods_text
from kubemedic.models.findings import Finding, Remediation

_INLINE_SPECIAL = re.compile(r"([\\`*<>\[\]])")
_PODS_SHOWN = 10


def write(report: Report, out: TextIO) -> None:
    out.write(render(report))


def render(report: Report) -> str:
    lines = ["# kubemedic diagnosis", ""]
    lines += _scope(report)
    lines += _summary(report)
    for number, finding in enumerate(report.findings, start=1):
        lines += _finding(number, finding)
    if report.analyzer_errors:
        lines += [
            "## Analyzer errors",
            "",
            "These analyzers failed; their findings are missing.",
            "",
        ]
        lines += [f"- `{e.analyzer}`: {_inline(e.error)}" for e in report.analyzer_errors]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _scope(report: Report) -> list[str]:
    scope = report.scope
    rows = [
        ("Source", _inline(scope.source)),
        ("Namespaces", scope.namespaces_text.capitalize()),
        ("Observed at", format_time(scope.observed_at)),
        ("Objects", scope.objects_text),
        ("Analyzers", f"{len(scope.analyzers)}: " + ", ".join(scope.analyzers)),
        ("kubemedic", report.kubemedic_version),
    ]
    if scope.target:
        rows.insert(0, ("Target", _inline(str(scope.target))))
    return ["## Scope", "", "| | |", "|---|---|", *(_row(k, v) for k, v in rows), ""]


def _summary(report: Report) -> list[str]:
    lines = ["## Summary", "", "| Severity | Findings |", "|---|---:|"]
    lines += [_row(sev.value.capitalize(), str(n)) for sev, n in report.counts().items()]
    lines.append("")
    if not report.findings:
        return [*lines, "No problems found.", ""]
    lines += ["| # | Severity | Finding | Object | Summary |", "|---:|---|---|---|---|"]
    for number, f in enumerate(report.findings, start=1):
        lines.append(
            _row(str(number), f.severity.value, f"`{f.id}`", _cell(str(f.object)), _cell(f.summary))
        )
    return [*lines, ""]


def _finding(number: int, finding: Finding) -> list[str]:
    title = f"{finding.severity.value.upper()} · {finding.id} · {_inline(str(finding.object))}"
    lines = [
        f"## {number}. {title}",
        "",
        _inline(finding.summary),
        "",
        f"- **Category:** `{finding.category.value}`",
    ]
    if finding.affected:
        lines.append(f"- **Affected pods:** {_inline(pods_text(finding, shown=_PODS_SHOWN))}")
    if finding.first_seen:
        last = format_time(finding.last_seen) if finding.last_seen else "unknown"
        lines.append(f"- **Seen:** {format_time(finding.first_seen)} to {last}")
    lines += ["", "### Root cause", "", _inline(finding.root_cause), ""]
    lines += ["### Evidence", "", "| Fact | Source |", "|---|---|"]
    lines += [
        _row(_cell(e.fact), f"{e.source.value}: {_code(e.location)}") for e in finding.evidence
    ]
    lines += ["", *_fix(finding.remediation)]
    lines += [f"**Runbook:** [{finding.runbook}]({finding.runbook})", ""]
    return lines


def _fix(fix: Remediation) -> list[str]:
    lines = [
        "### Fix",
        "",
        _inline(fix.summary),
        "",
        f"- **Risk:** {fix.risk.value}",
        f"- **Reversible:** {'yes' if fix.reversible else 'no'}",
        f"- **Expected outcome:** {_inline(fix.expected_outcome)}",
        "",
    ]
    if fix.steps:
        lines += [f"{n}. {_inline(step)}" for n, step in enumerate(fix.steps, start=1)]
        lines.append("")
    if fix.commands:
        lines += ["```sh", *fix.commands, "```", ""]
    if fix.patch:
        lines += ["Patch:", "", "```yaml", fix.patch.rstrip("\n"), "```", ""]
    return lines


def _inline(text: str) -> str:
    """Text from the cluster as Markdown prose: specials escaped, one line."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return _inline(text).replace("|", r"\|")


def _code(text: str) -> str:
    """A table-safe code span, also for text holding backticks (e.g. a quoted log line)."""
    fence, pad = ("``", " ") if "`" in text else ("`", "")
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", r"\|")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"
