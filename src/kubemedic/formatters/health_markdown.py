"""The health report as Markdown: what a records repository keeps and a git host shows.

The section titles and the figure wording live here and the HTML formatter uses them too, so
both formats say the same thing in the same words (docs/reports.md lists the sections).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kubemedic._internal.quantities import format_cpu, format_memory
from kubemedic._internal.timeutils import format_time
from kubemedic.models.health import PHASES, Capacity, HealthReport, Trend

TITLES = {
    "status": "Overall status",
    "trend": "Since the last report",
    "pods": "Pods by phase and namespace",
    "restarts": "Restart hot spots",
    "nodes": "Node health",
    "workloads": "Workload availability",
    "services": "Latency and error rate per service",
    "capacity": "Capacity headroom",
    "findings": "Diagnosis findings",
    "right_sizing": "Right-sizing opportunities",
    "security": "Security audit",
    "recommendations": "Recommendations",
    "notes": "Notes",
}
"""Every section of the report, in order."""


def title(report: HealthReport) -> str:
    return f"Cluster health report — {format_time(report.generated_at)}"


def headline(report: HealthReport) -> str:
    """``Score 82/100 (B, healthy), 3 better than the last report``."""
    s = report.score
    return f"Score {s.value}/100 (grade {s.grade}, {s.status}); {change(report.trend)}"


def change(trend: Trend) -> str:
    if trend.previous is None or trend.score_change is None:
        return "the first recorded report of this scope"
    since = f"the last report ({format_time(trend.previous.at)}, {trend.previous.score}/100)"
    if trend.score_change == 0:
        return f"unchanged since {since}"
    return f"{abs(trend.score_change)} points {trend.direction} than {since}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f} ms"


def cpu(value: float | None) -> str:
    return "—" if value is None else format_cpu(value)


def memory(value: float | None) -> str:
    return "—" if value is None else format_memory(value)


def capacity_row(name: str, c: Capacity) -> list[str]:
    show = cpu if name == "cpu" else memory
    return [
        name,
        show(c.allocatable),
        f"{show(c.requested)} ({percent(c.requested_share)})",
        f"{show(c.used)} ({percent(c.used_share)})",
        show(c.headroom),
    ]


def rows(report: HealthReport) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every tabular section as (header, rows): the same cells in Markdown and HTML."""
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    tables["pods"] = (
        ["namespace", *PHASES, "not ready", "total"],
        [
            [n.namespace, *(str(n.count(p)) for p in PHASES), str(n.not_ready), str(n.total)]
            for n in report.pods
        ],
    )
    tables["restarts"] = (
        ["pod", "container", "restarts", "last stopped", "waiting"],
        [
            [str(r.pod), r.container, str(r.restarts), r.last_reason or "—", r.waiting or "—"]
            for r in report.restarts
        ],
    )
    tables["nodes"] = (
        [
            "node",
            "ready",
            "problems",
            "pods",
            "cpu alloc / req / used",
            "memory alloc / req / used",
        ],
        [
            [
                n.name,
                "yes" if n.ready else "NO",
                ", ".join(n.problems) or "none",
                str(n.pods),
                f"{cpu(n.cpu.allocatable)} / {cpu(n.cpu.requested)} / {cpu(n.cpu.used)}",
                f"{memory(n.memory.allocatable)} / {memory(n.memory.requested)} / "
                f"{memory(n.memory.used)}",
            ]
            for n in report.nodes
        ],
    )
    tables["workloads"] = (
        ["workload", "available / desired", "state"],
        [
            [
                str(w.workload),
                f"{w.available}/{w.desired}",
                "ok" if w.available_fully else "DEGRADED",
            ]
            for w in report.workloads
        ],
    )
    tables["services"] = (
        ["service", "req/s", "5xx", "p50", "p95", "p99"],
        [
            [
                f"{s.namespace}/{s.service}",
                f"{s.requests_per_second:.2f}",
                percent(s.error_ratio),
                seconds(s.p50),
                seconds(s.p95),
                seconds(s.p99),
            ]
            for s in report.services or ()
        ],
    )
    tables["capacity"] = (
        ["resource", "allocatable", "requested", "used now", "headroom"],
        [capacity_row("cpu", report.cpu), capacity_row("memory", report.memory)],
    )
    tables["findings"] = (
        ["severity", "id", "object", "summary"],
        [[f.severity.value, f.id, str(f.object), f.summary] for f in report.findings],
    )
    tables["right_sizing"] = (
        ["workload", "change", "saves a month"],
        [
            [str(o.workload), o.change, f"${o.monthly_savings:,.2f}"]
            for o in report.opportunities or ()
        ],
    )
    tables["recommendations"] = (
        ["severity", "what", "command"],
        [[r.severity.value, r.text, r.command] for r in report.recommendations],
    )
    return tables


EMPTY = {
    "pods": "No pods in scope.",
    "restarts": "No container restarted.",
    "nodes": "No nodes were read.",
    "workloads": "No Deployments, StatefulSets or DaemonSets in scope.",
    "services": "No service answered with traffic.",
    "findings": "The diagnosis found no problem.",
    "right_sizing": "No workload needs different requests.",
    "recommendations": "Nothing to do.",
}


def security_lines(report: HealthReport) -> list[str]:
    sec = report.security
    counts = sec.get("counts") or {}
    listed = ", ".join(f"{count} {severity}" for severity, count in counts.items())
    return [
        f"Score {sec.get('score')}/100 (grade {sec.get('grade')}) over {sec.get('objects')} "
        f"audited objects, {sec.get('objects_with_findings')} with findings: {listed or 'none'}.",
        "Details: `kubemedic audit security`.",
    ]


def trend_lines(trend: Trend) -> list[str]:
    lines = [f"{name}: {before:g} → {now:g}" for name, before, now in trend.figure_changes]
    lines += [f"appeared: {key}" for key in trend.appeared]
    lines += [f"disappeared: {key}" for key in trend.disappeared]
    return lines


def render(report: HealthReport, *, with_title: bool = True) -> str:
    """The whole report; ``with_title`` False leaves out the first heading (records have one)."""
    out: list[str] = []
    if with_title:
        out += [f"# {title(report)}", ""]
    scope = ", ".join(report.namespaces)
    out += [
        f"Source: {report.source}; namespaces: {scope}; kubemedic {report.kubemedic_version}.",
        "",
    ]
    out += [f"## {TITLES['status']}", "", f"**{headline(report)}**", ""]
    out += _table(["section", "score"], [[name, str(v)] for name, v in report.score.parts])
    out += [f"## {TITLES['trend']}", ""]
    out += _bullets(trend_lines(report.trend), "No change in the key figures or the findings.")
    tables = rows(report)
    for key in ("pods", "restarts", "nodes", "workloads", "services", "capacity", "findings"):
        out += [f"## {TITLES[key]}", ""]
        if key == "services" and report.services is None:
            out += ["Not measured: no Prometheus answered (see the notes).", ""]
            continue
        header, body = tables[key]
        out += _table(header, body) if body else [EMPTY[key], ""]
    out += [f"## {TITLES['right_sizing']}", ""]
    if report.opportunities is None:
        out += ["Not judged: no usage history (see the notes).", ""]
    else:
        header, body = tables["right_sizing"]
        out += _table(header, body) if body else [EMPTY["right_sizing"], ""]
    out += [f"## {TITLES['security']}", "", *security_lines(report), ""]
    out += [f"## {TITLES['recommendations']}", ""]
    header, body = tables["recommendations"]
    out += (
        _table(header, [[s, w, f"`{c}`"] for s, w, c in body])
        if body
        else [EMPTY["recommendations"], ""]
    )
    if report.notes:
        out += [f"## {TITLES['notes']}", "", *_bullets(report.notes, "")]
    return "\n".join(out).rstrip() + "\n"


def _bullets(items: Iterable[str], empty: str) -> list[str]:
    listed = [f"- {_inline(item)}" for item in items]
    return [*(listed or [empty]), ""]


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in body]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline(text: str) -> str:
    return text.replace("\n", " ")
