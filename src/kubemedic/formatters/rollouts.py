"""The rollout guard's output: a one-line live view, JSON lines for pipelines, and the result.

A person watching a terminal reads one line redrawn in place (old vs new replicas, the traffic
figures, what is left of the window); a log or a pipeline gets a line only when something a
person would notice changed, or one JSON object per look and per message with ``-o json``.
"""

from __future__ import annotations

from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.rollouts.judging import MetricCheck
from kubemedic.rollouts.outcome import GuardResult, GuardView, Outcome

_STATUS_WORDS = {
    "pass": "ok",
    "fail": "FAILING",
    "no-data": "no data",
    "too-little-traffic": "too little traffic",
    "unavailable": "Prometheus down",
    "off": "pod signals only",
}


def view_line(view: GuardView) -> str:
    """``judging deployment/web -n shop rev 4: new 1/4 (0 available), old 4 | ...``"""
    p = view.progress
    parts = [
        f"{view.phase.value} {view.deployment}"
        + (
            f" rev {p.revision}: new {p.new_pods}/{p.desired} ({p.new_available} available), "
            f"old {p.old_pods}"
            if p.template_hash
            else ""
        ),
        _figures(view.check),
    ]
    if view.in_a_row:
        parts.append(f"{view.in_a_row} failed round(s) in a row")
    if view.window_left is not None:
        parts.append(f"window: {human_duration(view.window_left)} left")
    return " | ".join(parts)


def _figures(check: MetricCheck) -> str:
    words = [_STATUS_WORDS[check.status.value]]
    if check.error_rate is not None:
        words.append(f"errors {check.error_rate:.1%} of {check.requests:.0f}")
    elif check.requests is not None:
        words.append(f"{check.requests:.0f} requests")
    if check.p95 is not None:
        old = f" (old {check.baseline_p95 * 1000:.0f} ms)" if check.baseline_p95 is not None else ""
        words.append(f"p95 {check.p95 * 1000:.0f} ms{old}")
    return ", ".join(words)


def view_changed(before: GuardView | None, now: GuardView) -> bool:
    """Whether a person reading a log would want a new line: anything but the clock moved."""
    if before is None:
        return True
    return _shown(before) != _shown(now)


def _shown(view: GuardView) -> tuple[object, ...]:
    return (view.phase, view.progress, view.check.status, view.in_a_row, view.window_left is None)


def view_json(view: GuardView) -> str:
    p, check = view.progress, view.check
    return _line(
        {
            "type": "view",
            "at": format_time(view.at),
            "phase": view.phase.value,
            "deployment": view.deployment,
            "revision": p.revision,
            "desired": p.desired,
            "new": {"pods": p.new_pods, "available": p.new_available, "asked": p.new_replicas},
            "old": {"pods": p.old_pods},
            "paused": p.paused,
            "traffic": {
                "status": check.status.value,
                "detail": check.detail,
                "error_rate": check.error_rate,
                "requests": check.requests,
                "p95_seconds": check.p95,
                "baseline_p95_seconds": check.baseline_p95,
            },
            "failed_rounds_in_a_row": view.in_a_row,
            "window_left_seconds": view.window_left,
        }
    )


def message_json(text: str) -> str:
    return _line({"type": "message", "text": text})


def result_json(result: GuardResult) -> str:
    return _line(
        {
            "type": "result",
            "outcome": result.outcome.value,
            "summary": result.summary,
            "revision": result.revision,
            "evidence": list(result.evidence),
            "halt": result.halt,
            "halted_with": result.halted_with or None,
            "hold": result.hold,
            "started_by": result.started_by,
            "helm": result.helm.to_data() if result.helm else None,
            "helm_rollback": result.helm_rollback,
            "helm_rolled_back": result.helm_rolled_back,
            "warnings": list(result.warnings),
        }
    )


def result_text(result: GuardResult, deployment: str) -> str:
    """The result a person reads: what happened, why, which records, what to do next."""
    lines = [result.summary]
    if result.evidence:
        lines.append("evidence:")
        lines += [f"  - {line}" for line in result.evidence]
    halted = "proposed as" if result.outcome is Outcome.PROPOSED else "halted by"
    if result.halt and result.halt == result.hold:
        halted, held = "held and halted by", None
    else:
        held = result.hold
    records = (("started by", result.started_by), ("held by", held), (halted, result.halt))
    lines += [f"{label}: {record_id}" for label, record_id in records if record_id]
    if result.helm is not None:
        revision = f" revision {result.helm.revision}" if result.helm.revision else ""
        lines.append(f"helm: release {result.helm.name}{revision} (-n {result.helm.namespace})")
    if result.helm_rollback:
        done = "executed" if result.helm_rolled_back else "proposed"
        lines.append(f"helm rollback {done} as: {result.helm_rollback}")
    lines += [f"warning: {warning}" for warning in result.warnings]
    hint = _next(result, deployment)
    if hint:
        lines.append(f"next: {hint}")
    return "\n".join(lines)


def _next(result: GuardResult, deployment: str) -> str:
    if result.outcome is Outcome.PROPOSED and result.halt:
        return f"kubemedic approve {result.halt}, then kubemedic execute {result.halt}"
    if result.outcome is not Outcome.HALTED:
        return ""
    if result.helm_rollback and result.helm_rolled_back:
        return "the previous revision runs again: fix the chart, then helm upgrade again"
    if result.helm_rollback:
        op = result.helm_rollback
        return f"roll it back through Helm: kubemedic approve {op}, then kubemedic execute {op}"
    helm = f"; through Helm: {result.helm.rollback_command}" if result.helm else ""
    if result.halted_with == "undo":
        return f"the previous template runs again: fix the release, then roll it out again{helm}"
    return (
        f"undo it: kubemedic propose undo {deployment}{helm}; or, once a fixed template is "
        f"set, resume it: kubemedic propose resume {deployment}"
    )


def _line(data: dict[str, Any]) -> str:
    return orjson.dumps(data).decode()
