"""Right-sizing and scaling advice as a terminal table, JSON, YAML or Markdown.

The table is for the person at the terminal: one row per container (or workload), the figures
that decide it, the verdict and the money, then the reasons and the ready commands. JSON and
YAML carry ``to_data()`` unchanged for machines; Markdown is the same content laid out for an
architect's review (tables plus the patches and manifests in code blocks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TextIO

import orjson
import yaml

from kubemedic._internal.quantities import format_cpu, format_memory
from kubemedic.models.findings import ObjectRef
from kubemedic.models.recommendation_reports import ResourcesReport, ScalingReport
from kubemedic.models.recommendations import (
    ContainerRecommendation,
    ResourceValues,
    ScalingRecommendation,
    WorkloadRecommendation,
)


class RecommendationFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    MARKDOWN = "markdown"


Report = ResourcesReport | ScalingReport


def write(report: Report, output: RecommendationFormat, out: TextIO) -> None:
    """Write ``report`` in ``output`` format to ``out``."""
    if output is RecommendationFormat.JSON:
        out.write(orjson.dumps(report.to_data(), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output is RecommendationFormat.YAML:
        out.write(yaml.safe_dump(report.to_data(), sort_keys=False, allow_unicode=True))
    else:
        markdown = output is RecommendationFormat.MARKDOWN
        if isinstance(report, ResourcesReport):
            out.write(_resources(report, markdown))
        else:
            out.write(_scaling(report, markdown))


# ------------------------------------------------------------------------------ layout helpers


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
        return lines
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    return [line(header).rstrip()] + [line(row).rstrip() for row in rows]


def _heading(text: str, markdown: bool, level: int = 2) -> list[str]:
    if markdown:
        return ["", "#" * level + " " + text, ""]
    return ["", text, "-" * len(text)]


def _code(text: str, markdown: bool, language: str = "") -> list[str]:
    if markdown:
        return [f"```{language}", text.rstrip("\n"), "```"]
    return ["  " + line for line in text.rstrip("\n").splitlines()]


def _money(amount: float) -> str:
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _change(before: float | None, after: float | None, shown: Callable[[float], str]) -> str:
    old = "unset" if before is None else shown(before)
    if after is None or (before is not None and shown(before) == shown(after)):
        return old
    return f"{old} → {shown(after)}"


def _names(ref: ObjectRef) -> list[str]:
    return [ref.namespace, f"{ref.kind.lower()}/{ref.name}"]


def _window(report: Report) -> str:
    return f"{report.window.days:g} days of usage from {report.source}, {report.scope.describe()}"


# ------------------------------------------------------------------------------------ resources


def _resources(report: ResourcesReport, markdown: bool) -> str:
    lines = (
        ["# Right-sizing recommendations", "", _window(report)]
        if markdown
        else [f"Right-sizing: {_window(report)}"]
    )
    if not report.workloads:
        return "\n".join([*lines, "", "No workloads in scope."]) + "\n"
    header = (
        "NAMESPACE",
        "WORKLOAD",
        "CONTAINER",
        "CPU P95",
        "CPU REQUEST",
        "MEM P95/MAX",
        "MEM REQUEST",
        "MEM LIMIT",
        "VERDICT",
        "$/MONTH",
    )
    rows = [_resource_row(w, c) for w in report.workloads for c in w.containers]
    lines += ["", *_table(header, rows, markdown)]
    total = report.savings
    lines += ["", f"Total: {total.describe()} across {len(report.workloads)} workloads."]
    lines += _resource_details(report.workloads, markdown)
    return "\n".join(lines) + "\n"


def _resource_row(workload: WorkloadRecommendation, item: ContainerRecommendation) -> list[str]:
    usage, now, new = item.usage, item.current, item.recommended
    cpu_p95 = format_cpu(usage.cpu.p95) if usage else "-"
    memory = (
        f"{format_memory(usage.memory.p95)}/{format_memory(usage.memory.max)}" if usage else "-"
    )
    shown_new = new if item.changes and new is not None else ResourceValues()
    savings = item.savings.monthly if item.savings and item.changes else 0.0
    return [
        *_names(workload.workload),
        item.container,
        cpu_p95,
        _change(now.cpu_request, shown_new.cpu_request, format_cpu),
        memory,
        _change(now.memory_request, shown_new.memory_request, format_memory),
        _change(now.memory_limit, shown_new.memory_limit, format_memory),
        item.verdict.value,
        _money(savings) if item.changes else "",
    ]


def _resource_details(workloads: Sequence[WorkloadRecommendation], markdown: bool) -> list[str]:
    lines: list[str] = []
    for workload in workloads:
        said = [
            f"{c.container}: {reason}"
            for c in workload.containers
            if c.changes or c.verdict.value in ("insufficient-history", "no-data")
            for reason in c.reasons
        ]
        said += [*workload.hpa_effects, *workload.notes]
        if not said and workload.patch is None:
            continue
        lines += _heading(str(workload.workload), markdown, 3)
        lines += [f"- {text}" for text in said]
        if workload.patch is not None:
            lines += ["", "Apply (or propose it with --propose):", ""]
            lines += _code(workload.patch.command, markdown, "sh")
            if markdown:
                lines += ["", "Strategic-merge patch:", ""]
                lines += _code(workload.patch.yaml, markdown, "yaml")
    return lines


# -------------------------------------------------------------------------------------- scaling


def _scaling(report: ScalingReport, markdown: bool) -> str:
    lines = (
        ["# Scaling recommendations", "", _window(report)]
        if markdown
        else [f"Scaling: recent load and {_window(report)}"]
    )
    if not report.workloads:
        return "\n".join([*lines, "", "No scalable workloads in scope."]) + "\n"
    header = (
        "NAMESPACE",
        "WORKLOAD",
        "REPLICAS",
        "CPU/REQUEST",
        "LOAD",
        "HPA",
        "FITS",
        "COST/MONTH",
    )
    rows = [_scaling_row(w) for w in report.workloads]
    lines += ["", *_table(header, rows, markdown)]
    hot = report.hot
    if not hot:
        lines += ["", "No workload is at or near the threshold: no autoscaler recommended."]
    for item in hot:
        lines += _scaling_details(item, markdown)
    return "\n".join(lines) + "\n"


def _utilization(item: ScalingRecommendation) -> str:
    load = item.load
    if load.median is None:
        return "-"
    return f"{load.lowest:.0%}–{load.highest:.0%} (median {load.median:.0%})"


def _scaling_row(item: ScalingRecommendation) -> list[str]:
    hpa = item.hpa
    shown = f"{hpa.action.value} {hpa.min_replicas}-{hpa.max_replicas}" if hpa else "-"
    fits = "-"
    if item.capacity is not None:
        fits = "yes" if item.capacity.fits else f"{item.capacity.placed}/{item.capacity.needed}"
    cost = "-"
    if item.cost is not None:
        cost = f"{_money(item.cost.best_monthly)}–{_money(item.cost.worst_monthly)}"
    return [
        *_names(item.workload),
        str(item.replicas),
        _utilization(item),
        item.load.verdict.value,
        shown,
        fits,
        cost,
    ]


def _scaling_details(item: ScalingRecommendation, markdown: bool) -> list[str]:
    lines = _heading(str(item.workload), markdown, 3)
    lines += [f"- {item.load.detail}", *(f"- {reason}" for reason in item.reasons if reason)]
    if item.capacity is not None:
        lines.append(f"- capacity: {item.capacity.summary}")
    if item.cost is not None:
        lines.append(
            f"- cost: {_money(item.cost.best_monthly)}/month at minReplicas, "
            f"{_money(item.cost.worst_monthly)}/month at maxReplicas "
            f"({_money(item.cost.per_replica_monthly)} per extra replica)"
        )
    hpa = item.hpa
    if hpa is not None:
        lines += ["", "Autoscaler (apply with kubectl apply -f -, or --propose):", ""]
        lines += _code(hpa.yaml, markdown, "yaml")
        if hpa.command:
            lines += ["", *_code(hpa.command, markdown, "sh")]
    return lines
