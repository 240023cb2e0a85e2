"""An operation record read as an operation: its plan, rule, approvals, conditions and times.

The record file is the source of truth; this view only interprets its header and sections, so
the CLI, the server, ``records audit`` and ``stats`` all read an operation the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import parse_time
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import (
    ActionRequest,
    ActionType,
    Approval,
    ApprovalRule,
    Change,
    OperationState,
    TierFacts,
    ref_from_data,
)
from kubemedic.models.records import Record, RecordKind
from kubemedic.models.severity import RiskTier

APPROVAL_EVENTS = ("approved", "approval-added")


@dataclass(frozen=True, slots=True)
class OperationRecord:
    record: Record

    def __post_init__(self) -> None:
        if self.record.kind is not RecordKind.OPERATION:
            raise InputError(
                f"{self.record.id} is a {self.record.kind.value}, not an operation",
                hint="kubemedic records list shows the operations (OP-...)",
            )

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def header(self) -> Mapping[str, Any]:
        return self.record.header

    @property
    def state(self) -> OperationState:
        return OperationState(self.record.state)

    @property
    def tier(self) -> RiskTier:
        return RiskTier(self.header["tier"])

    @property
    def target(self) -> ObjectRef:
        return ref_from_data(self.header["action"]["target"])

    @property
    def request(self) -> ActionRequest:
        action = self.header["action"]
        return ActionRequest(ActionType(action["type"]), self.target, action.get("params") or {})

    @property
    def requester_email(self) -> str:
        return str(self.header["requested_by"]["email"])

    @property
    def requester(self) -> str:
        return str(self.header["requested_by"]["name"])

    @property
    def rule(self) -> ApprovalRule:
        data = self.header["approval"]
        return ApprovalRule(
            self.tier,
            approvers=int(data["approvers"]),
            required_roles=tuple(data.get("required_roles") or ()),
            any_role=tuple(data.get("any_role") or ()),
            sla_minutes=float(data.get("sla_minutes") or 0),
            dry_run_first=bool(data.get("dry_run_first")),
        )

    @property
    def plan(self) -> Mapping[str, Any]:
        return self.header["plan"]  # type: ignore[no-any-return]

    @property
    def change(self) -> Change:
        return Change.from_data(self.plan["change"])

    @property
    def inverse(self) -> Change | None:
        data = self.plan.get("inverse")
        return Change.from_data(data) if data else None

    @property
    def facts(self) -> TierFacts:
        data = dict(self.header.get("facts") or {})
        return TierFacts(
            action=ActionType(data.pop("action")),
            target_kind=str(data.pop("target_kind")),
            namespace=str(data.pop("namespace")),
            **data,
        )

    @property
    def approvals(self) -> tuple[Approval, ...]:
        return tuple(
            Approval(
                name=s.actor.name,
                email=s.actor.email,
                roles=frozenset(s.data.get("roles") or ()),
                at=s.at,
                reason=str(s.data.get("reason") or ""),
                conditions=tuple(s.data.get("conditions") or ()),
            )
            for s in self.record.events(*APPROVAL_EVENTS)
        )

    @property
    def conditions(self) -> tuple[str, ...]:
        return tuple(c for a in self.approvals for c in a.conditions)

    @property
    def created_at(self) -> datetime:
        return self.record.created_at

    def _time(self, key: str) -> datetime | None:
        return parse_time((self.header.get("approval") or {}).get(key))

    @property
    def due_at(self) -> datetime | None:
        return self._time("due_at")

    @property
    def expires_at(self) -> datetime | None:
        return self._time("expires_at")

    @property
    def incident(self) -> str | None:
        value = self.header.get("incident")
        return str(value) if value else None

    @property
    def rollback_of(self) -> str | None:
        value = self.header.get("rollback_of")
        return str(value) if value else None

    @property
    def validation_delays(self) -> tuple[float, ...]:
        return tuple(float(d) for d in (self.header.get("validation") or {}).get("delays") or ())

    @property
    def workload(self) -> ObjectRef | None:
        data = (self.header.get("validation") or {}).get("workload")
        return ref_from_data(data) if data else None

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(self.plan.get("checks") or ())

    @property
    def executed_at(self) -> datetime | None:
        section = self.record.first("executed")
        return section.at if section else None

    @property
    def decided_at(self) -> datetime | None:
        """When the approval rule was complete (or the operation rejected)."""
        section = self.record.first("approved", "auto-approved", "rejected")
        return section.at if section else None
