"""Text and JSON for the governed commands: proposals, approvals, executions, validations.

Plain text a person reads in a terminal or a cron mail; JSON (``--json``) for scripts, with
the same fields. The first line of a proposal is its id alone, so scripts can take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.models.operations import OperationState
from kubemedic.models.outcomes import (
    Escalation,
    Execution,
    PendingApproval,
    Proposal,
    RollbackOutcome,
    Validation,
)


def to_json(value: Any) -> str:
    """Any outcome (a dataclass or a list of them) as indented JSON."""
    data = [asdict(v) for v in value] if isinstance(value, list | tuple) else asdict(value)
    option = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    return orjson.dumps(data, option=option, default=_default).decode()


def _default(value: object) -> object:
    if hasattr(value, "isoformat"):
        return format_time(value)  # type: ignore[arg-type]
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(type(value).__name__)


def proposal_text(p: Proposal) -> str:
    lines = [p.id, f"  {p.summary}", f"  tier: {p.tier.value} ({p.tier_reason})"]
    if p.state is OperationState.PENDING_APPROVAL:
        lines.append(f"  pending approval: needs {p.needs}")
        if p.approvers:
            lines.append(f"  who can approve: {', '.join(p.approvers)}")
        else:
            lines.append(
                "  nobody is configured to approve it: list people and their roles under "
                "'people' in the settings file (docs/operations.md)"
            )
        lines.append(
            f"  next: kubemedic approve {p.id}   (or: kubemedic reject {p.id} --reason ...)"
        )
    else:
        lines.append(f"  {p.state.value}: no approval needed")
        lines.append(f"  next: kubemedic execute {p.id}")
    return "\n".join(lines)


def execution_text(e: Execution) -> str:
    if e.state is OperationState.FAILED:
        return f"{e.id} failed: {e.detail}\nNothing was changed by kubemedic; propose it again."
    note = " (resumed an interrupted run)" if e.resumed else ""
    return f"{e.id} executed{note}: {e.detail}\nnext: kubemedic validate {e.id} --wait"


def validation_text(v: Validation) -> str:
    lines = []
    for stage in v.stages:
        verdict = "passed" if stage.ok else "FAILED"
        lines.append(
            f"{v.id} validation stage {stage.stage} ({human_duration(stage.delay)}): {verdict}"
        )
        for result in stage.results:
            mark = {True: "ok  ", False: "FAIL", None: "n/a "}[result.ok]
            lines.append(f"  {mark} {result.name}: {result.detail}")
    if v.next_due is not None:
        lines.append(f"{v.id}: next validation stage due at {format_time(v.next_due)}")
    if v.rolled_back_by:
        lines.append(f"{v.id}: rolled back by {v.rolled_back_by}")
    elif v.state is OperationState.VALIDATION_FAILED:
        lines.append(f"next: kubemedic rollback {v.id}")
    lines.append(f"{v.id} is {v.state.value}")
    return "\n".join(lines)


def rollback_text(r: RollbackOutcome) -> str:
    if r.state is OperationState.ROLLED_BACK:
        return f"{r.id} rolled back by {r.revert_id} in {r.seconds:.0f} s"
    return f"{r.id} is {r.state.value}: the rollback {r.revert_id} did not validate"


def approvals_text(pending: Sequence[PendingApproval]) -> str:
    if not pending:
        return "No operation waits for approval."
    rows = [("ID", "TIER", "AGE", "SLA LEFT", "NEEDS", "REQUESTER", "CHANGE")]
    for p in pending:
        left = (
            human_duration(p.left_seconds)
            if p.left_seconds >= 0
            else (f"BREACHED {human_duration(-p.left_seconds)} ago")
        )
        tier = p.tier + (" (emergency)" if p.emergency else "")
        rows.append(
            (p.id, tier, human_duration(p.age_seconds), left, p.needs, p.requester, p.summary)
        )
    return table(rows)


def escalation_text(e: Escalation) -> str:
    lines = [f"SLA breached: {i}" for i in e.breached] + [f"expired: {i}" for i in e.expired]
    return "\n".join(lines) or "No SLA breach and nothing expired."


def table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded like kubectl's tables (the last one unpadded)."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "   ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1]))
        + "   "
        + str(row[-1])
        for row in rows
    )
