"""The terminal view: findings grouped by severity, each with its evidence and its fix.

Built from rich ``Text`` objects (never markup strings) because Kubernetes field paths such as
``containerStatuses[app]`` would otherwise be read as style tags. The label/value layout with
hanging indents is done here with ``Text.wrap`` rather than rich tables, which measure every
cell and take seconds for the hundreds of findings of a large cluster. Colour follows the
console: rich turns it off for NO_COLOR and for output that is not a terminal, and severity
badges then switch to a bracketed form that still reads well in a log file.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kubemedic._internal.timeutils import format_time
from kubemedic.formatters.report import Report, pods_text
from kubemedic.models.findings import Finding, Remediation
from kubemedic.models.severity import Severity

_COLOR = {
    Severity.CRITICAL: "red",
    Severity.HIGH: "dark_orange",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "grey70",
}
_LABEL = "bold"
_DIM = "dim"
_INDENT = 2
_LABEL_WIDTH = 10
_MIN_WRAP = 20


def write(report: Report, out: TextIO) -> None:
    out.write(render(report, Console(file=out)))


def render(report: Report, console: Console) -> str:
    """The whole report as ``console`` would show it (width, colour), as one string."""
    with console.capture() as captured:
        _print(report, console)
    return captured.get()


def _print(report: Report, console: Console) -> None:
    plain = console.no_color or console.color_system is None
    _print_lines(console, _header(report, _Lines(console, indent=0)))
    if not report.findings:
        console.print(Text("\nNo problems found.", style="bold green"))
    for severity, findings in report.by_severity():
        noun = "finding" if len(findings) == 1 else "findings"
        console.print()
        title = Text(f"{severity.value.upper()} · {len(findings)} {noun}")
        console.print(Rule(title, style=_COLOR[severity]))
        for finding in findings:
            console.print()
            _print_lines(console, _finding(finding, _Lines(console), plain))
    if report.analyzer_errors:
        lines = _Lines(console, indent=0)
        lines.line(Text("Analyzer errors (their findings are missing):", style="bold red"))
        for error in report.analyzer_errors:
            lines.hang(Text("• "), Text.assemble((error.analyzer, _LABEL), f": {error.error}"))
        console.print()
        _print_lines(console, lines)


class _Lines:
    """Lines of one block, wrapped here so continuation lines keep their indentation."""

    def __init__(self, console: Console, *, indent: int = _INDENT) -> None:
        self.console = console
        self.indent = indent
        self.value_column = indent + _LABEL_WIDTH + 1
        self.lines: list[Text] = []

    def line(self, text: Text) -> None:
        """A line printed as it is, never wrapped (commands stay copyable)."""
        self.lines.append(text)

    def hang(self, first: Text, body: Text, *, column: int | None = None) -> None:
        """``first`` then ``body``; wrapped lines of ``body`` start at ``column``."""
        column = len(first) if column is None else column
        wrapped = body.wrap(self.console, max(self.console.width - column, _MIN_WRAP))
        for number, part in enumerate(wrapped):
            part.rstrip()
            self.lines.append(Text.assemble(first if number == 0 else " " * column, part))

    def field(self, label: str, body: Text, *, marker: str = "") -> None:
        """``  Label      value`` with the value's wrapped lines under the value column."""
        first = Text.assemble(" " * self.indent, (label.ljust(_LABEL_WIDTH), _LABEL), " ", marker)
        self.hang(first, body)

    def item(self, marker: str, body: Text) -> None:
        """A bullet or numbered item under the value column."""
        self.hang(Text(" " * self.value_column + marker), body)


def _print_lines(console: Console, lines: _Lines) -> None:
    console.print(Text("\n").join(lines.lines), soft_wrap=True)


def _badge(severity: Severity, plain: bool) -> Text:
    name = severity.value.upper()
    ink = "white" if severity is Severity.CRITICAL else "black"
    return Text(f"[{name}]" if plain else f" {name} ", style=f"bold {ink} on {_COLOR[severity]}")


def _header(report: Report, lines: _Lines) -> _Lines:
    scope = report.scope
    scanned = f"{scope.source} ({scope.namespaces_text}), observed {format_time(scope.observed_at)}"
    if scope.target:
        scanned = f"{scope.target} in {scanned}"
    counts = Text(" · ").join(
        Text(f"{count} {severity.value}", style=f"bold {_COLOR[severity]}" if count else _DIM)
        for severity, count in report.counts().items()
    )
    lines.line(Text(f"kubemedic {report.kubemedic_version} diagnosis", style="bold"))
    lines.field("Scanned", Text(scanned))
    lines.field("Objects", Text(scope.objects_text))
    lines.field("Analyzers", Text(f"{len(scope.analyzers)} run"))
    lines.field("Findings", counts)
    return lines


def _finding(finding: Finding, lines: _Lines, plain: bool) -> _Lines:
    lines.line(
        Text.assemble(
            _badge(finding.severity, plain),
            " ",
            (finding.id, "bold"),
            "  ",
            (finding.category.value, "magenta"),
            "  ",
            (str(finding.object), "bold cyan"),
        )
    )
    lines.field("Summary", Text(finding.summary))
    if finding.affected:
        lines.field("Pods", Text(pods_text(finding)))
    if finding.first_seen:
        last = format_time(finding.last_seen) if finding.last_seen else "?"
        lines.field("Seen", Text(f"{format_time(finding.first_seen)} → {last}"))
    lines.field("Root cause", Text(finding.root_cause))
    for number, evidence in enumerate(finding.evidence):
        where = Text(f"{evidence.source.value}: {evidence.location}", style=_DIM)
        body = Text.assemble(evidence.fact, "\n", where)
        if number == 0:
            lines.field("Evidence", body, marker="• ")
        else:
            lines.item("• ", body)
    _fix(finding.remediation, lines)
    lines.field("Runbook", Text(finding.runbook, style="underline"))
    return lines


def _fix(fix: Remediation, lines: _Lines) -> None:
    reversible = "reversible" if fix.reversible else "NOT reversible"
    lines.field("Fix", Text(fix.summary))
    lines.item("", Text(f"risk {fix.risk.value} · {reversible}", style=_DIM))
    lines.item("", Text.assemble(("Expected: ", _DIM), fix.expected_outcome))
    for number, step in enumerate(fix.steps, start=1):
        lines.item(f"{number}. ", Text(step))
    margin = " " * lines.value_column
    for command in fix.commands:
        lines.line(Text.assemble(margin, (f"$ {command}", "bold green")))
    if fix.patch:
        lines.line(Text.assemble(margin, ("Patch:", _DIM)))
        for patch_line in fix.patch.rstrip("\n").splitlines():
            lines.line(Text(f"{margin}  {patch_line}"))
