"""The health report as one self-contained HTML page: inline CSS, inline SVG charts, no
external asset, every piece of text escaped. It reads well in a browser and can be mailed.

Charts: the score over the last eight weeks (from the recorded reports), pods by phase per
namespace, and each node's requested and used share of CPU and memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kubemedic._internal.timeutils import format_time
from kubemedic.formatters.health_markdown import (
    EMPTY,
    TITLES,
    headline,
    rows,
    security_lines,
    title,
    trend_lines,
)
from kubemedic.models.health import PHASES, HealthReport

PHASE_COLOURS = {
    "Running": "#2e7d32",
    "Pending": "#f9a825",
    "Succeeded": "#90a4ae",
    "Failed": "#c62828",
    "Unknown": "#6a1b9a",
}
STATUS_COLOURS = {"healthy": "#2e7d32", "degraded": "#f9a825", "critical": "#c62828"}
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1f2933;background:#fff;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #d9e2ec;padding-bottom:.3rem}
.meta{color:#52606d;font-size:.9rem}.score{display:flex;gap:1.5rem;align-items:center;
padding:1rem;border-radius:8px;background:#f5f7fa}.big{font-size:3rem;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #d9e2ec;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}code{background:#f0f4f8;padding:0 .2rem;border-radius:3px}
.sev-critical{color:#b71c1c;font-weight:700}.sev-high{color:#c62828}
.sev-medium{color:#e65100}.sev-low{color:#52606d}svg{max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
"""


def render(report: HealthReport) -> str:
    """The whole page."""
    tables = rows(report)
    colour = STATUS_COLOURS[report.score.status]
    body = [
        f"<h1>{escape(title(report))}</h1>",
        f'<p class="meta">Source: {escape(report.source)}; namespaces: '
        f"{escape(', '.join(report.namespaces))}; kubemedic "
        f"{escape(report.kubemedic_version)}</p>",
        f'<section id="status"><h2>{TITLES["status"]}</h2><div class="score">'
        f'<div class="big" style="color:{colour}">{report.score.value}</div>'
        f"<div><strong>{escape(headline(report))}</strong>"
        + _table(["section", "score"], [[n, str(v)] for n, v in report.score.parts])
        + "</div></div></section>",
        _section(
            "trend",
            _list(trend_lines(report.trend), "No change in the key figures or the findings.")
            + score_chart(report),
        ),
        _section("pods", pods_chart(report) + _tabled(tables, "pods")),
        _section("restarts", _tabled(tables, "restarts")),
        _section("nodes", nodes_chart(report) + _tabled(tables, "nodes")),
        _section("workloads", _tabled(tables, "workloads")),
        _section(
            "services",
            "<p>Not measured: no Prometheus answered (see the notes).</p>"
            if report.services is None
            else _tabled(tables, "services"),
        ),
        _section("capacity", _tabled(tables, "capacity")),
        _section("findings", _tabled(tables, "findings", severity_column=0)),
        _section(
            "right_sizing",
            "<p>Not judged: no usage history (see the notes).</p>"
            if report.opportunities is None
            else _tabled(tables, "right_sizing"),
        ),
        _section("security", "".join(f"<p>{_code(line)}</p>" for line in security_lines(report))),
        _section(
            "recommendations", _tabled(tables, "recommendations", severity_column=0, code_column=2)
        ),
    ]
    if report.notes:
        body.append(_section("notes", _list(report.notes, "")))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title(report))}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _section(key: str, inner: str) -> str:
    return f'<section id="{key}"><h2>{escape(TITLES[key])}</h2>{inner}</section>'


def _tabled(
    tables: dict[str, tuple[list[str], list[list[str]]]],
    key: str,
    *,
    severity_column: int | None = None,
    code_column: int | None = None,
) -> str:
    header, body = tables[key]
    if not body:
        return f"<p>{escape(EMPTY[key])}</p>"
    return _table(header, body, severity_column=severity_column, code_column=code_column)


def _table(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    *,
    severity_column: int | None = None,
    code_column: int | None = None,
) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = []
    for row in body:
        cells = []
        for index, cell in enumerate(row):
            text = escape(cell)
            if index == code_column:
                text = f"<code>{text}</code>"
            css = f' class="sev-{escape(cell)}"' if index == severity_column else ""
            cells.append(f"<td{css}>{text}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _list(items: Sequence[str], empty: str) -> str:
    if not items:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _code(text: str) -> str:
    """Escape, then show `spans` as code."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def score_chart(report: HealthReport) -> str:
    """The score of each recorded report of the last 8 weeks and of this one, as a line."""
    points = report.trend.history
    width, height, pad = 640, 200, 36
    span = max((points[-1][0] - points[0][0]).total_seconds(), 1.0)

    def xy(index: int) -> tuple[float, float]:
        at, value = points[index]
        x = pad + (width - 2 * pad) * (
            (at - points[0][0]).total_seconds() / span if len(points) > 1 else 0.5
        )
        return x, height - pad - (height - 2 * pad) * value / 100

    def level(value: float) -> float:
        return height - pad - (height - 2 * pad) * value / 100

    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{level(v):.1f}" y2="{level(v):.1f}" '
        f'stroke="#d9e2ec"/><text x="4" y="{level(v) + 4:.1f}" font-size="11">{v}</text>'
        for v in (0, 50, 100)
    )
    coords = [xy(i) for i in range(len(points))]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1565c0">'
        f"<title>{escape(format_time(points[i][0]))}: {points[i][1]}</title></circle>"
        f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="11" text-anchor="middle">'
        f"{points[i][1]}</text>"
        for i, (x, y) in enumerate(coords)
    )
    return (
        f'<svg class="chart" id="score-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Health score, last 8 weeks">'
        f'<text x="{pad}" y="16" font-size="13">Score, last 8 weeks</text>{grid}'
        f'<polyline points="{line}" fill="none" stroke="#1565c0" stroke-width="2"/>{dots}</svg>'
    )


def pods_chart(report: HealthReport) -> str:
    """One horizontal bar per namespace, stacked by phase."""
    if not report.pods:
        return ""
    bar, gap, label, width = 22, 8, 160, 640
    most = max(n.total for n in report.pods) or 1
    height = 30 + len(report.pods) * (bar + gap) + 24
    shapes = []
    for row, ns in enumerate(report.pods):
        y = 24 + row * (bar + gap)
        shapes.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(ns.namespace)}</text>')
        x = float(label)
        for phase in PHASES:
            count = ns.count(phase)
            if not count:
                continue
            w = (width - label - 40) * count / most
            shapes.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                f'fill="{PHASE_COLOURS[phase]}"><title>{escape(ns.namespace)}: {count} {phase}'
                "</title></rect>"
            )
            x += w
        shapes.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="12">{ns.total}</text>')
    legend = "".join(
        f'<rect x="{label + i * 95}" y="{height - 16}" width="10" height="10" fill="{c}"/>'
        f'<text x="{label + i * 95 + 14}" y="{height - 7}" font-size="11">{p}</text>'
        for i, (p, c) in enumerate(PHASE_COLOURS.items())
    )
    return (
        f'<svg class="chart" id="pods-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Pods by phase and namespace">'
        f'<text x="0" y="14" font-size="13">Pods by phase</text>{"".join(shapes)}{legend}</svg>'
    )


def nodes_chart(report: HealthReport) -> str:
    """Per node: CPU and memory requested (solid) and used (outline) as shares of allocatable."""
    if not report.nodes:
        return ""
    bar, label, width = 14, 200, 640
    scale = width - label - 60
    height = 24 + len(report.nodes) * 2 * (bar + 6) + 10
    shapes = []
    y = 24
    for node in report.nodes:
        for name, figures in (("cpu", node.cpu), ("memory", node.memory)):
            shapes.append(
                f'<text x="0" y="{y + 11}" font-size="11">{escape(node.name)} {name}</text>'
            )
            shapes.append(
                f'<rect x="{label}" y="{y}" width="{scale}" height="{bar}" fill="#f0f4f8"/>'
            )
            requested = min(figures.requested_share or 0.0, 1.5)
            shapes.append(
                f'<rect x="{label}" y="{y}" width="{scale * requested / 1.5:.1f}" height="{bar}" '
                f'fill="#64b5f6"><title>requested {requested:.0%}</title></rect>'
            )
            used = figures.used_share
            if used is not None:
                shapes.append(
                    f'<rect x="{label}" y="{y + 3}" width="{scale * min(used, 1.5) / 1.5:.1f}" '
                    f'height="{bar - 6}" fill="#0d47a1"><title>used {used:.0%}</title></rect>'
                )
            shapes.append(
                f'<text x="{label + scale + 4}" y="{y + 11}" font-size="11">{requested:.0%}</text>'
            )
            y += bar + 6
    full = label + scale / 1.5
    return (
        f'<svg class="chart" id="nodes-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Node requests and usage">'
        '<text x="0" y="14" font-size="13">Requested (light) and used (dark) share of '
        "allocatable</text>"
        f'{"".join(shapes)}<line x1="{full:.1f}" x2="{full:.1f}" y1="20" y2="{height}" '
        f'stroke="#c62828" stroke-dasharray="4 3"/></svg>'
    )
