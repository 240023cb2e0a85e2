"""``/api/v1/events``: server-sent events, one ``record`` event per changed record.

A dashboard subscribes with ``new EventSource("/api/v1/events")`` and refreshes what a
``record`` event names (data: ``{"id", "kind", "state", "at"}``); a comment line every
KEEP_ALIVE seconds keeps proxies from closing an idle stream. What changed is found by the
server's ``RecordFeed`` (``services.record_feed``); this module only streams it.

Every event has an ``id``: a records commit after which the client has seen everything, and
the stream names its starting commit at once. The browser sends the last one back as
``Last-Event-ID`` when it reconnects, and the stream first replays the record events the client
missed since, each once; when that commit is unknown here or too much changed since, a
``reload`` event tells the client to load what it shows again.

A stream ends when the client leaves (Starlette cancels it on ``http.disconnect``), after
MAX_AGE (the browser reconnects by itself, so a stream is authenticated again at least that
often and an expired session stops receiving), and when the server shuts down: uvicorn waits
for open responses before it stops and does not tell a streaming response it is stopping,
so the stream watches the server's exit flag (``app.state.stopping``, set by
``web.app.http_server``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable

import anyio
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from kubemedic.errors import KubemedicError
from kubemedic.services.record_feed import FeedEvent, RecordFeed
from kubemedic.web.context import CallerDep, allowed

TICK = 0.5
"""Seconds between two looks at the feed (and at whether to stop)."""
KEEP_ALIVE = 15.0
MAX_AGE = 300.0
RETRY_MS = 2000
"""How long a browser waits before it reconnects a stream that ended."""
RELOAD_MESSAGE = "the records changed more than this stream can replay: load them again"

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["kubemedic"])


def feed_of(request: Request) -> RecordFeed:
    feed: RecordFeed = request.app.state.record_feed
    return feed


@router.get(
    "/events",
    summary="Live changes: a `record` event {id, kind, state, at} per changed record",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(request: Request, who: CallerDep) -> StreamingResponse:
    allowed(who, "read")
    resume = request.headers.get("last-event-id", "").strip()
    return StreamingResponse(
        _stream(feed_of(request), request.app.state.stopping, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    feed: RecordFeed, stopping: Callable[[], bool], resume: str
) -> AsyncIterator[str]:
    with anyio.CancelScope(shield=True):  # counted once subscribed, uncounted in finally
        start = await run_in_threadpool(feed.subscribe)
    cursor = start.cursor
    try:
        yield f"retry: {RETRY_MS}\n: watching the records\n\n"
        try:
            if resume and resume != start.head:
                missed = await run_in_threadpool(feed.missed, resume, start.head)
                if missed is None:
                    yield _message("reload", {"message": RELOAD_MESSAGE}, start.head)
                for event in missed or ():
                    yield _record(event)
            if start.head:
                yield f"id: {start.head}\n\n"  # where this client resumes from
            started = beat = time.monotonic()
            while not stopping() and time.monotonic() - started < MAX_AGE:
                await anyio.sleep(TICK)
                cursor, changes = await run_in_threadpool(feed.since, cursor)
                for event in changes:
                    yield _record(event)
                if time.monotonic() - beat >= KEEP_ALIVE:
                    beat = time.monotonic()
                    yield ": keep-alive\n\n"
        except KubemedicError as error:  # the records became unreadable: say so, and end
            log.warning("event stream ended: %s", error)
            yield _message("records-unreadable", {"message": str(error)}, None)
    finally:
        feed.unsubscribe()


def _record(event: FeedEvent) -> str:
    return _message("record", event.change.to_data(), event.resume_id)


def _message(name: str, data: dict[str, str], resume_id: str | None) -> str:
    """One event; without an id line the client keeps the id it had."""
    resume = f"id: {resume_id}\n" if resume_id else ""
    return f"event: {name}\n{resume}data: {orjson.dumps(data).decode()}\n\n"
