"""The pure health report: score formula, trend against past reports, and outputs that escape."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from kubemedic.formatters import health_html, health_markdown
from kubemedic.models.health import FindingLine, HealthReport, PastReport
from kubemedic.models.severity import Severity
from kubemedic.reports.health import health_report
from kubemedic.reports.score import score
from kubemedic.reports.trends import trend
from kubemedic.services.diagnose import diagnose
from kubemedic.services.sources import SourceRequest, load_view

SCENARIO = Path(__file__).parents[1] / "scenarios" / "crashloop.app-error-python-missing-env"


def _report(past: tuple[PastReport, ...] = ()) -> HealthReport:
    view = load_view(SourceRequest(files=(SCENARIO,)))
    return health_report(
        view, diagnose(view).findings, {"score": 80, "grade": "B", "counts": {"high": 1}},
        now=view.observed_at, version="1.0", namespace=None, past=past,
    )  # fmt: skip


def test_an_empty_cluster_scores_100_and_findings_take_points_off() -> None:
    assert score((), (), (), (), 100, None).value == 100
    from kubemedic.models.findings import ObjectRef

    finding = FindingLine("KM-X", Severity.CRITICAL, ObjectRef("Deployment", "a", "b"), "s", "d")
    lowered = score((), (), (), (finding,), 100, None)
    assert dict(lowered.parts)["diagnosis"] == 80
    assert lowered.value == 96
    assert lowered.grade == "A"


def test_the_trend_compares_with_the_latest_earlier_report_of_the_last_eight_weeks() -> None:
    report = _report()
    now = report.generated_at
    old = PastReport("RPT-1", now - timedelta(weeks=9), 10, {}, ())
    last = PastReport(
        "RPT-2", now - timedelta(days=7), report.score.value + 5, {"pods": 99}, ("gone",)
    )
    changed = trend(
        now, report.score.value, report.key_figures(), [f.key for f in report.findings], [old, last]
    )
    assert changed.previous == last
    assert changed.direction == "worse"
    assert changed.score_change == -5
    assert changed.disappeared == ("gone",)
    assert changed.appeared == tuple(f.key for f in report.findings)
    assert [s for _, s in changed.history] == [last.score, report.score.value]
    assert ("pods", 99.0, float(report.pod_count)) in changed.figure_changes


def test_the_outputs_escape_what_the_cluster_wrote() -> None:
    report = _report()
    evil = "<script>alert(1)</script> | pipe"
    line = replace(report.findings[0], summary=evil)
    report = replace(report, findings=(line,), notes=(evil,))
    page = health_html.render(report)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert page.count("<svg") == 2  # score and pods; the scenario files hold no node
    markdown = health_markdown.render(report)
    assert "\\| pipe" in markdown
    for title in ("Overall status", "Diagnosis findings", "Recommendations"):
        assert f"## {title}" in markdown
