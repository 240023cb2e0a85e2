"""The operation lifecycle as an explicit state machine, so an illegal step is refused, not done.

Every section appended to an operation record names an event; this table says from which states
the event may happen and where it leads. The services layer asks ``next_state`` before it writes
anything, and ``records verify`` / ``records audit`` replay the same table over the trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from kubemedic.errors import Refused
from kubemedic.models.operations import OperationState as S


class Event(StrEnum):
    """What can happen to an operation; each is one record section and one git commit."""

    SUBMIT = "submitted"
    AUTO_APPROVE = "auto-approved"
    APPROVE = "approved"
    APPROVE_PARTLY = "approval-added"
    REJECT = "rejected"
    EXPIRE = "expired"
    CANCEL = "cancelled"
    START = "execution-started"
    COMPLETE = "executed"
    FAIL = "execution-failed"
    VALIDATION_OK = "validation-passed"
    VALIDATION_BAD = "validation-failed"
    ROLLBACK_START = "rollback-started"
    ROLLBACK_DONE = "rolled-back"
    ROLLBACK_FAIL = "rollback-failed"


_PENDING = frozenset({S.PENDING_APPROVAL})
_APPROVED = frozenset({S.APPROVED, S.CONDITIONALLY_APPROVED})
_CHANGED = frozenset({S.EXECUTED, S.VALIDATED, S.VALIDATION_FAILED})

TRANSITIONS: Mapping[Event, tuple[frozenset[S], frozenset[S]]] = {
    Event.SUBMIT: (frozenset({S.PROPOSED}), frozenset({S.PENDING_APPROVAL})),
    Event.AUTO_APPROVE: (frozenset({S.PROPOSED}), frozenset({S.APPROVED})),
    Event.APPROVE_PARTLY: (_PENDING, _PENDING),
    Event.APPROVE: (_PENDING, _APPROVED),
    Event.REJECT: (_PENDING, frozenset({S.REJECTED})),
    Event.EXPIRE: (_PENDING | _APPROVED, frozenset({S.EXPIRED})),
    Event.CANCEL: (_PENDING | _APPROVED | {S.PROPOSED}, frozenset({S.CANCELLED})),
    Event.START: (_APPROVED, frozenset({S.EXECUTING})),
    Event.COMPLETE: (frozenset({S.EXECUTING}), frozenset({S.EXECUTED})),
    Event.FAIL: (frozenset({S.EXECUTING}), frozenset({S.FAILED})),
    Event.VALIDATION_OK: (frozenset({S.EXECUTED, S.VALIDATED}), frozenset({S.VALIDATED})),
    Event.VALIDATION_BAD: (frozenset({S.EXECUTED, S.VALIDATED}), frozenset({S.VALIDATION_FAILED})),
    Event.ROLLBACK_START: (_CHANGED | {S.ROLLING_BACK}, frozenset({S.ROLLING_BACK})),
    Event.ROLLBACK_DONE: (frozenset({S.ROLLING_BACK}), frozenset({S.ROLLED_BACK})),
    Event.ROLLBACK_FAIL: (frozenset({S.ROLLING_BACK}), frozenset({S.ROLLING_BACK})),
}
"""event -> (states it may happen in, states it may lead to)."""

TERMINAL = frozenset({S.REJECTED, S.EXPIRED, S.CANCELLED, S.FAILED, S.ROLLED_BACK})
"""Nothing more happens to an operation in these states (a new proposal is needed)."""

DOING: Mapping[Event, str] = {
    Event.SUBMIT: "be submitted",
    Event.AUTO_APPROVE: "be approved",
    Event.APPROVE: "be approved",
    Event.APPROVE_PARTLY: "be approved",
    Event.REJECT: "be rejected",
    Event.EXPIRE: "expire",
    Event.CANCEL: "be cancelled",
    Event.START: "be executed",
    Event.COMPLETE: "complete its execution",
    Event.FAIL: "fail its execution",
    Event.VALIDATION_OK: "be validated",
    Event.VALIDATION_BAD: "be validated",
    Event.ROLLBACK_START: "be rolled back",
    Event.ROLLBACK_DONE: "finish a rollback",
    Event.ROLLBACK_FAIL: "fail a rollback",
}

_WHAT_NOW: Mapping[S, str] = {
    S.PENDING_APPROVAL: "it waits for approval: kubemedic approve {id}",
    S.APPROVED: "it can be executed: kubemedic execute {id}",
    S.CONDITIONALLY_APPROVED: "it can be executed when its conditions hold: kubemedic execute {id}",
    S.REJECTED: "it was rejected; propose the change again if it is still needed",
    S.EXPIRED: "it expired; propose the change again if it is still needed",
    S.CANCELLED: "it was cancelled; propose the change again if it is still needed",
    S.EXECUTING: "it is being executed; run kubemedic execute {id} to resume an interrupted run",
    S.EXECUTED: "it was executed: kubemedic validate {id}, or kubemedic rollback {id}",
    S.FAILED: "its execution failed without changing the cluster; propose it again",
    S.VALIDATED: "it was executed and validated; kubemedic rollback {id} undoes it",
    S.VALIDATION_FAILED: "its validation failed: kubemedic rollback {id}",
    S.ROLLING_BACK: "it is being rolled back: kubemedic rollback {id} resumes",
    S.ROLLED_BACK: "it was rolled back",
}


def next_state(record_id: str, current: S, event: Event, wanted: S | None = None) -> S:
    """The state after ``event``, or ``Refused`` naming the state and what is possible instead.

    ``wanted`` picks the target when an event may lead to several states (an approval that
    completes the rule with conditions leads to conditionally-approved).
    """
    sources, targets = TRANSITIONS[event]
    if current not in sources:
        raise Refused(
            f"operation {record_id} is {current.value}: it cannot {DOING[event]}",
            hint=what_now(record_id, current),
        )
    if wanted is None:
        if len(targets) != 1:
            raise ValueError(f"{event.value} needs an explicit target state")
        return next(iter(targets))
    if wanted not in targets:
        raise ValueError(f"{event.value} cannot lead to {wanted.value}")
    return wanted


def what_now(record_id: str, state: S) -> str:
    """One sentence on what can happen next to an operation in ``state``."""
    return _WHAT_NOW.get(state, "").format(id=record_id)


def is_legal(current: S, event: Event, after: S) -> bool:
    """True when the trail's step ``current --event--> after`` is one the table allows."""
    sources, targets = TRANSITIONS[event]
    return current in sources and after in targets
