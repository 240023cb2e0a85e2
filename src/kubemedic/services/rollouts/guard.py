"""Guard one Deployment rollout: judge its first new replicas, then let it go on or halt it.

The guard looks at the Deployment, its ReplicaSets and pods every second (pod signals and the
hold react within one look) and reads the new pods' traffic from Prometheus every
``interval``. Once ``first`` new replicas exist it holds the rollout (a pause) until the
window has passed; a pass releases the hold and the rollout is watched until it completes; a
failure pauses it, or undoes it, through the governed workflow (a Helm release's rollout,
with ``helm`` installed: a pause, and ``helm rollback`` as a follow-up operation, proposed or
run). Every write is made once:
API errors and a Prometheus that stops answering are waited out, an actor who pauses,
resumes or changes the rollout meanwhile is followed, never fought. Stopping the guard
(Ctrl-C) releases its hold, so the Deployment is left as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kubemedic.adapters.prometheus.client import PrometheusClient
from kubemedic.errors import ClusterError, KubemedicError, NotFound
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.operations import ActionType
from kubemedic.rollouts.helm import HelmRelease
from kubemedic.rollouts.judging import (
    OFF,
    Decision,
    MetricCheck,
    MetricStatus,
    Tally,
    Verdict,
    decide,
)
from kubemedic.rollouts.outcome import (
    GuardResult,
    GuardView,
    Outcome,
    completed_summary,
    evidence_lines,
    halted_summary,
    phase_of,
    replicas_text,
)
from kubemedic.rollouts.pod_signals import Seen, deployment_failures, pod_failures, remember
from kubemedic.rollouts.revisions import Progress
from kubemedic.rollouts.settings import GuardSettings, HelmRollback, OnFailure
from kubemedic.services.rollouts import governed, helm
from kubemedic.services.rollouts.aftermath import announce_halt, write_notes
from kubemedic.services.rollouts.cluster import Look, helm_of, look
from kubemedic.services.rollouts.start import Command, RunCommand, Start, start_operation
from kubemedic.services.rollouts.traffic import PrometheusAccess, judge_round, probe
from kubemedic.services.workspace import Workspace

Say = Callable[[str], None]
Show = Callable[[GuardView], None]
LOOK_EVERY = 1.0
"""Seconds between two looks at the cluster (at most; less with a shorter interval)."""
NOTHING_STARTED_AFTER = 10.0
"""Seconds after the command ended without a new revision: it changed nothing to guard."""
HALT_TRIES = 3
COMMAND_GRACE = 30.0
"""Seconds a command still running when the rollout completed is given to finish."""
NOT_JUDGED = MetricCheck(MetricStatus.NO_DATA, "no traffic figures yet")


@dataclass(frozen=True, slots=True)
class GuardRequest:
    target: ObjectRef
    settings: GuardSettings
    prometheus: PrometheusAccess | None = None
    start: Start | None = None


def guard_rollout(
    ws: Workspace,
    request: GuardRequest,
    actor: Actor,
    stop: threading.Event,
    *,
    say: Say,
    show: Show,
) -> GuardResult:
    """Guard the rollout under way (or the next one, or the one ``start`` causes) until it
    completes, is halted, or ``stop`` is set."""
    first = look(ws.cluster(), request.target)
    client = request.prometheus.client(request.settings.interval) if request.prometheus else None
    try:
        if client is not None:
            probe(client, ws.now())
        return _Guard(ws, request, actor, stop, say, show, client).run(first)
    finally:
        if client is not None:
            client.close()


class _Guard:
    """The state of one guarded rollout, moved on by each look."""

    def __init__(
        self,
        ws: Workspace,
        request: GuardRequest,
        actor: Actor,
        stop: threading.Event,
        say: Say,
        show: Show,
        client: PrometheusClient | None,
    ) -> None:
        self.ws, self.request, self.actor, self.stop = ws, request, actor, stop
        self.say, self.show, self.client = say, show, client
        self.ref, self.settings = request.target, request.settings
        self.baseline: str | None = None
        self.guarded = ""
        self.revision = 0
        self.seen: dict[str, Seen] = {}
        self.opened: datetime | None = None
        self.next_round: datetime | None = None
        self.tally = Tally()
        self.passed: Decision | None = None
        self.hold_id: str | None = None
        self.holding = False
        self.halt_tries = 0
        self.started_by: str | None = None
        self.command: Command | None = None
        self.helm: HelmRelease | None = None
        self.helm_rollback: governed.Halt | None = None
        self.metrics_down = False
        self.fell_back = False
        self.api_down = False
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ the loop

    def run(self, first: Look) -> GuardResult:
        start = self.request.start
        if start is not None or first.progress.complete:
            self.baseline = first.progress.template_hash
        if isinstance(start, RunCommand):
            self.command = Command(start.argv, self.say)
        elif start is not None:
            self.started_by = start_operation(
                self.ws,
                self.ref,
                start,
                self.actor,
                say=self.say,
                stop=self.stop,
                poll=self.settings.interval,
            )
            if self.started_by is None:
                return GuardResult(Outcome.INTERRUPTED, "stopped while waiting for approval")
        elif first.progress.complete:
            self.say(f"waiting for a rollout of {self.ref.kubectl_ref} to start (Ctrl-C stops)")
        while not self.stop.is_set():
            now = self.ws.now()
            try:
                current = self._look()
            except NotFound:
                return self._end(
                    Outcome.DELETED, f"{self.ref} was deleted while its rollout was guarded"
                )
            result = self._step(current, now) if current is not None else None
            if result is not None:
                return result
            self.stop.wait(min(LOOK_EVERY, self.settings.interval))
        return self._interrupted()

    def _look(self) -> Look | None:
        """One look, or None (said once) while the API server does not answer."""
        try:
            current = look(self.ws.cluster(), self.ref)
        except NotFound:
            raise
        except ClusterError as exc:
            if not self.api_down:
                self.say(f"the API server did not answer ({exc.message}); trying again")
            self.api_down = True
            return None
        if self.api_down:
            self.say("the API server answers again")
            self.api_down = False
        return current

    def _step(self, current: Look, now: datetime) -> GuardResult | None:
        progress = current.progress
        if not self.guarded:
            if not progress.template_hash or progress.template_hash == self.baseline:
                return self._waiting(progress, now)
            self._begin(current)
        if progress.template_hash != self.guarded:
            return self._superseded(progress)
        if self.holding and not progress.paused:
            self.holding = False
            self.say("someone else resumed the held rollout; the guard keeps judging it")
        new_pods = current.pods_of(self.guarded)
        self.seen = remember(new_pods, self.seen, now)
        if self.opened is None and self.seen:
            self.opened = self.next_round = now
        failures = pod_failures(
            new_pods, self.seen, now, ready_within=self.settings.window
        ) + deployment_failures(self.ref.name, progress)
        if self.client is not None and self.next_round is not None and now >= self.next_round:
            self._round(self.client, current, now)
        window_over = self.opened is not None and self._elapsed(now) >= self.settings.window
        decision = decide(
            failures,
            self.tally,
            self.settings.thresholds,
            window_over=window_over,
            no_data_passes=self.settings.no_data_passes,
        )
        if decision.verdict is Verdict.HALT or (
            decision.verdict is Verdict.UNDECIDED and self.passed is None
        ):
            return self._halt(current, decision, undecided=decision.verdict is Verdict.UNDECIDED)
        if decision.verdict is Verdict.PASSED and self.passed is None:
            self._pass(decision)
            return None  # the next look shows the rollout released
        if self.passed is None and self._should_hold(progress):
            self._hold(current)
            return None  # the next look shows the rollout held
        self._show(progress, now)
        if self.passed is not None and progress.complete:
            return self._end(
                Outcome.COMPLETED, completed_summary(progress, self.passed), self.passed
            )
        return None

    def _begin(self, current: Look) -> None:
        progress = current.progress
        self.guarded, self.revision = progress.template_hash, progress.revision
        self.helm = helm_of(self.ws.cluster(), current.deployment)
        self.say(
            f"guarding revision {progress.revision} of {self.ref.kubectl_ref} "
            f"(ReplicaSet {self.ref.name}-{self.guarded})"
            + (f"; Helm release {self.helm.name}" if self.helm else "")
        )

    def _waiting(self, progress: Progress, now: datetime) -> GuardResult | None:
        self._show(progress, now)
        over = self.command.over_for(now) if self.command is not None else None
        if over is None or over[1] < NOTHING_STARTED_AFTER:
            return None
        name = self.command.name if self.command else ""
        if over[0] != 0:
            raise KubemedicError(f"{name} exited with {over[0]}; no rollout started")
        return self._end(Outcome.UNCHANGED, f"{name} changed nothing in {self.ref}: no rollout")

    # ------------------------------------------------------------------ judging

    def _round(self, client: PrometheusClient, current: Look, now: datetime) -> None:
        self.next_round = now + timedelta(seconds=self.settings.interval)
        shown = min(max(self._elapsed(now), self.settings.interval), self.settings.window)
        check = judge_round(
            client,
            self.settings,
            current,
            template_hash=self.guarded,
            baseline=self.tally.baseline_p95,
            shown_seconds=shown,
            at=now,
        )
        down = check.status is MetricStatus.UNAVAILABLE
        if down and not self.metrics_down:
            self.say(check.detail)
            self.warnings.append(check.detail)
        elif self.metrics_down and not down:
            self.say("Prometheus answers again: traffic figures are judged again")
        self.metrics_down = down
        self.fell_back = self.fell_back or down
        self.tally = self.tally.after(check)

    def _elapsed(self, now: datetime) -> float:
        return (now - self.opened).total_seconds() if self.opened else 0.0

    def _should_hold(self, progress: Progress) -> bool:
        first = self.settings.first
        return (
            not self.settings.propose_only
            and self.hold_id is None
            and not progress.paused
            and 0 < first <= progress.new_replicas < progress.desired
        )

    # ------------------------------------------------------------------ acting

    def _hold(self, current: Look) -> None:
        why = (
            f"the rollout guard holds {self.ref.kubectl_ref} at its first new replicas for "
            f"{self.settings.window:g}s of judging"
        )
        try:
            self.hold_id = governed.hold(
                self.ws, self.ref, current.deployment, current.progress, self.actor, why
            )
        except (ClusterError, governed.HaltFailed) as exc:
            self.hold_id = ""  # never tried again: the rollout goes on, judged all the same
            self.say(f"could not hold the rollout ({exc}); judging it as it goes on")
            return
        self.holding = True
        self.say(f"holding at {replicas_text(current.progress)}: {self.hold_id}")

    def _release(self, why: str) -> None:
        if not self.holding or not self.hold_id:
            return
        revert = governed.release(self.ws, self.hold_id, self.actor, why)
        self.holding = False
        self.say(f"released the hold: {revert}")

    def _pass(self, decision: Decision) -> None:
        self.passed = decision
        self.say("passed: " + (decision.reasons[0] if decision.reasons else "the window is over"))
        self._release("the first new replicas passed the rollout guard's window")

    def _halt(self, current: Look, decision: Decision, *, undecided: bool) -> GuardResult | None:
        summary = halted_summary(current.progress, decision, held=undecided)
        action = OnFailure.PAUSE if undecided else self.settings.on_failure
        through_helm = action is OnFailure.UNDO and self._helm_can_undo()
        if through_helm:  # the pause stops it now; helm rollback follows it
            action = OnFailure.PAUSE
        if action is OnFailure.PAUSE and self.holding and not self.settings.propose_only:
            done = governed.Halt(self.hold_id, True, ActionType.PAUSE)
        else:
            try:
                if through_helm and self.settings.propose_only:
                    done = governed.helm_rollback(
                        self.ws, self.ref, self.actor, reason=summary, run=False
                    )
                else:
                    done = governed.halt(
                        self.ws,
                        self.ref,
                        current.deployment,
                        self.actor,
                        action=action,
                        reason=summary,
                        propose_only=self.settings.propose_only,
                    )
            except (ClusterError, governed.HaltFailed) as exc:
                self.halt_tries += 1
                if self.halt_tries >= HALT_TRIES:
                    raise
                self.say(f"halting failed ({exc}); trying again")
                return None
        if done.note:
            self.warnings.append(done.note)
        if done.action is ActionType.UNDO and done.executed and self.helm is not None:
            self.warnings.append(self.helm.warning)
        if through_helm and not self.settings.propose_only:
            self._helm_rollback(summary + (f" (halted by {done.id})" if done.id else ""))
        outcome = Outcome.PROPOSED if self.settings.propose_only else Outcome.HALTED
        result = self._end(outcome, summary, decision, halt=done.id, halted_with=done.action)
        if outcome is Outcome.HALTED:
            announce_halt(self.ws, current.deployment, result, ref=self.ref, say=self.say)
        return result

    def _helm_can_undo(self) -> bool:
        """An undo goes through Helm: a Helm release, an earlier revision, helm installed."""
        return (
            self.helm is not None
            and self.helm.previous is not None
            and helm.installed(self.ws) is not None
        )

    def _helm_rollback(self, reason: str) -> None:
        """The follow-up of a paused Helm rollout: ``helm rollback``, proposed or run."""
        run = self.settings.helm_rollback is HelmRollback.RUN
        try:
            self.helm_rollback = governed.helm_rollback(
                self.ws, self.ref, self.actor, reason=reason, run=run
            )
        except (KubemedicError, governed.HaltFailed) as exc:
            by_hand = self.helm.rollback_command if self.helm else "helm rollback"
            self.warnings.append(
                f"the helm rollback could not be {'run' if run else 'proposed'} ({exc}); the "
                f"rollout stays paused; to undo it through Helm: {by_hand}"
            )
            return
        done = "rolled back through Helm" if run else "proposed the helm rollback"
        self.say(f"{done}: {self.helm_rollback.id}")

    # ------------------------------------------------------------------ ending

    def _superseded(self, progress: Progress) -> GuardResult:
        self._release("the guarded rollout was replaced by someone else's change")
        what = f"revision {progress.revision}" if progress.template_hash else "a new template"
        return self._end(
            Outcome.SUPERSEDED,
            f"someone else changed {self.ref} to {what} while the guard judged it; "
            "the guard stopped",
        )

    def _interrupted(self) -> GuardResult:
        released = " (its hold released)" if self.holding else ""
        self._release("the rollout guard was stopped: the rollout goes on as it was")
        return self._end(Outcome.INTERRUPTED, f"stopped by the user{released}")

    def _end(
        self,
        outcome: Outcome,
        summary: str,
        decision: Decision | None = None,
        *,
        halt: str | None = None,
        halted_with: ActionType | None = None,
    ) -> GuardResult:
        if self.command is not None:
            grace = COMMAND_GRACE if outcome is Outcome.COMPLETED else 0.0
            code = self.command.finish(grace)
            if code != 0:
                self.warnings.append(f"{self.command.name} exited with {code}")
        context = [self.tally.last] if self.tally.last and halt else []
        result = GuardResult(
            outcome=outcome,
            summary=summary,
            evidence=evidence_lines(decision, context) if decision else (),
            revision=self.revision,
            halt=halt,
            halted_with=halted_with.value if halted_with else "",
            hold=self.hold_id or None,
            started_by=self.started_by,
            helm=self.helm,
            helm_rollback=self.helm_rollback.id if self.helm_rollback else None,
            helm_rolled_back=bool(self.helm_rollback and self.helm_rollback.executed),
            warnings=tuple(dict.fromkeys(self.warnings)),
        )
        write_notes(
            self.ws,
            self.actor,
            result,
            ref=self.ref,
            template_hash=self.guarded,
            command=self.command.argv if self.command else None,
            judged_on=self._judged_on(),
            settings=self.settings,
        )
        return result

    def _judged_on(self) -> str:
        if self.request.prometheus is None:
            return "pod signals (no Prometheus configured)"
        fell_back = " (pod signals alone while it did not answer)" if self.fell_back else ""
        return f"pod signals and Prometheus at {self.request.prometheus.url}{fell_back}"

    # ------------------------------------------------------------------ the view

    def _show(self, progress: Progress, now: datetime) -> None:
        left = (
            max(self.settings.window - self._elapsed(now), 0.0)
            if self.opened is not None and self.passed is None
            else None
        )
        phase = phase_of(
            guarding=bool(self.guarded),
            holding=self.holding,
            paused=progress.paused,
            passed=self.passed is not None,
        )
        check = self.tally.last or (OFF if self.client is None else NOT_JUDGED)
        self.show(
            GuardView(now, phase, self.ref.kubectl_ref, progress, check, self.tally.in_a_row, left)
        )
