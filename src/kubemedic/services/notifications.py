"""Tell people what happened, and write into the record when a receiver could not be told.

A failing webhook never blocks the step that caused the notification and never loses it: the
step is already committed, and a ``notification-failed`` note records which receiver failed and
why (the URL shown without its secret parts).
"""

from __future__ import annotations

from collections.abc import Sequence

from kubemedic.adapters.notify import deliver
from kubemedic.formatters.notification import payload
from kubemedic.models.identity import SYSTEM
from kubemedic.models.notification import Notification
from kubemedic.services.records import Step
from kubemedic.services.workspace import Workspace


def notify(
    ws: Workspace,
    record_id: str,
    event: str,
    *,
    title: str,
    text: str,
    severity: str,
    fields: Sequence[tuple[str, str]] = (),
) -> None:
    """Send one notification to every webhook that wants ``event``; record failed deliveries."""
    if not ws.webhooks:
        return
    notification = Notification(
        event=event,
        title=title,
        text=text,
        record_id=record_id,
        severity=severity,
        occurred_at=ws.now(),
        fields=tuple(fields),
    )
    deliveries = deliver(notification, ws.webhooks, render=payload, sleep=ws.sleep)
    failed = [d for d in deliveries if not d.ok]
    if not failed:
        return
    data = {
        "notification": event,
        "deliveries": [
            {"webhook": d.webhook, "attempts": d.attempts, "status": d.status, "error": d.error}
            for d in failed
        ],
    }
    text_lines = "\n".join(f"- {d.error}" for d in failed)
    ws.store.append(
        record_id,
        Step(
            "notification-failed",
            None,
            data,
            f"Notification {event} was not delivered:\n" + text_lines,
        ),
        actor=SYSTEM,
        at=ws.now(),
        message=f"{record_id}: notification {event} failed",
    )
