"""Before and after a change: the workload's figures and the checks' results, stage by stage.

Execution records the workload's figures just before the write (``execution-started``: pods,
ready, restarts, CPU and memory when metrics are served); each validation stage records them
again with every check's result. This module lines them up in columns (before, 1 min, 5 min,
1 h ...) so an approver sees what the change did, and says "not measured" where a figure or a
stage is missing rather than leaving a blank that could be read as zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.governance.lifecycle import Event
from kubemedic.models.operation_record import OperationRecord

NOT_MEASURED = "not measured"
FIGURES = (("pods", "Pods"), ("ready", "Ready pods"), ("restarts", "Restarts"))
USAGE = (("cpu", "CPU used"), ("memory", "Memory used"))
RESULTS = {True: "pass", False: "FAIL", None: "n/a"}


@dataclass(frozen=True, slots=True)
class Stage:
    label: str
    """When it runs: "1 min after"."""
    verdict: str
    """passed, FAILED or not run yet."""


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    before: str
    stages: tuple[str, ...]
    verdict: str
    ok: bool | None
    """How the verdict reads: True good, False bad, None neutral."""


@dataclass(frozen=True, slots=True)
class Measurements:
    stages: tuple[Stage, ...]
    figures: tuple[Row, ...]
    checks: tuple[Row, ...]
    executed: bool
    """Figures were taken before a write (none before execution)."""


def measurements(op: OperationRecord, default_delays: Sequence[float]) -> Measurements:
    """The pre/post figures and check results of ``op``; stages from its validation delays."""
    delays = op.validation_delays or tuple(default_delays)
    started = op.record.last(Event.START.value)
    pre: Mapping[str, Any] = (started.data.get("pre") or {}) if started else {}
    runs = op.record.events(Event.VALIDATION_OK.value, Event.VALIDATION_BAD.value)
    ran = {int(s.data["stage"]): s for s in runs if s.data.get("stage")}
    stages: list[Stage] = []
    posts: list[Mapping[str, Any] | None] = []
    results: list[Mapping[str, Mapping[str, Any]]] = []
    for number in range(1, max(len(delays), max(ran, default=0)) + 1):
        when = _after(delays[number - 1]) if number <= len(delays) else f"stage {number}"
        run = ran.get(number)
        if run is None:
            stages.append(Stage(f"{when} after", "not run yet"))
            posts.append(None)
            results.append({})
            continue
        passed = run.event == Event.VALIDATION_OK.value
        stages.append(Stage(f"{when} after", "passed" if passed else "FAILED"))
        posts.append(run.data.get("post") or {})
        results.append({str(c.get("check")): c for c in run.data.get("checks") or ()})
    taken = [pre, *(post for post in posts if post is not None)]
    usage = tuple(each for each in USAGE if any(each[0] in figures for figures in taken))
    figures = tuple(
        _figure(label, pre.get(key), [None if post is None else post.get(key) for post in posts])
        for key, label in FIGURES + usage
    )
    checks = tuple(_check(name, results) for name in op.checks)
    return Measurements(tuple(stages), figures, checks, executed=started is not None)


def _after(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _text(value: object) -> str:
    return NOT_MEASURED if value is None else str(value)


def _figure(label: str, before: object, after: Sequence[object]) -> Row:
    measured = [value for value in after if value is not None]
    verdict, ok = "", None
    if isinstance(before, int) and measured and isinstance(measured[-1], int):
        change = measured[-1] - before
        verdict = "unchanged" if change == 0 else f"{change:+d}"
        if change and label != "Pods":
            ok = (change > 0) == (label == "Ready pods")
    return Row(label, _text(before), tuple(_text(value) for value in after), verdict, ok)


def _check(name: str, results: Sequence[Mapping[str, Mapping[str, Any]]]) -> Row:
    cells = []
    last: Mapping[str, Any] | None = None
    for stage in results:
        found = stage.get(name)
        if found is None:
            cells.append(NOT_MEASURED)
            continue
        last = found
        cells.append(f"{RESULTS[found.get('ok')]}: {found.get('detail')}")
    if last is None:
        return Row(name, "", tuple(cells), "not run yet", None)
    ok = last.get("ok")
    return Row(name, "", tuple(cells), RESULTS[ok], ok)
