"""What the report advises: findings to list, right-sizing to make, each with its command."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubemedic.models.findings import Finding
from kubemedic.models.health import FindingLine, NodeHealth, Opportunity, Recommendation
from kubemedic.models.recommendation_reports import ResourcesReport
from kubemedic.models.severity import Severity

ADVISED = Severity.MEDIUM
"""Findings this severe or worse become recommendations."""
CROWDED = 0.9
"""A node whose pods request more of its allocatable CPU than this needs relief."""


def finding_lines(findings: Iterable[Finding]) -> tuple[FindingLine, ...]:
    """The diagnosis findings, critical first (the diagnosis is already in reading order)."""
    lines = [FindingLine(f.id, f.severity, f.object, f.summary, "diagnosis") for f in findings]
    return tuple(sorted(lines, key=lambda f: f.severity.rank))


def opportunities(report: ResourcesReport) -> tuple[Opportunity, ...]:
    """Workloads whose requests should change, biggest monthly savings first."""
    found = []
    for workload in report.workloads:
        changed = [c for c in workload.containers if c.changes and c.recommended is not None]
        if not changed:
            continue
        names = ", ".join(c.container for c in changed)
        found.append(
            Opportunity(
                workload.workload,
                f"right-size {names}: {workload.savings.describe()}",
                workload.savings.monthly,
            )
        )
    return tuple(sorted(found, key=lambda o: (-o.monthly_savings, o.workload)))


def recommendations(
    findings: Sequence[FindingLine],
    right_sizing: Sequence[Opportunity] | None,
    nodes: Sequence[NodeHealth],
    security: Mapping[str, Any],
    *,
    scope: str,
) -> tuple[Recommendation, ...]:
    """One recommendation per problem worth acting on, each with the command that proposes
    the governed change (or, for the audit, that lists the fixes)."""
    advised: list[Recommendation] = []
    for line in findings:
        if line.severity.at_least(ADVISED):
            ns = line.object.namespace
            where = f"-n {ns}" if ns else "-A"
            advised.append(
                Recommendation(
                    f"Fix {line.object}: {line.summary}",
                    f"kubemedic diagnose {where} --propose",
                    line.severity,
                )
            )
    saving = [o for o in right_sizing or () if o.monthly_savings > 0]
    for namespace in sorted({o.workload.namespace for o in saving}):
        saved = sum(o.monthly_savings for o in saving if o.workload.namespace == namespace)
        advised.append(
            Recommendation(
                f"Right-size the workloads of {namespace} (saves ${saved:,.2f}/month)",
                f"kubemedic recommend resources -n {namespace} --propose",
                Severity.LOW,
            )
        )
    for node in nodes:
        crowded = (node.cpu.requested_share or 0.0) > CROWDED
        if node.healthy and not crowded:
            continue
        why = ", ".join(node.problems) or ("NotReady" if not node.ready else "")
        why = why or f"requests above {CROWDED:.0%} of allocatable CPU"
        advised.append(
            Recommendation(
                f"Relieve node {node.name} ({why})",
                f"kubemedic recommend scaling {scope} --propose",
                Severity.MEDIUM,
            )
        )
    counts = security.get("counts") or {}
    serious = sum(int(counts.get(s, 0)) for s in ("critical", "high"))
    if serious:
        advised.append(
            Recommendation(
                f"Review {serious} critical/high security finding(s) and apply their fixes",
                f"kubemedic audit security {scope} -o markdown",
                Severity.HIGH,
            )
        )
    advised.sort(key=lambda r: r.severity.rank)
    return tuple(dict.fromkeys(advised))
