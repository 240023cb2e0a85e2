"""The guard's writes as plans: an undo that also unpauses, in one patch.

``kubectl rollout undo`` refuses a paused Deployment ("resume it first"), and resuming first
would let the bad template roll on for a moment. The guard instead sends the previous
template and ``spec.paused: false`` in one JSON patch, whose inverse restores both.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kubemedic.models.operations import Change, Plan

UNDO_CHECKS = ("rollout-complete", "no-crashloop")
"""What proves an undo worked (``change-holds`` is always added): the old pods are back."""


def with_unpause(plan: Plan) -> Plan:
    """``plan`` (an undo: a JSON patch of ``/spec/template``) that also unpauses."""
    return replace(
        plan,
        summary=plan.summary + ", and unpause it in the same patch",
        change=_and_paused(plan.change, paused=False),
        inverse=_and_paused(plan.inverse, paused=True) if plan.inverse else None,
        prior={**plan.prior, "paused": True},
        after={**plan.after, "paused": False},
    )


def _and_paused(change: Change, *, paused: bool) -> Change:
    ops: list[Any] = [*(change.body or {}).get("ops", ())]
    ops.append({"op": "add", "path": "/spec/paused", "value": paused})
    return replace(change, body={"ops": ops})
