"""What the guard shows while it runs (``GuardView``) and what it ends with (``GuardResult``).

The sentences a person reads in the output and in the records are written here, from the same
figures, so the terminal, the JSON lines and the operation record never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kubemedic.rollouts.helm import HelmRelease
from kubemedic.rollouts.judging import Decision, MetricCheck
from kubemedic.rollouts.revisions import Progress


class Phase(StrEnum):
    WAITING = "waiting"
    """For a rollout to start."""
    JUDGING = "judging"
    HOLDING = "holding"
    """Judging, with the rollout held at its first new replicas."""
    COMPLETING = "completing"
    """The window passed; the rollout goes on and is still watched until it completes."""
    PAUSED = "paused"
    """Someone else paused the rollout; the guard keeps judging and never resumes it."""


def phase_of(*, guarding: bool, holding: bool, paused: bool, passed: bool) -> Phase:
    """The phase a person is told, from what the guard knows."""
    if not guarding:
        return Phase.WAITING
    if holding:
        return Phase.HOLDING
    if paused:
        return Phase.PAUSED
    return Phase.COMPLETING if passed else Phase.JUDGING


class Outcome(StrEnum):
    COMPLETED = "completed"
    HALTED = "halted"
    PROPOSED = "proposed"
    """``--propose-only``: the halt waits for approval."""
    SUPERSEDED = "superseded"
    """Someone else changed the template (an undo, another release) while it was guarded."""
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    """The command the guard ran changed nothing to guard."""
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class GuardView:
    """One look at a guarded rollout: the live view's line, or one JSON line."""

    at: datetime
    phase: Phase
    deployment: str
    progress: Progress
    check: MetricCheck
    in_a_row: int
    window_left: float | None
    """Seconds until the window is over (None before it opened and once it passed)."""


@dataclass(frozen=True, slots=True)
class GuardResult:
    outcome: Outcome
    summary: str
    evidence: tuple[str, ...] = ()
    revision: int = 0
    halt: str | None = None
    """The operation that halted the rollout (or that proposes it)."""
    halted_with: str = ""
    """``pause`` or ``undo``: what the halt did (or proposes)."""
    hold: str | None = None
    """The operation that held the rollout at its first new replicas."""
    started_by: str | None = None
    """The operation that started the rollout."""
    helm: HelmRelease | None = None
    helm_rollback: str | None = None
    """The ``helm-rollback`` operation that follows a pause of a Helm release's rollout."""
    helm_rolled_back: bool = False
    """Whether that operation was executed (else it waits for approval)."""
    warnings: tuple[str, ...] = ()


def replicas_text(progress: Progress) -> str:
    return f"{progress.new_pods}/{progress.desired} new replicas"


def halted_summary(progress: Progress, decision: Decision, *, held: bool = False) -> str:
    """``halted at 2/6 new replicas: error rate 21% > 5% ...`` (``held`` when undecided)."""
    verb = "held" if held else "halted"
    more = len(decision.reasons) - 1
    extra = f" (and {more} more)" if more > 0 else ""
    return f"{verb} at {replicas_text(progress)}: {decision.reasons[0]}{extra}"


def completed_summary(progress: Progress, decision: Decision) -> str:
    judged = f"; {decision.reasons[0]}" if decision.reasons else ""
    every = f"{progress.desired}/{progress.desired}"
    return f"completed: {every} replicas run revision {progress.revision}{judged}"


def evidence_lines(decision: Decision, checks: Sequence[MetricCheck] = ()) -> tuple[str, ...]:
    """Every reason, then the facts behind them, without repeats."""
    lines = [*decision.reasons, *decision.evidence]
    for check in checks:
        lines += [check.detail, *check.evidence]
    return tuple(dict.fromkeys(lines))
