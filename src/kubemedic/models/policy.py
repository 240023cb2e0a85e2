"""The governance policy: the people who may approve, their roles, and per-tier rules.

Built from the settings file at the edge and passed down; the defaults here are the design's
tiers (trivial: none; low: one approver in 5 min; medium: one architect in 30 min after a
server-side dry run; critical: two people incl. security in 120 min, 60 in an emergency).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kubemedic.models.operations import ApprovalRule
from kubemedic.models.severity import RiskTier

ARCHITECT = "architect"
SECURITY = "security"
ROLES = ("viewer", "operator", ARCHITECT, SECURITY, "admin")
"""Every role kubemedic gives meaning to: the approval rules name architect and security, the
server lets viewers read, operators propose and execute, and admins do all."""

DEFAULT_RULES: Mapping[RiskTier, ApprovalRule] = MappingProxyType(
    {
        RiskTier.TRIVIAL: ApprovalRule(RiskTier.TRIVIAL, approvers=0),
        RiskTier.LOW: ApprovalRule(RiskTier.LOW, approvers=1, sla_minutes=5),
        RiskTier.MEDIUM: ApprovalRule(
            RiskTier.MEDIUM, approvers=1, any_role=(ARCHITECT,), sla_minutes=30, dry_run_first=True
        ),
        RiskTier.CRITICAL: ApprovalRule(
            RiskTier.CRITICAL,
            approvers=2,
            required_roles=(SECURITY,),
            sla_minutes=120,
            dry_run_first=True,
        ),
    }
)
EMERGENCY_SLA_MINUTES = 60
"""Critical operations proposed with ``--emergency`` must be decided within this time."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone listed in the settings file: the only people who may approve."""

    name: str
    email: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TierOverride:
    """A policy line that sets the tier of matching operations (shell-style globs)."""

    tier: RiskTier
    action: str = "*"
    namespace: str = "*"


@dataclass(frozen=True, slots=True)
class Policy:
    """Who approves what, how fast, and what happens after execution."""

    people: tuple[Person, ...] = ()
    overrides: tuple[TierOverride, ...] = ()
    rules: Mapping[RiskTier, ApprovalRule] = field(default_factory=lambda: DEFAULT_RULES)
    expire_after: float = 24 * 3600.0
    """Seconds after which a pending or approved operation not executed expires."""
    validation_delays: tuple[float, ...] = (60.0, 300.0, 3600.0)
    """Seconds after execution at which validation checks run."""
    validation_timeout: float = 60.0
    """Seconds one validation stage waits for its checks to pass before it fails."""
    auto_rollback: bool = False
    """Roll back at once when a validation fails (else notify and offer the rollback)."""
    sla: Mapping[str, float] = field(default_factory=dict)
    """Approval SLAs in minutes by tier name (and ``emergency``), replacing the defaults."""

    def person(self, who: str) -> Person | None:
        """The configured person with this name or email (case-insensitive), if any."""
        wanted = who.strip().lower()
        for person in self.people:
            if wanted in (person.name.lower(), person.email.lower()):
                return person
        return None

    def sla_minutes(self, tier: RiskTier, *, emergency: bool) -> float:
        if emergency and tier is RiskTier.CRITICAL:
            return self.sla.get("emergency", EMERGENCY_SLA_MINUTES)
        return self.sla.get(tier.value, self.rules[tier].sla_minutes)

    def approvers_for(self, rule: ApprovalRule, requester_email: str) -> tuple[str, ...]:
        """Configured people (other than the requester) whose roles let them approve ``rule``."""
        return tuple(
            p.name
            for p in self.people
            if p.email.lower() != requester_email.lower()
            and (not rule.any_role or p.roles & set(rule.any_role))
        )
