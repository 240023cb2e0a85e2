"""How long to wait before retrying an HTTP request: Retry-After when given, else doubling.

Shared by every client kubemedic has (the API server, webhooks) so they back off the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

FIRST_BACKOFF = 0.5
MAX_WAIT = 10.0
"""Longest pause between tries, whatever Retry-After asks."""


def retry_wait(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait after try ``attempt``: Retry-After (seconds or date), else 0.5 s, 1 s, ..."""
    backoff = FIRST_BACKOFF * 2.0 ** (attempt - 1)
    if retry_after is None:
        return min(backoff, MAX_WAIT)
    value = retry_after.strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return min(backoff, MAX_WAIT)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max((moment - datetime.now(tz=UTC)).total_seconds(), 0.0), MAX_WAIT)
