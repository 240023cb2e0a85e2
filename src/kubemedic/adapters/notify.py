"""POST notifications to webhooks without ever letting a receiver hold kubemedic up.

Each receiver gets its own thread, its own timeout and its own retries (connection errors,
timeouts, 408, 429 with Retry-After, 5xx; 0.5 s, 1 s, 2 s, ... apart), so a dead or slow one
costs only its own time and never hides the others. Nothing raises: every outcome is a
``Delivery`` the caller writes into the record, and every message names the receiver by its
``display_url``, never by the URL itself, which may be a credential. All tries of one
notification carry the same ``X-Kubemedic-Delivery`` key so receivers can drop repeats.

The body comes from ``render`` (the services layer passes ``formatters.notification.payload``):
adapters do not import formatters.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus

import orjson
import urllib3

from kubemedic import __version__
from kubemedic._internal.backoff import retry_wait
from kubemedic.adapters.connection import connection_failure
from kubemedic.models.notification import Delivery, Notification, Webhook, WebhookFormat

Render = Callable[[Notification, WebhookFormat], Mapping[str, object]]
Sleep = Callable[[float], None]

RETRY_STATUSES = frozenset({408, 429})
"""Retried besides every 5xx."""
MAX_TIMEOUT = 300.0
EXCERPT_BYTES = 4096
EXCERPT_CHARS = 120
"""How much of an error answer's first line is quoted (Slack explains itself there)."""

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def deliver(
    notification: Notification,
    webhooks: Sequence[Webhook],
    *,
    render: Render,
    sleep: Sleep = time.sleep,
) -> tuple[Delivery, ...]:
    """Send ``notification`` to every webhook that wants its event, all at once.

    Returns one ``Delivery`` per webhook that wants the event, in the order given.
    """
    chosen = [webhook for webhook in webhooks if webhook.wants(notification.event)]
    if not chosen:
        return ()
    bodies = {
        fmt: orjson.dumps(render(notification, fmt)) for fmt in {hook.format for hook in chosen}
    }
    pool = urllib3.PoolManager(num_pools=len(chosen), maxsize=len(chosen))
    try:
        with ThreadPoolExecutor(len(chosen), thread_name_prefix="kubemedic-notify") as threads:
            sends = [
                threads.submit(_deliver_one, pool, notification, hook, bodies[hook.format], sleep)
                for hook in chosen
            ]
            return tuple(send.result() for send in sends)
    finally:
        pool.clear()


class _Unsendable(Exception):
    """The request cannot be made at all (bad URL, unset variable, bad header); nothing is sent."""


@dataclass(frozen=True, slots=True)
class _Answer:
    """What one try got: an HTTP status, or only the reason there was none."""

    status: int | None
    reason: str
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def worth_retrying(self) -> bool:
        return self.status is None or self.status in RETRY_STATUSES or self.status >= 500


def _deliver_one(
    pool: urllib3.PoolManager,
    notification: Notification,
    webhook: Webhook,
    body: bytes,
    sleep: Sleep,
) -> Delivery:
    where = webhook.display_url
    try:
        _check(webhook)
        headers = _headers(notification, webhook)
    except _Unsendable as problem:
        return Delivery(where, ok=False, attempts=0, status=None, error=f"{where}: {problem}")
    tries = 1 + max(webhook.retries, 0)
    attempt = 1
    while True:
        answer = _post(pool, webhook, body, headers)
        if answer.ok:
            return Delivery(where, ok=True, attempts=attempt, status=answer.status, error=None)
        if not answer.worth_retrying or attempt >= tries:
            after = f" (after {attempt} attempts)" if attempt > 1 else ""
            error = f"{where}: {answer.reason}{after}"
            return Delivery(where, ok=False, attempts=attempt, status=answer.status, error=error)
        sleep(retry_wait(answer.retry_after, attempt))
        attempt += 1


def _post(
    pool: urllib3.PoolManager, webhook: Webhook, body: bytes, headers: dict[str, str]
) -> _Answer:
    try:
        response = pool.request(
            "POST",
            webhook.url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=webhook.timeout, read=webhook.timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return _Answer(None, connection_failure(exc, webhook.timeout))
    try:
        excerpt = _excerpt(response) if not 200 <= response.status < 300 else ""
    finally:
        response.close()
        response.release_conn()
    phrase = response.reason or _phrase(response.status)
    reason = f"HTTP {response.status} {phrase}".rstrip() + (f": {excerpt}" if excerpt else "")
    return _Answer(response.status, reason, response.headers.get("Retry-After"))


def _excerpt(response: urllib3.BaseHTTPResponse) -> str:
    """The first line of a short plain-text or JSON error answer; "" for HTML pages and the like."""
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith(("text/plain", "application/json")):
        return ""
    try:
        raw = response.read(EXCERPT_BYTES, decode_content=False)
    except urllib3.exceptions.HTTPError:
        return ""
    lines = raw.decode("utf-8", errors="replace").strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if len(first) <= EXCERPT_CHARS else first[: EXCERPT_CHARS - 1] + "…"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _check(webhook: Webhook) -> None:
    """Refuse what urllib3 would raise on: a URL it cannot use, a timeout it cannot set."""
    try:
        parsed = urllib3.util.parse_url(webhook.url)
    except urllib3.exceptions.LocationParseError:
        raise _Unsendable("the webhook URL cannot be parsed; nothing sent") from None
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise _Unsendable("the webhook URL must be http:// or https:// with a host; nothing sent")
    if not 0 < webhook.timeout <= MAX_TIMEOUT:
        raise _Unsendable(
            f"the timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds; nothing sent"
        )


def _headers(notification: Notification, webhook: Webhook) -> dict[str, str]:
    """kubemedic's headers over the webhook's own, with ``${NAME}`` references expanded."""
    own = {
        "Content-Type": "application/json",
        "User-Agent": f"kubemedic/{__version__}",
        "X-Kubemedic-Event": notification.event,
        "X-Kubemedic-Delivery": notification.key,
    }
    reserved = {name.lower() for name in own}
    configured = {
        name: _expand(name, value)
        for name, value in webhook.headers
        if name.lower() not in reserved
    }
    headers = configured | own
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise _Unsendable(f"header name {name!r} is not a valid HTTP token; nothing sent")
        if not _HEADER_VALUE.fullmatch(value):
            raise _Unsendable(
                f"header {name} holds a line break or a non-ASCII character; nothing sent"
            )
    return headers


def _expand(name: str, value: str) -> str:
    def variable(match: re.Match[str]) -> str:
        found = os.environ.get(match[1])
        if found is None:
            raise _Unsendable(
                f"header {name} needs environment variable {match[1]}, which is not set; "
                "nothing sent"
            )
        return found

    return _ENV_REFERENCE.sub(variable, value)
