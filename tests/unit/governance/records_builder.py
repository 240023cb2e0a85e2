"""Operation and incident records as kubemedic writes them, built with the real format functions.

The header of an operation is what ``services.operations.propose`` writes for a plan computed by
the real planners and tier rules; each step appends the section (event, state, data, actor) the
service that takes that step appends. Tests then read the text back with ``records.parse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.actions import PlanContext, plan_change
from kubemedic.actions._common import fingerprint
from kubemedic.governance import approvals as rules
from kubemedic.governance.lifecycle import Event
from kubemedic.governance.tiers import derive_tier
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import SYSTEM, Actor
from kubemedic.models.operations import (
    ActionRequest,
    ActionType,
    Approval,
    OperationState,
    ref_to_data,
)
from kubemedic.models.policy import Person, Policy
from kubemedic.models.records import Record, parse, render_header, render_section

PEOPLE = (
    Person("Ada", "ada@example.com", frozenset({"architect"})),
    Person("Bo", "bo@example.com", frozenset({"architect"})),
    Person("Sam", "sam@example.com", frozenset({"security"})),
    Person("Lin", "lin@example.com", frozenset({"operator"})),
)
POLICY = Policy(people=PEOPLE)
ADA, BO, SAM, LIN = (Actor(p.name, p.email, p.roles, configured=True) for p in PEOPLE)

WEB = ObjectRef("Deployment", "web", "shop")
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "uid": "0d6f7c1e-5a3b-4c2d-9e8f-1a2b3c4d5e6f",
        "resourceVersion": "4711",
        "generation": 3,
    },
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": "registry.example.com/web:1.4.2",
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"memory": "256Mi"},
                        },
                    }
                ]
            },
        },
    },
}

SCALE_DOWN = ActionRequest(ActionType.SCALE, WEB, {"replicas": 2})  # low
MORE_MEMORY = ActionRequest(ActionType.RESOURCES, WEB, {"memory_limit": "512Mi"})  # medium
SCALE_TO_ZERO = ActionRequest(ActionType.SCALE, WEB, {"replicas": 0})  # critical
PAUSE = ActionRequest(ActionType.PAUSE, WEB)  # trivial


class OperationBuilder:
    """An operation record's text, grown one section at a time as the services would."""

    def __init__(
        self,
        record_id: str,
        request: ActionRequest,
        *,
        requester: Actor,
        at: datetime,
        incident: str | None = None,
        rollback_of: str | None = None,
        emergency: bool = False,
        policy: Policy = POLICY,
    ) -> None:
        self.id = record_id
        self.path = f"operations/{record_id}.md"
        self.requester = requester
        plan = plan_change(request, DEPLOYMENT, PlanContext())
        decision = derive_tier(plan.facts, policy)
        self.rule = policy.rules[decision.tier]
        pre_approved = self.rule.approvers == 0 or rollback_of is not None
        sla = policy.sla_minutes(decision.tier, emergency=emergency)
        header = {
            "id": record_id,
            "kind": "operation",
            "created_at": format_time(at),
            "requested_by": {"name": requester.name, "email": requester.email},
            "action": {
                "type": request.type.value,
                "target": ref_to_data(request.target),
                "params": dict(request.params),
            },
            "tier": decision.tier.value,
            "tier_reason": decision.reason,
            "emergency": emergency,
            "reason": "checkout is slow",
            "incident": incident,
            "rollback_of": rollback_of,
            "approval": {
                "approvers": 0 if pre_approved else self.rule.approvers,
                "required_roles": list(self.rule.required_roles),
                "any_role": list(self.rule.any_role),
                "sla_minutes": sla,
                "dry_run_first": self.rule.dry_run_first,
                "due_at": None if pre_approved else format_time(at + timedelta(minutes=sla)),
                "expires_at": format_time(at + timedelta(seconds=policy.expire_after)),
            },
            "plan": {
                "summary": plan.summary,
                "change": plan.change.to_data(),
                "inverse": plan.inverse.to_data() if plan.inverse else None,
                "prior": dict(plan.prior),
                "after": dict(plan.after),
                "checks": ["change-holds", *(c for c in plan.checks if c != "change-holds")],
                "dry_run": "passed",
            },
            "facts": plan.facts.to_data(),
            "target_fingerprint": fingerprint(DEPLOYMENT),
            "validation": {
                "delays": list(policy.validation_delays),
                "timeout": policy.validation_timeout,
                "workload": ref_to_data(WEB),
            },
        }
        self.text = render_header(
            header, f"Operation {record_id}: {plan.summary}", f"{plan.summary}.\n\nTier."
        )
        self.given: list[Actor] = []
        self.stages = 0
        self.at = at
        if pre_approved:
            data = {"why": f"{decision.tier.value} tier: no approval needed ({decision.reason})"}
            self.step(Event.AUTO_APPROVE, OperationState.APPROVED, data, at=at)
        else:
            data = {"needs": rules.still_needed(self.rule, ())}
            self.step(Event.SUBMIT, OperationState.PENDING_APPROVAL, data, at=at)

    @property
    def record(self) -> Record:
        return parse(self.text, self.path)

    def step(
        self,
        event: str,
        state: str | None,
        data: Mapping[str, Any],
        *,
        at: datetime | None = None,
        by: Actor | None = None,
        text: str = "",
    ) -> OperationBuilder:
        """Append one section (``at`` defaults to one minute after the previous one)."""
        self.at = at or self.at + timedelta(minutes=1)
        self.text += render_section(
            self.text,
            event=str(event),
            at=self.at,
            actor=(by or self.requester).author,
            state=str(state) if state else None,
            data=data,
            text=text or f"{event}.",
        )
        return self

    def approve(
        self,
        by: Actor,
        *,
        at: datetime | None = None,
        conditions: tuple[str, ...] = (),
        complete: bool | None = None,
    ) -> OperationBuilder:
        """An approval; it completes the rule when ``complete`` (by default: when the rule says)."""
        self.given.append(by)
        given = [Approval(a.name, a.email, a.roles, self.at) for a in self.given]
        done = rules.is_complete(self.rule, given) if complete is None else complete
        if done:
            event = Event.APPROVE
            state = OperationState.CONDITIONALLY_APPROVED if conditions else OperationState.APPROVED
        else:
            event, state = Event.APPROVE_PARTLY, OperationState.PENDING_APPROVAL
        data = {
            "roles": sorted(by.roles),
            "reason": "looks right",
            "conditions": list(conditions),
            "still_needed": rules.still_needed(self.rule, given),
        }
        return self.step(event, state, data, at=at, by=by)

    def reject(self, by: Actor, *, at: datetime | None = None) -> OperationBuilder:
        return self.step(Event.REJECT, OperationState.REJECTED, {"reason": "not now"}, at=at, by=by)

    def expire(self, *, at: datetime | None = None) -> OperationBuilder:
        data = {"expired_at": format_time(at or self.at)}
        return self.step(Event.EXPIRE, OperationState.EXPIRED, data, at=at, by=SYSTEM)

    def start(self, *, at: datetime | None = None, by: Actor | None = None) -> OperationBuilder:
        data = {
            "prior_object": DEPLOYMENT,
            "prior_fingerprint": fingerprint(DEPLOYMENT),
            "expected_fingerprint": fingerprint(DEPLOYMENT),
            "resource_version": "4711",
            "dry_run": "passed",
            "pre": {"pods": 3, "ready": 3, "restarts": 0},
            "restarts_before": {"uid-1": 0, "uid-2": 0, "uid-3": 0},
        }
        return self.step(Event.START, OperationState.EXECUTING, data, at=at, by=by)

    def complete(self, *, at: datetime | None = None, by: Actor | None = None) -> OperationBuilder:
        data = {"after_object": DEPLOYMENT, "resource_version": "4712", "resumed": False}
        return self.step(Event.COMPLETE, OperationState.EXECUTED, data, at=at, by=by)

    def execute(self, *, at: datetime | None = None, by: Actor | None = None) -> OperationBuilder:
        """Execution started and completed a few seconds apart."""
        self.start(at=at, by=by)
        return self.complete(at=self.at + timedelta(seconds=5), by=by)

    def fail(self, *, at: datetime | None = None) -> OperationBuilder:
        data = {"error": "admission webhook denied the request"}
        return self.step(Event.FAIL, OperationState.FAILED, data, at=at)

    def validate(self, *, ok: bool = True, at: datetime | None = None) -> OperationBuilder:
        self.stages += 1
        data = {
            "stage": self.stages,
            "delay_seconds": 60.0,
            "checks": [{"check": "pods-ready", "ok": ok, "detail": "3/3 pods Ready"}],
            "post": {"pods": 3, "ready": 3 if ok else 1, "restarts": 0},
        }
        if ok:
            return self.step(Event.VALIDATION_OK, OperationState.VALIDATED, data, at=at, by=SYSTEM)
        event, state = Event.VALIDATION_BAD, OperationState.VALIDATION_FAILED
        return self.step(event, state, data, at=at, by=SYSTEM)

    def roll_back(
        self, revert_id: str, *, seconds: float, at: datetime | None = None
    ) -> OperationBuilder:
        """Rollback started, and done ``seconds`` later (decision to validated restore)."""
        self.step(
            Event.ROLLBACK_START,
            OperationState.ROLLING_BACK,
            {"operation": revert_id, "reason": "validation failed"},
            at=at,
        )
        decided = self.at
        data = {"operation": revert_id, "decided_at": format_time(decided), "seconds": seconds}
        done = decided + timedelta(seconds=seconds)
        return self.step(Event.ROLLBACK_DONE, OperationState.ROLLED_BACK, data, at=done)

    def note(self, event: str, data: Mapping[str, Any]) -> OperationBuilder:
        """A note kubemedic appends without changing the state (SLA breach, failed webhook)."""
        return self.step(event, None, data, by=SYSTEM)


class IncidentBuilder:
    """An incident record as ``services.incidents`` opens, links and closes it."""

    def __init__(
        self,
        record_id: str,
        *,
        onset: datetime,
        detected: datetime,
        category: str = "oomkilled",
    ) -> None:
        self.id = record_id
        self.path = f"incidents/{record_id}.md"
        self.onset = onset
        header = {
            "id": record_id,
            "kind": "incident",
            "created_at": format_time(detected),
            "key": f"{category}|Deployment shop/web",
            "category": category,
            "severity": "high",
            "object": ref_to_data(WEB),
            "onset_at": format_time(onset),
            "detected_at": format_time(detected),
            "finding": {
                "id": "KM-POD-OOM",
                "severity": "high",
                "category": category,
                "object": ref_to_data(WEB),
                "summary": "Container app of deployment web is OOMKilled",
                "remediation": {
                    "summary": "raise the memory limit",
                    "commands": [
                        "kubectl set resources deployment/web -n shop -c app --limits=memory=512Mi"
                    ],
                    "risk": "medium",
                },
            },
        }
        self.text = render_header(
            header, f"Incident {record_id}: OOMKilled", "The container needs more memory."
        )
        lag = (detected - onset).total_seconds()
        self._step("opened", "open", {"detected_after_seconds": round(lag, 1)}, detected)

    @property
    def record(self) -> Record:
        return parse(self.text, self.path)

    def link(self, operation: str, at: datetime) -> IncidentBuilder:
        return self._step("operation-proposed", None, {"operation": operation}, at)

    def close(self, at: datetime) -> IncidentBuilder:
        data = {
            "resolved_at": format_time(at),
            "reason": "no pod of the workload fails any more",
            "open_seconds": round((at - self.onset).total_seconds(), 1),
        }
        return self._step("closed", "closed", data, at)

    def _step(
        self, event: str, state: str | None, data: Mapping[str, Any], at: datetime
    ) -> IncidentBuilder:
        self.text += render_section(
            self.text, event=event, at=at, actor=SYSTEM.author, state=state, data=data, text=event
        )
        return self
