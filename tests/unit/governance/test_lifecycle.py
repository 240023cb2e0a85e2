"""The lifecycle table allows exactly its transitions; everything else is refused with a way on."""

from __future__ import annotations

import itertools

import pytest

from kubemedic.errors import EXIT_REFUSED, Refused
from kubemedic.governance.lifecycle import (
    DOING,
    TERMINAL,
    TRANSITIONS,
    Event,
    is_legal,
    next_state,
    what_now,
)
from kubemedic.models.operations import OperationState as S

LEGAL = [
    (event, source, target)
    for event, (sources, targets) in TRANSITIONS.items()
    for source in sorted(sources)
    for target in sorted(targets)
]
ILLEGAL = [
    (event, source)
    for event, (sources, _) in TRANSITIONS.items()
    for source in S
    if source not in sources
]


@pytest.mark.parametrize(("event", "source", "target"), LEGAL)
def test_every_transition_of_the_table_is_allowed(event: Event, source: S, target: S) -> None:
    assert next_state("OP-1", source, event, target) is target
    assert is_legal(source, event, target)


@pytest.mark.parametrize(("event", "source"), ILLEGAL)
def test_every_other_step_is_refused_naming_the_state(event: Event, source: S) -> None:
    with pytest.raises(Refused) as refused:
        next_state("OP-1", source, event)
    assert refused.value.exit_code == EXIT_REFUSED
    assert refused.value.message.startswith(f"operation OP-1 is {source.value}: it cannot ")
    assert refused.value.message.endswith(DOING[event])
    assert refused.value.hint == what_now("OP-1", source)
    assert not any(is_legal(source, event, after) for after in S)


def test_the_happy_path_of_an_approved_change() -> None:
    state = S.PROPOSED
    for event, wanted in [
        (Event.SUBMIT, None),
        (Event.APPROVE_PARTLY, None),
        (Event.APPROVE, S.APPROVED),
        (Event.START, None),
        (Event.COMPLETE, None),
        (Event.VALIDATION_OK, None),
        (Event.VALIDATION_OK, None),
        (Event.ROLLBACK_START, None),
        (Event.ROLLBACK_FAIL, None),
        (Event.ROLLBACK_START, None),
        (Event.ROLLBACK_DONE, None),
    ]:
        state = next_state("OP-1", state, event, wanted)
    assert state is S.ROLLED_BACK


def test_an_approval_with_conditions_may_lead_to_conditionally_approved() -> None:
    after = next_state("OP-1", S.PENDING_APPROVAL, Event.APPROVE, S.CONDITIONALLY_APPROVED)
    assert after is S.CONDITIONALLY_APPROVED
    assert next_state("OP-1", after, Event.START) is S.EXECUTING


def test_an_event_with_several_targets_needs_one_named() -> None:
    with pytest.raises(ValueError, match="approved needs an explicit target state"):
        next_state("OP-1", S.PENDING_APPROVAL, Event.APPROVE)
    with pytest.raises(ValueError, match="cannot lead to executed"):
        next_state("OP-1", S.PENDING_APPROVAL, Event.APPROVE, S.EXECUTED)


@pytest.mark.parametrize("stopped", [S.REJECTED, S.EXPIRED, S.CANCELLED])
def test_a_stopped_operation_can_never_reach_executing(stopped: S) -> None:
    reachable = {stopped}
    frontier = [stopped]
    while frontier:
        state = frontier.pop()
        for sources, targets in TRANSITIONS.values():
            if state in sources:
                frontier += [t for t in targets if t not in reachable]
                reachable |= targets
    assert reachable == {stopped}
    with pytest.raises(Refused) as refused:
        next_state("OP-9", stopped, Event.START)
    assert "propose the change again" in str(refused.value.hint)


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_nothing_happens_to_a_terminal_operation(state: S) -> None:
    assert not any(is_legal(state, event, after) for event, after in itertools.product(Event, S))


def test_execution_needs_an_approval_first() -> None:
    with pytest.raises(Refused) as refused:
        next_state("OP-7", S.PENDING_APPROVAL, Event.START)
    assert "pending-approval" in refused.value.message
    assert refused.value.hint == "it waits for approval: kubemedic approve OP-7"


def test_the_hint_names_the_command_that_moves_the_operation_on() -> None:
    with pytest.raises(Refused) as refused:
        next_state("OP-3", S.EXECUTED, Event.APPROVE, S.APPROVED)
    assert str(refused.value) == (
        "operation OP-3 is executed: it cannot be approved\n"
        "Hint: it was executed: kubemedic validate OP-3, or kubemedic rollback OP-3"
    )


def test_every_state_has_a_hint() -> None:
    for state in S:
        if state is not S.PROPOSED:
            assert what_now("OP-5", state), state


def test_is_legal_checks_the_target_as_well_as_the_source() -> None:
    assert is_legal(S.PENDING_APPROVAL, Event.APPROVE_PARTLY, S.PENDING_APPROVAL)
    assert not is_legal(S.PENDING_APPROVAL, Event.APPROVE_PARTLY, S.APPROVED)
    assert is_legal(S.EXECUTED, Event.VALIDATION_BAD, S.VALIDATION_FAILED)
    assert not is_legal(S.EXECUTED, Event.VALIDATION_BAD, S.VALIDATED)
    assert not is_legal(S.PROPOSED, Event.START, S.EXECUTING)
    assert is_legal(S.PROPOSED, Event.AUTO_APPROVE, S.APPROVED)
    assert not is_legal(S.PROPOSED, Event.AUTO_APPROVE, S.CONDITIONALLY_APPROVED)
