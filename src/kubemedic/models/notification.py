"""What kubemedic tells people, where it sends it, and how each delivery went.

A ``Notification`` is one event of a record (an incident opened, an approval overdue, ...); a
``Webhook`` is a configured receiver; a ``Delivery`` is the outcome the caller writes into the
record. Webhook URLs are often secrets themselves (a Slack incoming-webhook URL is its own
credential), so everything that is shown or recorded names a receiver by ``display_url`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

EVENTS = frozenset(
    {
        "incident.opened",
        "incident.closed",
        "operation.proposed",
        "operation.approved",
        "operation.rejected",
        "operation.sla-breached",
        "operation.expired",
        "operation.executed",
        "validation.failed",
        "operation.rolled-back",
        "audit.critical",
        "rollout.halted",
    }
)
"""Every event a notification can be about; a webhook's ``events`` filter names some of them."""

_PLAIN_SEGMENT = re.compile(r"[A-Za-z][A-Za-z._-]{0,31}\d{0,3}")
"""A path segment that reads as a word ("services", "hooks", "v1"), not as a token or an id."""


class WebhookFormat(StrEnum):
    """The body a receiver understands."""

    JSON = "json"
    SLACK = "slack"


@dataclass(frozen=True, slots=True)
class Webhook:
    """A configured receiver of notifications.

    Header values may reference environment variables as ``${NAME}``; they are expanded at
    delivery time so tokens stay out of the settings file. ``Content-Type``, ``User-Agent`` and
    the ``X-Kubemedic-*`` headers are kubemedic's own and are not taken from ``headers``.
    """

    url: str
    format: WebhookFormat = WebhookFormat.JSON
    timeout: float = 5.0
    """Seconds to connect, and seconds to wait for the answer, per attempt."""
    retries: int = 3
    """Extra attempts after the first, on connection errors, timeouts, 408, 429 and 5xx."""
    headers: tuple[tuple[str, str], ...] = ()
    events: frozenset[str] = frozenset()
    """The events sent to this receiver; empty means all of them."""

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events

    @property
    def display_url(self) -> str:
        """The URL safe to show: scheme, host, port and the first path segment, if it is a word.

        Userinfo, query string, fragment and every later path segment are dropped, so
        ``https://hooks.slack.com/services/T000/B000/XXXX`` shows as
        ``https://hooks.slack.com/services/…``.
        """
        parts = urlsplit(self.url.strip())
        host = parts.netloc.rpartition("@")[2].lower()
        segments = [segment for segment in parts.path.split("/") if segment]
        if not segments:
            return f"{parts.scheme}://{host}"
        first = segments[0] if _PLAIN_SEGMENT.fullmatch(segments[0]) else "…"
        hidden = "/…" if len(segments) > 1 and first != "…" else ""
        return f"{parts.scheme}://{host}/{first}{hidden}"


@dataclass(frozen=True, slots=True)
class Notification:
    """One event of one record, as people are told about it."""

    event: str
    title: str
    text: str
    record_id: str
    severity: str
    """The record's risk tier or severity word ("critical", "low", ...)."""
    occurred_at: datetime
    fields: tuple[tuple[str, str], ...] = ()
    link: str | None = None

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"unknown notification event {self.event!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("a notification's occurred_at must carry a time zone")

    @property
    def timestamp(self) -> str:
        """``occurred_at`` in UTC, ISO 8601 with "Z" (fractions of a second kept when present)."""
        return self.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")

    @property
    def key(self) -> str:
        """The same for every delivery and retry of this event, so receivers can drop repeats."""
        return f"{self.record_id}/{self.event}/{self.timestamp}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """How sending one notification to one webhook went; never holds the secret URL."""

    webhook: str
    """The receiver's ``display_url``."""
    ok: bool
    attempts: int
    """Requests sent, retries included; 0 when nothing could be sent."""
    status: int | None
    """The last HTTP status received, if any."""
    error: str | None
    """One line naming the receiver and the reason, when ``ok`` is false."""
