"""What the guard leaves behind: a ``rollout-guarded`` note on each record it touched, and, for
a halt, an Event on the Deployment and the ``rollout.halted`` webhooks.

Neither the Event nor a webhook failing undoes a halt: the first is said, the second written
into the record by ``services.notifications``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubemedic.errors import ClusterError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.operations import ref_to_data
from kubemedic.rollouts.outcome import GuardResult
from kubemedic.rollouts.settings import GuardSettings
from kubemedic.services.notifications import notify
from kubemedic.services.rollouts import governed
from kubemedic.services.rollouts.cluster import record_event
from kubemedic.services.workspace import Workspace


def write_notes(
    ws: Workspace,
    actor: Actor,
    result: GuardResult,
    *,
    ref: ObjectRef,
    template_hash: str,
    command: Sequence[str] | None,
    judged_on: str,
    settings: GuardSettings,
) -> None:
    """The outcome on the operations that started, held and halted the rollout (once each)."""
    data = {
        "outcome": result.outcome.value,
        "summary": result.summary,
        "deployment": ref_to_data(ref),
        "template_hash": template_hash,
        "evidence": list(result.evidence),
        "warnings": list(result.warnings),
        "halt": result.halt,
        "hold": result.hold,
        "started_by": result.started_by,
        "command": list(command) if command else None,
        "helm": result.helm.to_data() if result.helm else None,
        "helm_rollback": result.helm_rollback,
        "judged_on": judged_on,
        "rules": _rules(settings),
    }
    text = f"Rollout guard: {result.summary}" + "".join(f"\n- {line}" for line in result.evidence)
    linked = (result.halt, result.hold, result.started_by, result.helm_rollback)
    for record_id in dict.fromkeys(i for i in linked if i):
        governed.note(ws, record_id, actor, data, text)


def announce_halt(
    ws: Workspace,
    deployment: Mapping[str, Any],
    result: GuardResult,
    *,
    ref: ObjectRef,
    say: Callable[[str], None],
) -> None:
    """A Warning Event ``RolloutHalted`` on the Deployment, and the webhooks."""
    try:
        record_event(
            ws.cluster(),
            deployment,
            reason="RolloutHalted",
            message=f"kubemedic rollout guard {result.summary}"
            + (f" ({result.halt})" if result.halt else ""),
            warning=True,
            now=ws.now(),
        )
    except ClusterError as exc:
        say(f"could not record an Event on {ref}: {exc.message}")
    if result.halt:
        notify(
            ws,
            result.halt,
            "rollout.halted",
            title=f"Rollout halted: {ref.kubectl_ref}",
            text=result.summary + "\n" + "\n".join(result.evidence[1:6]),
            severity="high",
        )


def _rules(settings: GuardSettings) -> dict[str, Any]:
    """The rules the rollout was judged by, as the record keeps them."""
    limits = settings.thresholds
    return {
        "first": settings.first,
        "window_seconds": settings.window,
        "interval_seconds": settings.interval,
        "max_error_rate": limits.max_error_rate,
        "min_requests": limits.min_requests,
        "max_latency_ratio": limits.max_latency_ratio,
        "failures": limits.failures,
        "on_failure": settings.on_failure.value,
        "no_data": "pass" if settings.no_data_passes else "halt",
    }
