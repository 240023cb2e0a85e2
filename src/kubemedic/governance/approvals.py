"""Who may approve an operation, and when its approvals are complete.

Only people listed in the settings file approve; nobody approves their own request or twice;
a medium operation needs an architect; a critical one two distinct people, one of them from
security. Refusals say exactly which rule stood in the way and who could approve instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubemedic.errors import Refused
from kubemedic.models.identity import Actor
from kubemedic.models.operations import Approval, ApprovalRule
from kubemedic.models.policy import Policy


def check_approver(
    record_id: str,
    rule: ApprovalRule,
    requester_email: str,
    given: Sequence[Approval],
    approver: Actor,
    policy: Policy,
) -> None:
    """Refuse ``approver`` unless their approval may count towards ``rule``."""
    if rule.approvers == 0:
        raise Refused(f"operation {record_id} is {rule.tier.value}: it needs no approval")
    if not approver.configured:
        raise Refused(
            f"{approver.name} <{approver.email}> is not a configured approver",
            hint="approvers are listed under 'people' in the settings file (docs/operations.md)",
        )
    if approver.email.lower() == requester_email.lower():
        raise Refused(
            f"{approver.name} requested operation {record_id} and cannot approve it",
            hint=_candidates(rule, given, requester_email, policy),
        )
    if any(a.email.lower() == approver.email.lower() for a in given):
        raise Refused(
            f"{approver.name} has already approved operation {record_id}",
            hint=_candidates(rule, given, requester_email, policy),
        )
    if rule.any_role and not approver.roles & set(rule.any_role):
        raise Refused(
            f"a {rule.tier.value} operation needs an approver with role "
            f"{' or '.join(rule.any_role)}; {approver.name} has "
            f"{', '.join(sorted(approver.roles)) or 'no role'}",
            hint=_candidates(rule, given, requester_email, policy),
        )
    missing = missing_roles(rule, given)
    slots_left = rule.approvers - len(given)
    if missing and slots_left <= len(missing) and not approver.roles & set(missing):
        raise Refused(
            f"operation {record_id} still needs an approver with role {' and '.join(missing)}; "
            f"{approver.name} has {', '.join(sorted(approver.roles)) or 'no role'}",
            hint=_candidates(rule, given, requester_email, policy),
        )


def missing_roles(rule: ApprovalRule, given: Sequence[Approval]) -> tuple[str, ...]:
    """Required roles that no approval so far holds."""
    held = set().union(*(a.roles for a in given)) if given else set()
    return tuple(role for role in rule.required_roles if role not in held)


def is_complete(rule: ApprovalRule, given: Sequence[Approval]) -> bool:
    """True when the approvals satisfy the rule (count of distinct people and roles)."""
    return len(_counted(rule, given)) >= rule.approvers and not missing_roles(rule, given)


def still_needed(rule: ApprovalRule, given: Sequence[Approval]) -> str:
    """``1 more approval (role security)``: what the operation waits for, in words."""
    count = max(rule.approvers - len(_counted(rule, given)), len(missing_roles(rule, given)))
    roles = missing_roles(rule, given) or (rule.any_role if count else ())
    if not count:
        return "nothing"
    plural = "s" if count > 1 else ""
    return f"{count} more approval{plural}" + (f" (role {' or '.join(roles)})" if roles else "")


def _counted(rule: ApprovalRule, given: Sequence[Approval]) -> set[str]:
    """The distinct people whose approval counts: each once, and only with a role it asks for."""
    return {a.email.lower() for a in given if not rule.any_role or a.roles & set(rule.any_role)}


def _candidates(
    rule: ApprovalRule, given: Sequence[Approval], requester_email: str, policy: Policy
) -> str:
    taken = {a.email.lower() for a in given} | {requester_email.lower()}
    wanted = set(missing_roles(rule, given)) or set(rule.any_role)
    names = [
        person.name
        for person in policy.people
        if person.email.lower() not in taken and (not wanted or person.roles & wanted)
    ]
    if not names:
        return "no configured person can approve it; add approvers under 'people' in the settings"
    return "who can approve it: " + ", ".join(names)
