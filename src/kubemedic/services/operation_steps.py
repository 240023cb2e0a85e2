"""One lifecycle step appended to an operation's record.

The new state is worked out from the record as it is when the section is written (inside the
store's update), not from the copy the caller read earlier: two writers racing on the same
operation cannot both move it, and the second gets the lifecycle's refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.governance.lifecycle import Event, next_state
from kubemedic.models.identity import Actor
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.records import Record
from kubemedic.services.records import Step
from kubemedic.services.workspace import Workspace


def append_step(
    ws: Workspace,
    op: OperationRecord,
    actor: Actor,
    event: Event,
    data: Mapping[str, Any],
    text: str,
) -> None:
    """Append ``event`` with ``data`` and ``text`` to ``op``'s record, moving its state."""

    def step(record: Record) -> Step:
        state = next_state(op.id, OperationRecord(record).state, event)
        return Step(event.value, state.value, data, text)

    ws.store.append(op.id, step, actor=actor, at=ws.now(), message=f"{op.id}: {event.value}")
