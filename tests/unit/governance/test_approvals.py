"""Who may approve what: the default rules of each tier, and refusals that say who could."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubemedic.errors import EXIT_REFUSED, Refused
from kubemedic.governance.approvals import check_approver, is_complete, still_needed
from kubemedic.models.identity import Actor
from kubemedic.models.operations import Approval, ApprovalRule
from kubemedic.models.policy import DEFAULT_RULES, Person, Policy
from kubemedic.models.severity import RiskTier

AT = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PEOPLE = (
    Person("Ada", "ada@example.com", frozenset({"architect"})),
    Person("Bo", "bo@example.com", frozenset({"architect"})),
    Person("Sam", "sam@example.com", frozenset({"security"})),
    Person("Lin", "lin@example.com", frozenset({"operator"})),
)
POLICY = Policy(people=PEOPLE)
ADA, BO, SAM, LIN = (Actor(p.name, p.email, p.roles, configured=True) for p in PEOPLE)
REQUESTER = "lin@example.com"
LOW = DEFAULT_RULES[RiskTier.LOW]
MEDIUM = DEFAULT_RULES[RiskTier.MEDIUM]
CRITICAL = DEFAULT_RULES[RiskTier.CRITICAL]


def _approval(actor: Actor) -> Approval:
    return Approval(actor.name, actor.email, actor.roles, AT)


def _check(rule: ApprovalRule, approver: Actor, *given: Actor, requester: str = REQUESTER) -> None:
    check_approver("OP-1", rule, requester, [_approval(a) for a in given], approver, POLICY)


def _refusal(
    rule: ApprovalRule, approver: Actor, *given: Actor, requester: str = REQUESTER
) -> Refused:
    with pytest.raises(Refused) as refused:
        _check(rule, approver, *given, requester=requester)
    assert refused.value.exit_code == EXIT_REFUSED
    return refused.value


def test_nobody_approves_their_own_request() -> None:
    refused = _refusal(LOW, ADA, requester="ADA@example.com")
    assert refused.message == "Ada requested operation OP-1 and cannot approve it"
    assert refused.hint == "who can approve it: Bo, Sam, Lin"


def test_only_configured_people_approve() -> None:
    stranger = Actor("Eve", "eve@example.com", frozenset({"architect", "security"}))
    refused = _refusal(LOW, stranger)
    assert refused.message == "Eve <eve@example.com> is not a configured approver"
    assert "'people' in the settings file" in str(refused.hint)


def test_nobody_approves_twice() -> None:
    refused = _refusal(CRITICAL, SAM, SAM)
    assert refused.message == "Sam has already approved operation OP-1"
    assert refused.hint == "who can approve it: Ada, Bo"


def test_the_same_person_under_another_case_of_email_is_the_same_person() -> None:
    shouting = Actor("Sam", "SAM@EXAMPLE.COM", frozenset({"security"}), configured=True)
    assert "already approved" in _refusal(CRITICAL, shouting, SAM).message


def test_a_low_change_takes_one_approval_from_anyone_configured() -> None:
    _check(LOW, LIN, requester="ada@example.com")
    assert is_complete(LOW, [_approval(LIN)])
    assert not is_complete(LOW, [])
    assert still_needed(LOW, []) == "1 more approval"
    assert still_needed(LOW, [_approval(LIN)]) == "nothing"


def test_a_medium_change_needs_an_architect() -> None:
    refused = _refusal(MEDIUM, SAM)
    assert (
        refused.message
        == "a medium operation needs an approver with role architect; Sam has security"
    )
    assert refused.hint == "who can approve it: Ada, Bo"
    _check(MEDIUM, BO)
    assert is_complete(MEDIUM, [_approval(BO)])
    assert still_needed(MEDIUM, []) == "1 more approval (role architect)"


def test_a_person_without_roles_is_named_as_such() -> None:
    nobody = Actor("Kim", "kim@example.com", frozenset(), configured=True)
    assert _refusal(MEDIUM, nobody).message.endswith("Kim has no role")


def test_an_approval_from_someone_without_the_role_does_not_complete_a_medium_change() -> None:
    # a record approved before the policy changed, or edited by hand: the audit must not count it
    given = [_approval(LIN)]
    assert not is_complete(MEDIUM, given)
    assert still_needed(MEDIUM, given) == "1 more approval (role architect)"


def test_a_critical_change_needs_two_people_one_of_them_security() -> None:
    _check(CRITICAL, ADA)
    refused = _refusal(CRITICAL, BO, ADA)
    assert refused.message == (
        "operation OP-1 still needs an approver with role security; Bo has architect"
    )
    assert refused.hint == "who can approve it: Sam"
    _check(CRITICAL, SAM, ADA)
    assert is_complete(CRITICAL, [_approval(ADA), _approval(SAM)])


def test_security_may_approve_a_critical_change_first() -> None:
    _check(CRITICAL, SAM)
    assert still_needed(CRITICAL, [_approval(SAM)]) == "1 more approval"
    _check(CRITICAL, BO, SAM)
    _check(CRITICAL, LIN, SAM, requester="ada@example.com")
    assert is_complete(CRITICAL, [_approval(SAM), _approval(LIN)])


def test_what_a_critical_change_still_waits_for() -> None:
    assert still_needed(CRITICAL, []) == "2 more approvals (role security)"
    assert still_needed(CRITICAL, [_approval(ADA)]) == "1 more approval (role security)"
    assert still_needed(CRITICAL, [_approval(ADA), _approval(SAM)]) == "nothing"


def test_one_security_approval_alone_does_not_complete_a_critical_change() -> None:
    assert not is_complete(CRITICAL, [_approval(SAM)])


def test_two_approvals_without_security_do_not_complete_a_critical_change() -> None:
    given = [_approval(ADA), _approval(BO)]
    assert not is_complete(CRITICAL, given)
    assert still_needed(CRITICAL, given) == "1 more approval (role security)"


def test_the_same_person_twice_counts_once() -> None:
    given = [_approval(SAM), _approval(SAM)]
    assert not is_complete(CRITICAL, given)
    assert still_needed(CRITICAL, given) == "1 more approval"


def test_a_trivial_change_is_approved_without_anyone() -> None:
    trivial = DEFAULT_RULES[RiskTier.TRIVIAL]
    assert is_complete(trivial, [])
    assert still_needed(trivial, []) == "nothing"
    refused = _refusal(trivial, ADA)
    assert refused.message == "operation OP-1 is trivial: it needs no approval"


def test_the_hint_says_when_nobody_configured_can_approve() -> None:
    lonely = Policy(people=(PEOPLE[0], PEOPLE[3]))
    with pytest.raises(Refused) as refused:
        check_approver("OP-2", CRITICAL, REQUESTER, [_approval(ADA)], BO, lonely)
    assert refused.value.hint == (
        "no configured person can approve it; add approvers under 'people' in the settings"
    )
