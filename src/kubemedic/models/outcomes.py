"""What each governed step reports back: typed results the CLI, the server and MCP render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic.models.operations import OperationState
from kubemedic.models.severity import RiskTier


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    tier: RiskTier
    state: OperationState
    summary: str
    needs: str
    tier_reason: str = ""
    approvers: tuple[str, ...] = ()
    """Configured people who could approve it (empty: nobody is configured to)."""


@dataclass(frozen=True, slots=True)
class Execution:
    id: str
    state: OperationState
    resumed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool | None
    """True passed, False failed, None not decidable (data missing): never counted as a pass."""
    detail: str

    def to_data(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class StageOutcome:
    stage: int
    delay: float
    ok: bool
    results: tuple[CheckResult, ...]


@dataclass(frozen=True, slots=True)
class Validation:
    id: str
    state: OperationState
    stages: tuple[StageOutcome, ...]
    next_due: datetime | None
    rolled_back_by: str | None = None


@dataclass(frozen=True, slots=True)
class RollbackOutcome:
    id: str
    revert_id: str
    state: OperationState
    seconds: float


@dataclass(frozen=True, slots=True)
class PendingApproval:
    id: str
    tier: str
    summary: str
    requester: str
    age_seconds: float
    left_seconds: float
    """Time left before the SLA is missed; negative once it has been."""
    needs: str
    emergency: bool


@dataclass(frozen=True, slots=True)
class Escalation:
    breached: tuple[str, ...]
    expired: tuple[str, ...]
