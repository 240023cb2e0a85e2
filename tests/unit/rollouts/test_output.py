"""What a person reads while the guard runs and when it ends, and what a pipeline parses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kubemedic.formatters.rollouts import (
    result_json,
    result_text,
    view_changed,
    view_json,
    view_line,
)
from kubemedic.rollouts.helm import HelmRelease
from kubemedic.rollouts.judging import MetricCheck, MetricStatus
from kubemedic.rollouts.outcome import GuardResult, GuardView, Outcome, Phase
from kubemedic.rollouts.revisions import Progress

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
HELD = Progress("b22", 3, 4, 1, 1, 0, 4, True, True)
FAILING = MetricCheck(
    MetricStatus.FAIL,
    "error rate 21.0% > 5%",
    error_rate=0.21,
    requests=200,
    p95=0.35,
    baseline_p95=0.04,
)


def _view(left: float | None = 75, check: MetricCheck = FAILING) -> GuardView:
    return GuardView(AT, Phase.HOLDING, "deployment/web -n shop", HELD, check, 1, left)


def test_the_live_line_shows_replicas_figures_and_the_window() -> None:
    assert view_line(_view()) == (
        "holding deployment/web -n shop rev 3: new 1/4 (0 available), old 4 | FAILING, "
        "errors 21.0% of 200, p95 350 ms (old 40 ms) | 1 failed round(s) in a row | "
        "window: 75s left"
    )


def test_a_log_gets_a_new_line_only_when_more_than_the_clock_moved() -> None:
    assert view_changed(None, _view())
    assert not view_changed(_view(75), _view(74))
    assert view_changed(_view(), _view(check=MetricCheck(MetricStatus.OK, "fine")))


def test_json_lines_carry_the_figures() -> None:
    data = json.loads(view_json(_view()))
    assert data["type"] == "view"
    assert data["new"] == {"pods": 1, "available": 0, "asked": 1}
    assert data["traffic"]["status"] == "fail"
    assert data["traffic"]["error_rate"] == 0.21
    assert data["window_left_seconds"] == 75


def test_a_halt_names_its_evidence_records_helm_and_the_next_step() -> None:
    result = GuardResult(
        Outcome.HALTED,
        "halted at 1/4 new replicas: error rate 21.0% > 5%",
        evidence=("error rate 21.0% > 5%", "pod web-b22-x: 42 of 200 requests failed (21.0%)"),
        revision=3,
        halt="OP-20261207-000002",
        halted_with="pause",
        hold="OP-20261207-000002",
        started_by="OP-20261207-000001",
        helm=HelmRelease("shop-web", "shop", revision=5, previous=3),
    )
    assert result_text(result, "deployment/web -n shop") == "\n".join(
        [
            "halted at 1/4 new replicas: error rate 21.0% > 5%",
            "evidence:",
            "  - error rate 21.0% > 5%",
            "  - pod web-b22-x: 42 of 200 requests failed (21.0%)",
            "started by: OP-20261207-000001",
            "held and halted by: OP-20261207-000002",
            "helm: release shop-web revision 5 (-n shop)",
            "next: undo it: kubemedic propose undo deployment/web -n shop; through Helm: "
            "helm rollback shop-web 3 -n shop; or, once a fixed template is set, resume it: "
            "kubemedic propose resume deployment/web -n shop",
        ]
    )
    data = json.loads(result_json(result))
    assert (data["outcome"], data["halted_with"], data["helm"]["previous"]) == (
        "halted",
        "pause",
        3,
    )
