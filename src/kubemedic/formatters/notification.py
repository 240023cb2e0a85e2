"""The bodies posted to webhooks: kubemedic's own JSON, and Slack's incoming-webhook messages.

Pure functions of a ``Notification``, shared by every sender. The Slack message stays within
Block Kit's limits (Slack rejects the whole message otherwise): over-long text is cut with "…",
and text that Slack reads as mrkdwn has ``&``, ``<`` and ``>`` escaped so record text can never
turn into a mention or a link.
"""

from __future__ import annotations

from kubemedic.models.notification import Notification, WebhookFormat

KIND = "kubemedic.notification"
VERSION = 1

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_FIELDS = 10
BUTTON_TEXT = "Open record"
URL_LIMIT = 3000

Payload = dict[str, object]


def payload(notification: Notification, fmt: WebhookFormat) -> Payload:
    """The JSON body for a receiver of format ``fmt``."""
    if fmt is WebhookFormat.SLACK:
        return slack_message(notification)
    return json_document(notification)


def json_document(notification: Notification) -> Payload:
    """kubemedic's generic webhook body, version 1."""
    return {
        "kind": KIND,
        "version": VERSION,
        "event": notification.event,
        "title": notification.title,
        "text": notification.text,
        "record": notification.record_id,
        "severity": notification.severity,
        "fields": dict(notification.fields),
        "link": notification.link,
        "occurred_at": notification.timestamp,
        "key": notification.key,
    }


def slack_message(notification: Notification) -> Payload:
    """A Slack incoming-webhook message: a fallback line for the alert, and Block Kit blocks."""
    title = notification.title.strip() or notification.event  # Slack refuses an empty header
    blocks: list[Payload] = [{"type": "header", "text": _plain(_clip(title, HEADER_LIMIT))}]
    if notification.text.strip():
        blocks.append(
            {"type": "section", "text": _mrkdwn(escape(notification.text), SECTION_LIMIT)}
        )
    if notification.fields:
        blocks.append({"type": "section", "fields": _fields(notification.fields)})
    blocks.append({"type": "context", "elements": [_mrkdwn(_context(notification), FIELD_LIMIT)]})
    if notification.link and len(notification.link) <= URL_LIMIT:
        button = {"type": "button", "text": _plain(BUTTON_TEXT), "url": notification.link}
        blocks.append({"type": "actions", "elements": [button]})
    fallback = f"[{notification.severity}] {notification.title} ({notification.record_id})"
    return {"text": _clip_escaped(escape(fallback), SECTION_LIMIT), "blocks": blocks}


def escape(text: str) -> str:
    """Text as Slack mrkdwn shows it literally: ``&``, ``<`` and ``>`` as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fields(fields: tuple[tuple[str, str], ...]) -> list[Payload]:
    shown = fields if len(fields) <= MAX_FIELDS else fields[: MAX_FIELDS - 1]
    rendered = [_mrkdwn(f"*{escape(name)}*\n{escape(value)}", FIELD_LIMIT) for name, value in shown]
    if len(shown) < len(fields):
        more = len(fields) - len(shown)
        rendered.append(_mrkdwn(f"*…*\n{more} more fields in the record", FIELD_LIMIT))
    return rendered


def _context(notification: Notification) -> str:
    """Severity, record id and the time, which each reader's Slack shows in their own zone."""
    unix = int(notification.occurred_at.timestamp())
    when = f"<!date^{unix}^{{date_short_pretty}} {{time}}|{notification.timestamp}>"
    severity, record = escape(notification.severity), escape(notification.record_id)
    return f"*{severity}* · record `{record}` · {when}"


def _plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(escaped: str, limit: int) -> Payload:
    """A mrkdwn text object from text already escaped (it may carry kubemedic's own markup)."""
    return {"type": "mrkdwn", "text": _clip_escaped(escaped, limit)}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_escaped(text: str, limit: int) -> str:
    """Like ``_clip``, without leaving half an entity ("&am") at the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return cut + "…"
