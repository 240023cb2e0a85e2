"""Webhook bodies keep their published shape, and Slack messages stay within Block Kit's rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kubemedic.formatters.notification import payload
from kubemedic.models.notification import Notification, Webhook, WebhookFormat

AT = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def notification(**changes: Any) -> Notification:
    values: dict[str, Any] = {
        "event": "operation.sla-breached",
        "title": "Approval overdue: scale deployment/web to 6",
        "text": "OP-2024-0042 waited 4h for approval; the SLA for tier medium is 2h.",
        "record_id": "OP-2024-0042",
        "severity": "medium",
        "occurred_at": AT,
        "fields": (("Target", "deployment/web -n shop"), ("Proposed by", "ana@example.com")),
        "link": "https://kubemedic.example.com/records/OP-2024-0042",
    }
    return Notification(**(values | changes))


def slack_violations(message: dict[str, Any]) -> list[str]:
    """What Slack would refuse in an incoming-webhook message (the Block Kit rules we rely on)."""
    blocks = message["blocks"]
    problems = [] if message.get("text") else ["no fallback text"]
    if not 1 <= len(blocks) <= 50:
        problems.append(f"{len(blocks)} blocks")
    for block in blocks:
        problems += _block_violations(block)
    return problems


def _block_violations(block: dict[str, Any]) -> list[str]:
    kind = block["type"]
    if kind == "header":
        return _text(block["text"], "plain_text", 150, "header")
    if kind == "section":
        problems = _text(block["text"], "mrkdwn", 3000, "section") if "text" in block else []
        fields = block.get("fields", [])
        if "fields" in block and not 1 <= len(fields) <= 10:
            problems.append(f"{len(fields)} fields")
        return problems + [p for field in fields for p in _text(field, "mrkdwn", 2000, "field")]
    if kind == "context":
        elements = block["elements"]
        problems = [] if 1 <= len(elements) <= 10 else ["context elements"]
        return problems + [p for e in elements for p in _text(e, "mrkdwn", 3000, "context")]
    if kind == "actions":
        buttons = block["elements"]
        problems = [p for b in buttons for p in _text(b["text"], "plain_text", 75, "button")]
        return problems + ["button url" for b in buttons if not 1 <= len(b["url"]) <= 3000]
    return [f"unknown block {kind}"]


def _text(obj: dict[str, Any], kind: str, limit: int, where: str) -> list[str]:
    text = obj["text"]
    problems = [] if obj["type"] == kind else [f"{where} is {obj['type']}"]
    if not 1 <= len(text) <= limit:
        problems.append(f"{where} has {len(text)} characters (limit {limit})")
    if kind == "mrkdwn":
        problems += [f"{where}: {p}" for p in unescaped(text)]
    return problems


def unescaped(mrkdwn: str) -> list[str]:
    """Raw <, > or & in mrkdwn, besides the date control sequence kubemedic writes itself."""
    bare = re.sub(r"<!date\^\d+\^[^|>]*\|[^<>]*>", "", mrkdwn)
    problems = [f"raw {char!r}" for char in "<>" if char in bare]
    if re.search(r"&(?!amp;|lt;|gt;)", bare):
        problems.append("raw '&'")
    return problems


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if block["type"] == "section":
            texts += [block["text"]["text"]] if "text" in block else []
            texts += [field["text"] for field in block.get("fields", [])]
        if block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return texts


def test_json_payload_has_the_documented_fields() -> None:
    assert payload(notification(), WebhookFormat.JSON) == {
        "kind": "kubemedic.notification",
        "version": 1,
        "event": "operation.sla-breached",
        "title": "Approval overdue: scale deployment/web to 6",
        "text": "OP-2024-0042 waited 4h for approval; the SLA for tier medium is 2h.",
        "record": "OP-2024-0042",
        "severity": "medium",
        "fields": {"Target": "deployment/web -n shop", "Proposed by": "ana@example.com"},
        "link": "https://kubemedic.example.com/records/OP-2024-0042",
        "occurred_at": "2024-05-01T10:00:00Z",
        "key": "OP-2024-0042/operation.sla-breached/2024-05-01T10:00:00Z",
    }


def test_json_payload_keeps_text_as_written_and_a_missing_link_as_null() -> None:
    document = payload(notification(text="a < b & c", link=None), WebhookFormat.JSON)

    assert document["text"] == "a < b & c"
    assert document["link"] is None


def test_slack_message_has_header_text_fields_context_and_button() -> None:
    message = payload(notification(), WebhookFormat.SLACK)

    assert slack_violations(message) == []
    assert message["text"] == (
        "[medium] Approval overdue: scale deployment/web to 6 (OP-2024-0042)"
    )
    header, section, fields, context, actions = message["blocks"]
    assert header["text"]["text"] == "Approval overdue: scale deployment/web to 6"
    assert section["text"]["text"].startswith("OP-2024-0042 waited 4h")
    assert [field["text"] for field in fields["fields"]] == [
        "*Target*\ndeployment/web -n shop",
        "*Proposed by*\nana@example.com",
    ]
    context_text = context["elements"][0]["text"]
    assert "`OP-2024-0042`" in context_text
    assert f"<!date^{int(AT.timestamp())}^" in context_text
    assert context_text.endswith("|2024-05-01T10:00:00Z>")
    assert actions["elements"][0]["url"] == "https://kubemedic.example.com/records/OP-2024-0042"


def test_slack_message_leaves_out_empty_parts() -> None:
    message = payload(notification(text="  ", fields=(), link=None), WebhookFormat.SLACK)

    assert slack_violations(message) == []
    assert [block["type"] for block in message["blocks"]] == ["header", "context"]


def test_slack_mrkdwn_escapes_what_would_become_mentions_or_links() -> None:
    hostile = "<!channel> see <https://evil.example|this> & more"
    message = payload(
        notification(text=hostile, fields=(("<@U1>", "a > b & c"),), record_id="OP-<1>"),
        WebhookFormat.SLACK,
    )

    assert slack_violations(message) == []
    texts = mrkdwn_texts(message)
    assert texts[0] == "&lt;!channel&gt; see &lt;https://evil.example|this&gt; &amp; more"
    assert texts[1] == "*&lt;@U1&gt;*\na &gt; b &amp; c"
    assert "`OP-&lt;1&gt;`" in texts[2]
    assert message["text"] == "[medium] Approval overdue: scale deployment/web to 6 (OP-&lt;1&gt;)"


def test_slack_header_is_plain_text_and_not_escaped() -> None:
    message = payload(notification(title="Rollback of api <canary> & web"), WebhookFormat.SLACK)

    assert message["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Rollback of api <canary> & web",
        "emoji": True,
    }


def test_slack_cuts_overlong_text_to_block_kit_limits_with_an_ellipsis() -> None:
    fields = tuple((f"Field {n}", "v" * 2500) for n in range(12))
    too_long_link = "https://kubemedic.example.com/" + "r" * 3000
    message = payload(
        notification(title="T" * 200, text="&" * 5000, fields=fields, link=too_long_link),
        WebhookFormat.SLACK,
    )

    assert slack_violations(message) == []
    header, section, fields_section, *_ = message["blocks"]
    assert header["text"]["text"] == "T" * 149 + "…"
    assert section["text"]["text"].endswith("&amp;…")  # never half an entity at the cut
    shown = [field["text"] for field in fields_section["fields"]]
    assert len(shown) == 10
    assert shown[0].startswith("*Field 0*\nvvv")
    assert shown[0].endswith("…")
    assert shown[-1] == "*…*\n3 more fields in the record"
    assert "actions" not in [block["type"] for block in message["blocks"]]  # Slack refuses the URL


def test_slack_empty_title_falls_back_to_the_event() -> None:
    message = payload(notification(title=""), WebhookFormat.SLACK)

    assert slack_violations(message) == []
    assert message["blocks"][0]["text"]["text"] == "operation.sla-breached"


def test_delivery_key_is_stable_across_time_zones_and_keeps_fractions() -> None:
    paris = timezone(timedelta(hours=2))
    same_moment = notification(occurred_at=AT.astimezone(paris))
    precise = notification(occurred_at=AT.replace(microsecond=250000))

    assert same_moment.key == notification().key
    assert precise.key == "OP-2024-0042/operation.sla-breached/2024-05-01T10:00:00.250000Z"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event": "incident.exploded"}, "unknown notification event 'incident.exploded'"),
        ({"occurred_at": datetime(2024, 5, 1, 10)}, "must carry a time zone"),
    ],
)
def test_notification_refuses_unknown_events_and_naive_times(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        notification(**changes)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/services/…"),
        (
            "https://alice:s3cret@Hooks.Example.com:8443/notify?token=abc#x",
            "https://hooks.example.com:8443/notify",
        ),
        ("https://discord.com/api/webhooks/123/abcDEF", "https://discord.com/api/…"),
        ("https://example.com/3f9a8b7c6d5e4f3a2b1c/alerts", "https://example.com/…"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000/?key=secret", "http://127.0.0.1:9000"),
    ],
)
def test_display_url_hides_secrets(url: str, shown: str) -> None:
    assert Webhook(url).display_url == shown


def test_webhook_without_events_wants_all_of_them() -> None:
    assert Webhook("https://example.com/hook").wants("incident.closed")
    assert not Webhook("https://example.com/hook", events=frozenset({"incident.opened"})).wants(
        "incident.closed"
    )
