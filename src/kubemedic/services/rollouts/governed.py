"""The guard's writes, each through the governed-changes workflow: hold, release, halt, notes.

Holding the rollout at its first new replicas and halting it are pause or undo operations,
pre-authorised at the trivial tier (a hold changes nothing that runs; a halt restores a state
that was approved before the rollout), proposed, executed and validated at once like any other
operation. Releasing a hold is the hold's rollback. With ``--propose-only`` the halt is only
proposed, with the tier the policy gives it. Undoing a Helm release's rollout is a
``helm-rollback`` operation that follows the pause: proposed for approval with the policy's tier,
or executed at once, pre-authorised like the halt, when asked to. Every record the guard touched
gets a ``rollout-guarded`` note with the outcome and the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kubemedic.actions import PlanContext, plan_change
from kubemedic.errors import InputError
from kubemedic.governance.tiers import TierDecision
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.operations import ActionRequest, ActionType, OperationState, Plan
from kubemedic.models.severity import RiskTier
from kubemedic.rollouts.halts import UNDO_CHECKS, with_unpause
from kubemedic.rollouts.outcome import replicas_text
from kubemedic.rollouts.revisions import Progress
from kubemedic.rollouts.settings import OnFailure
from kubemedic.services.execution import execute
from kubemedic.services.operations import propose
from kubemedic.services.records import Step
from kubemedic.services.rollback import rollback
from kubemedic.services.targets import plan_context
from kubemedic.services.validation import validate
from kubemedic.services.workspace import Workspace

NOTE = "rollout-guarded"
AT_ONCE = (0.0,)
"""The guard's own operations are validated the moment they are applied."""
HOLD_TIER = TierDecision(
    RiskTier.TRIVIAL,
    "the rollout guard's hold: nothing that runs changes, and it is released when the first "
    "new replicas pass",
)
HALT_TIER = TierDecision(
    RiskTier.TRIVIAL,
    "the rollout guard's halt: pre-authorised, it restores a state that was approved before "
    "the rollout",
)

HELM_TIER = TierDecision(
    RiskTier.TRIVIAL,
    "the rollout guard's halt through Helm (--helm-rollback run): pre-authorised, it returns "
    "the release to the revision deployed before the rollout",
)


class HaltFailed(Exception):
    """The halt's execution failed (the cluster refused it); the guard tries again."""


@dataclass(frozen=True, slots=True)
class Halt:
    id: str | None
    """The operation (None when the Deployment was already paused by someone else)."""
    executed: bool
    action: ActionType
    note: str = ""


def hold(
    ws: Workspace,
    ref: ObjectRef,
    deployment: Mapping[str, Any],
    progress: Progress,
    actor: Actor,
    reason: str,
) -> str:
    """Pause the rollout at its first new replicas; returns the hold operation's id."""
    plan = plan_change(ActionRequest(ActionType.PAUSE, ref), deployment, PlanContext())
    plan = replace(
        plan,
        summary=f"Hold the rollout of {ref.kubectl_ref} at {replicas_text(progress)} while "
        "they are judged",
    )
    return _apply(ws, plan, HOLD_TIER, actor, reason)


def release(ws: Workspace, hold_id: str, actor: Actor, reason: str) -> str:
    """Resume a held rollout: the hold's rollback; returns the revert operation's id."""
    return rollback(ws, hold_id, actor, reason=reason).revert_id


def halt(
    ws: Workspace,
    ref: ObjectRef,
    deployment: Mapping[str, Any],
    actor: Actor,
    *,
    action: OnFailure,
    reason: str,
    propose_only: bool,
) -> Halt:
    """Pause, or undo and unpause, the failing rollout (only propose it with ``propose_only``)."""
    paused = bool((deployment.get("spec") or {}).get("paused"))
    if action is OnFailure.UNDO:
        try:
            plan = _undo_plan(ws, ref, deployment, paused=paused)
        except InputError as exc:  # nothing earlier to go back to: pausing still stops it
            return _pause(ws, ref, deployment, actor, reason, propose_only, note=exc.message)
        if propose_only:
            proposal = propose(ws, plan.request, actor, plan=plan, reason=reason)
            return Halt(proposal.id, False, ActionType.UNDO)
        return Halt(_apply(ws, plan, HALT_TIER, actor, reason), True, ActionType.UNDO)
    return _pause(ws, ref, deployment, actor, reason, propose_only)


def helm_rollback(
    ws: Workspace,
    ref: ObjectRef,
    actor: Actor,
    *,
    reason: str,
    run: bool,
) -> Halt:
    """``helm rollback`` of the release that manages ``ref`` to its previous revision:
    executed at once with ``run``, else proposed for approval."""
    writer = ws.cluster()
    deployment = writer.get(ref)  # as the halt left it: paused, so the rollback unpauses it
    request = ActionRequest(ActionType.HELM_ROLLBACK, ref)
    plan = plan_change(request, deployment, plan_context(writer, request, deployment))
    if not run:
        proposal = propose(ws, request, actor, plan=plan, reason=reason)
        return Halt(proposal.id, False, ActionType.HELM_ROLLBACK)
    return Halt(_apply(ws, plan, HELM_TIER, actor, reason), True, ActionType.HELM_ROLLBACK)


def _pause(
    ws: Workspace,
    ref: ObjectRef,
    deployment: Mapping[str, Any],
    actor: Actor,
    reason: str,
    propose_only: bool,
    note: str = "",
) -> Halt:
    if (deployment.get("spec") or {}).get("paused"):
        return Halt(None, False, ActionType.PAUSE, "the rollout was paused already")
    plan = plan_change(ActionRequest(ActionType.PAUSE, ref), deployment, PlanContext())
    plan = replace(plan, summary=f"Halt the rollout of {ref.kubectl_ref}: pause it")
    if propose_only:
        return Halt(
            propose(ws, plan.request, actor, plan=plan, reason=reason).id,
            False,
            ActionType.PAUSE,
            note,
        )
    return Halt(_apply(ws, plan, HALT_TIER, actor, reason), True, ActionType.PAUSE, note)


def _undo_plan(
    ws: Workspace, ref: ObjectRef, deployment: Mapping[str, Any], *, paused: bool
) -> Plan:
    request = ActionRequest(ActionType.UNDO, ref)
    plan = plan_change(request, deployment, plan_context(ws.cluster(), request, deployment))
    plan = replace(
        plan,
        summary=f"Halt the rollout: {plan.summary[0].lower()}{plan.summary[1:]}",
        checks=UNDO_CHECKS,
    )
    return with_unpause(plan) if paused else plan


def _apply(ws: Workspace, plan: Plan, tier: TierDecision, actor: Actor, reason: str) -> str:
    """Propose pre-authorised, execute and validate at once; the operation's id."""
    proposal = propose(
        ws, plan.request, actor, plan=plan, tier=tier, validation_delays=AT_ONCE, reason=reason
    )
    done = execute(ws, proposal.id, actor)
    if done.state is not OperationState.EXECUTED:
        raise HaltFailed(f"{proposal.id}: {done.detail}")
    validate(ws, proposal.id, wait=True, actor=actor)
    return proposal.id


def note(ws: Workspace, record_id: str, actor: Actor, data: Mapping[str, Any], text: str) -> None:
    """Append the guard's outcome to a record (a note: the record's state does not change)."""
    ws.store.append(
        record_id,
        Step(NOTE, None, data, text),
        actor=actor,
        at=ws.now(),
        message=f"{record_id}: {NOTE}",
    )
