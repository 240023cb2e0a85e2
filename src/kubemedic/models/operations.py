"""The governed path's vocabulary: actions, their planned changes, states, approvals, conditions.

An operation is a proposed change to one Kubernetes object. Its plan (the exact patch, the
inverse, the checks that prove it worked) is computed by ``actions``; its tier, lifecycle and
approval rules by ``governance``; the record of everything that happened to it lives in the
records repository. These types are shared by all three, so none has to import another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kubemedic.models.findings import ObjectRef
from kubemedic.models.severity import RiskTier


class ActionType(StrEnum):
    """Every change kubemedic knows how to plan, apply, invert and validate."""

    RESTART = "restart"
    SCALE = "scale"
    RESOURCES = "resources"
    HPA = "hpa"
    HPA_DELETE = "hpa-delete"
    SET_IMAGE = "set-image"
    PAUSE = "pause"
    RESUME = "resume"
    UNDO = "undo"
    CONFIGMAP_RESTORE = "configmap-restore"
    HELM_ROLLBACK = "helm-rollback"
    """Roll a Helm release back to an earlier revision, with the ``helm`` executable."""
    REVERT = "revert"
    """Apply a recorded inverse: the change a rollback makes."""


class ChangeVerb(StrEnum):
    PATCH = "patch"
    CREATE = "create"
    DELETE = "delete"
    HELM_ROLLBACK = "helm-rollback"
    """Not an API write: ``helm rollback`` of the body's release to its revision."""


@dataclass(frozen=True, slots=True)
class Change:
    """One API write: what to send to which object. Patches are JSON-compatible mappings."""

    verb: ChangeVerb
    target: ObjectRef
    body: Mapping[str, Any] | None = None
    patch_type: str = "strategic"
    """``strategic``, ``merge`` or ``json``; only for ``patch``."""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verb": self.verb.value, "target": ref_to_data(self.target)}
        if self.body is not None:
            data["body"] = self.body
        if self.verb is ChangeVerb.PATCH:
            data["patch_type"] = self.patch_type
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            verb=ChangeVerb(data["verb"]),
            target=ref_from_data(data["target"]),
            body=data.get("body"),
            patch_type=str(data.get("patch_type", "strategic")),
        )


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """What someone asked for: an action on a target with its parameters (JSON-compatible)."""

    type: ActionType
    target: ObjectRef
    params: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        shown = " ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        return f"{self.type.value} {self.target.kubectl_ref}" + (f" {shown}" if shown else "")


@dataclass(frozen=True, slots=True)
class TierFacts:
    """What the tier rules need to know about a planned change, and nothing else."""

    action: ActionType
    target_kind: str
    namespace: str
    owned_by_controller: bool = True
    replicas_before: int | None = None
    replicas_after: int | None = None
    within_capacity: bool | None = None
    """Scaling up: do the nodes' free allocatable resources hold the new replicas?"""
    memory_after: int | None = None
    """Largest memory request/limit (bytes) the change sets, for ``max-memory`` conditions."""
    cpu_after: int | None = None
    """Largest CPU request/limit (millicores) the change sets, for ``max-cpu`` conditions."""

    def to_data(self) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__}
        data["action"] = self.action.value
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Plan:
    """A change worked out against the object as it is now: ready to dry-run and apply."""

    request: ActionRequest
    summary: str
    change: Change
    inverse: Change | None
    facts: TierFacts
    prior: Mapping[str, Any]
    """The fields the change touches, as they are before it (shown to approvers)."""
    after: Mapping[str, Any]
    """The same fields as the change sets them."""
    checks: tuple[str, ...] = ()
    """Validation checks (names from ``actions.checks``) that prove the change worked."""


class OperationState(StrEnum):
    """Where an operation stands in its lifecycle (see ``governance.lifecycle``)."""

    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending-approval"
    APPROVED = "approved"
    CONDITIONALLY_APPROVED = "conditionally-approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"
    VALIDATED = "validated"
    VALIDATION_FAILED = "validation-failed"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"


class IncidentState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Approval:
    """One person's decision to approve, with the reason and any conditions they attached."""

    name: str
    email: str
    roles: frozenset[str]
    at: datetime
    reason: str = ""
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Who must approve an operation of a tier, and how fast."""

    tier: RiskTier
    approvers: int
    """Distinct people needed (0: none, the operation is approved when proposed)."""
    required_roles: tuple[str, ...] = ()
    """Each role here must be held by at least one approver."""
    any_role: tuple[str, ...] = ()
    """When non-empty, every approver must hold one of these roles."""
    sla_minutes: float = 0
    dry_run_first: bool = False


def ref_to_data(ref: ObjectRef) -> dict[str, str]:
    data = {"kind": ref.kind, "name": ref.name}
    if ref.namespace:
        data["namespace"] = ref.namespace
    return data


def ref_from_data(data: Mapping[str, Any]) -> ObjectRef:
    return ObjectRef(str(data["kind"]), str(data["name"]), str(data.get("namespace") or ""))
