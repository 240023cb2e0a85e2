"""Webhook delivery to real HTTP receivers on 127.0.0.1: retries, timeouts, headers, secrets."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kubemedic import __version__
from kubemedic.adapters.notify import deliver
from kubemedic.formatters.notification import payload
from kubemedic.models.notification import Delivery, Notification, Webhook, WebhookFormat

NOTIFICATION = Notification(
    event="incident.opened",
    title="web is crash-looping in shop",
    text="3 of 3 replicas restart with exit code 1.",
    record_id="INC-2024-0007",
    severity="high",
    occurred_at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    fields=(("Workload", "deployment/web -n shop"),),
)
QUICK = 0.3
"""Seconds a test receiver may take before kubemedic gives up on it."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer; after the script runs out a receiver answers 200."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    wait_for: threading.Event | None = None


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver that records every request and answers as the test scripts it."""

    script: list[Reply] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def take(self, request: Received) -> Reply:
        with self.lock:
            self.requests.append(request)
            reply = self.script.pop(0) if self.script else Reply()
        self.arrived.set()
        return reply


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            reply = receiver.take(Received(self.path, dict(self.headers.items()), body))
            if reply.wait_for is not None:
                reply.wait_for.wait(5)
            receiver.stopping.wait(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # kubemedic gave up on a slow answer and closed the connection

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stopping.set()
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture
def receiver(receivers: list[Receiver]) -> Receiver:
    return start(receivers)


def start(receivers: list[Receiver]) -> Receiver:
    receiver = Receiver()
    receiver.thread.start()
    receivers.append(receiver)
    return receiver


@pytest.fixture
def sleeps() -> list[float]:
    """The pauses kubemedic asked for; nothing actually waits."""
    return []


def send(*webhooks: Webhook, sleeps: list[float] | None = None) -> tuple[Delivery, ...]:
    pauses = [] if sleeps is None else sleeps
    return deliver(NOTIFICATION, webhooks, render=payload, sleep=pauses.append)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_json_webhook_gets_the_document_and_kubemedic_headers(receiver: Receiver) -> None:
    hook = Webhook(receiver.url(), headers=(("X-Team", "platform"),))

    (delivery,) = send(hook)

    assert delivery == Delivery(hook.display_url, ok=True, attempts=1, status=200, error=None)
    (request,) = receiver.requests
    assert request.json() == payload(NOTIFICATION, WebhookFormat.JSON)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == f"kubemedic/{__version__}"
    assert request.headers["X-Kubemedic-Event"] == "incident.opened"
    assert (
        request.headers["X-Kubemedic-Delivery"]
        == "INC-2024-0007/incident.opened/2024-05-01T10:00:00Z"
    )
    assert request.headers["X-Team"] == "platform"


def test_slack_webhook_gets_block_kit(receiver: Receiver) -> None:
    (delivery,) = send(Webhook(receiver.url("/services/T000/B000/XXXX"), WebhookFormat.SLACK))

    assert delivery.ok
    body = receiver.requests[0].json()
    assert body == payload(NOTIFICATION, WebhookFormat.SLACK)
    assert body["blocks"][0]["text"]["text"] == "web is crash-looping in shop"


def test_configured_headers_cannot_replace_the_delivery_key(receiver: Receiver) -> None:
    send(Webhook(receiver.url(), headers=(("x-kubemedic-delivery", "mine"),)))

    assert receiver.requests[0].headers["X-Kubemedic-Delivery"] == NOTIFICATION.key
    assert "mine" not in receiver.requests[0].headers.values()


def test_5xx_is_retried_with_backoff_and_the_same_delivery_key(
    receiver: Receiver, sleeps: list[float]
) -> None:
    receiver.answer(Reply(500), Reply(502))

    (delivery,) = send(Webhook(receiver.url()), sleeps=sleeps)

    assert delivery.ok
    assert delivery.attempts == 3
    assert sleeps == [0.5, 1.0]
    keys = {request.headers["X-Kubemedic-Delivery"] for request in receiver.requests}
    assert keys == {NOTIFICATION.key}
    assert len({request.body for request in receiver.requests}) == 1
    assert len(receiver.requests) == 3


def test_retries_stop_after_the_configured_number(receiver: Receiver, sleeps: list[float]) -> None:
    receiver.answer(*[Reply(503)] * 3)
    hook = Webhook(receiver.url(), retries=2)

    (delivery,) = send(hook, sleeps=sleeps)

    assert delivery == Delivery(
        hook.display_url,
        ok=False,
        attempts=3,
        status=503,
        error=f"{hook.display_url}: HTTP 503 Service Unavailable (after 3 attempts)",
    )
    assert sleeps == [0.5, 1.0]


def test_404_is_not_retried_and_quotes_the_receivers_reason(
    receiver: Receiver, sleeps: list[float]
) -> None:
    receiver.answer(Reply(404, b"no_service\n", (("Content-Type", "text/plain"),)))
    hook = Webhook(receiver.url())

    (delivery,) = send(hook, sleeps=sleeps)

    assert delivery.error == f"{hook.display_url}: HTTP 404 Not Found: no_service"
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 404)
    assert len(receiver.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(("retry_after", "pause"), [("1", 1.0), ("3600", 10.0)])
def test_429_waits_as_long_as_retry_after_asks_up_to_10_s(
    receiver: Receiver, sleeps: list[float], retry_after: str, pause: float
) -> None:
    receiver.answer(Reply(429, headers=(("Retry-After", retry_after),)))

    (delivery,) = send(Webhook(receiver.url()), sleeps=sleeps)

    assert (delivery.ok, delivery.attempts) == (True, 2)
    assert sleeps == [pause]


def test_408_is_retried(receiver: Receiver, sleeps: list[float]) -> None:
    receiver.answer(Reply(408))

    (delivery,) = send(Webhook(receiver.url()), sleeps=sleeps)

    assert (delivery.ok, delivery.attempts) == (True, 2)


def test_a_receiver_that_does_not_answer_in_time_is_retried_then_reported(
    receiver: Receiver, sleeps: list[float]
) -> None:
    receiver.answer(Reply(delay=2.0), Reply(delay=2.0))
    hook = Webhook(receiver.url(), timeout=QUICK, retries=1)

    (delivery,) = send(hook, sleeps=sleeps)

    assert delivery == Delivery(
        hook.display_url,
        ok=False,
        attempts=2,
        status=None,
        error=f"{hook.display_url}: no answer within 0.3s (read timeout) (after 2 attempts)",
    )
    assert len(receiver.requests) == 2
    assert sleeps == [0.5]


def test_dead_and_slow_receivers_do_not_hold_up_a_healthy_one(
    receivers: list[Receiver], sleeps: list[float]
) -> None:
    slow, healthy = start(receivers), start(receivers)
    # slow answers only once healthy has its request: delivered one after the other, slow
    # would time out first and the test would fail
    slow.answer(Reply(wait_for=healthy.arrived))
    dead_url = closed_port_url()

    deliveries = send(
        Webhook(slow.url(), timeout=2.0, retries=0),
        Webhook(dead_url, timeout=2.0),
        Webhook(healthy.url()),
        sleeps=sleeps,
    )

    assert [delivery.ok for delivery in deliveries] == [True, False, True]
    assert deliveries[1].error == f"{dead_url}: connection refused (after 4 attempts)"
    assert deliveries[1].status is None


def test_only_webhooks_that_want_the_event_are_called(receivers: list[Receiver]) -> None:
    incidents, approvals, everything = start(receivers), start(receivers), start(receivers)

    deliveries = send(
        Webhook(incidents.url(), events=frozenset({"incident.opened", "incident.closed"})),
        Webhook(approvals.url(), events=frozenset({"operation.proposed"})),
        Webhook(everything.url()),
    )

    assert [d.webhook for d in deliveries] == [incidents.url(), everything.url()]
    assert [len(r.requests) for r in (incidents, approvals, everything)] == [1, 0, 1]


def test_no_webhook_wants_the_event() -> None:
    assert send(Webhook(closed_port_url(), events=frozenset({"validation.failed"}))) == ()


def test_header_values_expand_environment_variables(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBEMEDIC_TEST_HOOK_TOKEN", "t0ken")

    send(
        Webhook(receiver.url(), headers=(("Authorization", "Bearer ${KUBEMEDIC_TEST_HOOK_TOKEN}"),))
    )

    assert receiver.requests[0].headers["Authorization"] == "Bearer t0ken"


def test_a_missing_variable_is_reported_and_nothing_is_sent(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBEMEDIC_TEST_UNSET", raising=False)
    hook = Webhook(receiver.url(), headers=(("Authorization", "Bearer ${KUBEMEDIC_TEST_UNSET}"),))

    (delivery,) = send(hook)

    assert delivery == Delivery(
        hook.display_url,
        ok=False,
        attempts=0,
        status=None,
        error=f"{hook.display_url}: header Authorization needs environment variable "
        "KUBEMEDIC_TEST_UNSET, which is not set; nothing sent",
    )
    assert receiver.requests == []


def test_a_variable_cannot_smuggle_a_second_header(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBEMEDIC_TEST_HOOK_TOKEN", "t0ken\r\nX-Admin: yes")

    (delivery,) = send(
        Webhook(receiver.url(), headers=(("Authorization", "${KUBEMEDIC_TEST_HOOK_TOKEN}"),))
    )

    assert delivery.attempts == 0
    assert delivery.error is not None
    assert "header Authorization holds a line break" in delivery.error
    assert "t0ken" not in delivery.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("hook", "reason"),
    [
        (Webhook("ftp://files.example.com/drop"), "must be http:// or https://"),
        (Webhook("http://127.0.0.1:99999/hook"), "cannot be parsed"),
        (Webhook("http://127.0.0.1:9/hook", timeout=0), "the timeout must be more than 0"),
        (Webhook("http://127.0.0.1:9/hook", headers=(("X Team", "a"),)), "not a valid HTTP token"),
    ],
)
def test_an_unusable_webhook_is_reported_without_sending(hook: Webhook, reason: str) -> None:
    (delivery,) = send(hook)

    assert delivery.attempts == 0
    assert delivery.error is not None
    assert reason in delivery.error


def test_errors_and_records_never_show_the_secret_url(
    receiver: Receiver, sleeps: list[float]
) -> None:
    receiver.answer(Reply(403, b"invalid_token", (("Content-Type", "text/plain"),)))
    secret = receiver.url("/services/T000/B000/XXXXSECRET?token=abc")

    (delivery,) = send(Webhook(secret, WebhookFormat.SLACK), sleeps=sleeps)

    shown = receiver.url("/services/…")
    assert delivery.webhook == shown
    assert delivery.error == f"{shown}: HTTP 403 Forbidden: invalid_token"
    assert receiver.requests[0].path == "/services/T000/B000/XXXXSECRET?token=abc"
