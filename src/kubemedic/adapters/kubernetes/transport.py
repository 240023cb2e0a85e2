"""GET requests to the API server: raw JSON bytes, timeouts, bounded retries, counted.

kubemedic never deserialises responses into the client's per-object models (too slow for large
clusters and not needed: analyzers read the JSON through typed views). Requests go through a
urllib3 pool configured by the official client (TLS, client certificates, proxy) with the
Authorization header taken from the client's configuration on every request, so exec-plugin
and OIDC tokens are refreshed when they expire. 429 and 5xx answers are retried with
exponential backoff, honouring Retry-After, at most :data:`MAX_TRIES` times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import urllib3

from kubemedic import __version__
from kubemedic.adapters.kubernetes import failures
from kubemedic.adapters.kubernetes.api import ApiRequest
from kubemedic.adapters.kubernetes.kubeconfig import ClusterConfig
from kubemedic.errors import ClusterError

MAX_TRIES = 3
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FIRST_BACKOFF = 0.5
MAX_WAIT = 10.0
"""Longest pause between tries, whatever Retry-After asks."""

Sleep = Callable[[float], None]


@dataclass(slots=True)
class RequestStats:
    """What a scan cost the API server: every HTTP request sent, retries included."""

    requests: int = 0
    paths: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: str) -> None:
        with self._lock:
            self.requests += 1
            self.paths.append(path)


class ApiClient:
    """A read-only client for the few GETs kubemedic makes; safe to share between threads."""

    def __init__(self, config: ClusterConfig, *, timeout: float, sleep: Sleep = time.sleep) -> None:
        self.config = config
        self.timeout = timeout
        self.stats = RequestStats()
        self._sleep = sleep
        self._pool = config.pool_manager()
        self._base = config.host.rstrip("/")

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.clear()

    def get_json(self, request: ApiRequest, *, retry: bool = True) -> dict[str, Any]:
        """The decoded JSON object of a GET, or the ClusterError that explains the refusal."""
        body = self._get(request, accept="application/json", limit=None, retry=retry)
        try:
            decoded = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ClusterError(
                f"the API server at {self.config.host} sent invalid JSON for GET {request.path}"
            ) from exc
        if not isinstance(decoded, dict):
            raise ClusterError(
                f"the API server at {self.config.host} sent no object for GET {request.path}"
            )
        return decoded

    def get_text(self, request: ApiRequest, *, limit: int) -> str:
        """A plain-text GET (a container log), reading at most ``limit`` bytes."""
        body = self._get(request, accept="text/plain", limit=limit, retry=True)
        return body.decode("utf-8", errors="replace")

    def _get(self, request: ApiRequest, *, accept: str, limit: int | None, retry: bool) -> bytes:
        url = self._base + request.path
        tries = MAX_TRIES if retry else 1
        attempt = 1
        while True:
            status, body, retry_after = self._send(request.path, url, accept, limit)
            if status < 300:
                return body
            if status not in RETRY_STATUSES or attempt >= tries:
                raise failures.from_status(request, status, body, self.config, tries=attempt)
            self._sleep(_wait(retry_after, attempt))
            attempt += 1

    def _send(
        self, path: str, url: str, accept: str, limit: int | None
    ) -> tuple[int, bytes, str | None]:
        headers = {
            "Accept": accept,
            "Accept-Encoding": "gzip",
            "User-Agent": f"kubemedic/{__version__}",
        }
        authorization = self.config.authorization()
        if authorization:
            headers["Authorization"] = authorization
        self.stats.record(path)
        try:
            response = self._pool.request(
                "GET",
                url,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                retries=False,
                redirect=False,
                preload_content=False,
            )
            try:
                body = response.read(limit) if limit is not None else response.read()
            finally:
                if limit is None:
                    response.release_conn()
                else:
                    response.close()  # a log may go on past the limit: do not reuse
        except urllib3.exceptions.HTTPError as exc:
            raise failures.unreachable(self.config, exc, self.timeout) from exc
        return response.status, body, response.headers.get("Retry-After")


def _wait(retry_after: str | None, attempt: int) -> float:
    """Seconds before the next try: what Retry-After says, else 0.5 s, 1 s, 2 s, ..."""
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
