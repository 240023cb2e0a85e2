"""Requests to the API server: raw JSON bytes, timeouts, bounded retries, counted.

kubemedic never deserialises responses into the client's per-object models (too slow for large
clusters and not needed: analyzers read the JSON through typed views). Requests go through a
urllib3 pool configured by the official client (TLS, client certificates, proxy) with the
Authorization header taken from the client's configuration on every request, so exec-plugin
and OIDC tokens are refreshed when they expire. Reads answered 429 or 5xx are retried with
exponential backoff, honouring Retry-After, at most :data:`MAX_TRIES` times; writes only on 429,
because a write answered 5xx may have been applied. Watches are streamed line by line.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import urllib3

from kubemedic import __version__
from kubemedic._internal.backoff import retry_wait
from kubemedic.adapters.kubernetes import failures
from kubemedic.adapters.kubernetes.api import ApiRequest
from kubemedic.adapters.kubernetes.kubeconfig import ClusterConfig
from kubemedic.errors import ClusterError

MAX_TRIES = 3
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
WRITE_RETRY_STATUSES = frozenset({429})
"""429 means the server did not take the write on; after a 5xx it may have."""
JSON = "application/json"

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
    """A client for the requests kubemedic makes; safe to share between threads."""

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

    def request(
        self,
        request: ApiRequest,
        *,
        body: bytes | None = None,
        content_type: str = JSON,
        retry: bool = True,
    ) -> dict[str, Any]:
        """Send ``request`` (its HTTP method follows its verb) and decode the JSON object
        answered, or raise the ClusterError that explains the refusal."""
        answer = self._exchange(request, JSON, body, content_type, limit=None, retry=retry)
        try:
            decoded = orjson.loads(answer)
        except orjson.JSONDecodeError as exc:
            raise ClusterError(
                f"the API server at {self.config.host} sent invalid JSON for "
                f"{request.method} {request.path}"
            ) from exc
        if not isinstance(decoded, dict):
            raise ClusterError(
                f"the API server at {self.config.host} sent no object for "
                f"{request.method} {request.path}"
            )
        return decoded

    def get_json(self, request: ApiRequest, *, retry: bool = True) -> dict[str, Any]:
        """The decoded JSON object of a GET, or the ClusterError that explains the refusal."""
        return self.request(request, retry=retry)

    def get_text(self, request: ApiRequest, *, limit: int) -> str:
        """A plain-text GET (a container log), reading at most ``limit`` bytes."""
        answer = self._exchange(request, "text/plain", None, JSON, limit=limit, retry=True)
        return answer.decode("utf-8", errors="replace")

    def stream(self, request: ApiRequest, *, read_timeout: float) -> LineStream:
        """Open a streamed GET (a watch), or raise the ClusterError that explains a refusal."""
        response = self._open(request, JSON, None, JSON, read_timeout=read_timeout, gzip=False)
        if response.status >= 300:
            answer = self._read(response, None, read_timeout)
            raise failures.from_status(request, response.status, answer, self.config, tries=1)
        return LineStream(response, self.config, read_timeout)

    def _exchange(
        self,
        request: ApiRequest,
        accept: str,
        body: bytes | None,
        content_type: str,
        *,
        limit: int | None,
        retry: bool,
    ) -> bytes:
        retried = WRITE_RETRY_STATUSES if request.is_write else RETRY_STATUSES
        tries = MAX_TRIES if retry else 1
        attempt = 1
        while True:
            response = self._open(
                request, accept, body, content_type, read_timeout=self.timeout, gzip=True
            )
            answer = self._read(response, limit, self.timeout)
            if response.status < 300:
                return answer
            if response.status not in retried or attempt >= tries:
                raise failures.from_status(
                    request, response.status, answer, self.config, tries=attempt
                )
            self._sleep(retry_wait(response.headers.get("Retry-After"), attempt))
            attempt += 1

    def _open(
        self,
        request: ApiRequest,
        accept: str,
        body: bytes | None,
        content_type: str,
        *,
        read_timeout: float,
        gzip: bool,
    ) -> urllib3.BaseHTTPResponse:
        headers = {"Accept": accept, "User-Agent": f"kubemedic/{__version__}"}
        if gzip:
            headers["Accept-Encoding"] = "gzip"
        if body is not None:
            headers["Content-Type"] = content_type
        authorization = self.config.authorization()
        if authorization:
            headers["Authorization"] = authorization
        self.stats.record(request.path)
        try:
            return self._pool.request(
                request.method,
                self._base + request.path,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.timeout, read=read_timeout),
                retries=False,
                redirect=False,
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise failures.unreachable(self.config, exc, self.timeout) from exc

    def _read(self, response: urllib3.BaseHTTPResponse, limit: int | None, timeout: float) -> bytes:
        try:
            return response.read(limit) if limit is not None else response.read()
        except urllib3.exceptions.HTTPError as exc:
            raise failures.unreachable(self.config, exc, timeout) from exc
        finally:
            if limit is None:
                response.release_conn()
            else:
                response.close()  # a log may go on past the limit: do not reuse


class LineStream:
    """An open streamed answer (a watch), read line by line.

    urllib3 cannot go on reading a stream after a read timeout, so a watch that must stop
    promptly reads in one thread and calls :meth:`abort` from another.
    """

    def __init__(
        self, response: urllib3.BaseHTTPResponse, config: ClusterConfig, read_timeout: float
    ) -> None:
        self._response = response
        self._config = config
        self._read_timeout = read_timeout
        self._aborted = False

    def __iter__(self) -> Iterator[bytes]:
        """Non-empty lines until the server ends the stream; Unreachable if it breaks."""
        try:
            for line in self._response:
                if line.strip():
                    yield line
        except urllib3.exceptions.HTTPError as exc:
            if not self._aborted:
                raise failures.unreachable(self._config, exc, self._read_timeout) from exc

    def abort(self) -> None:
        """End the stream: a read blocked in another thread returns at once."""
        self._aborted = True
        with contextlib.suppress(ValueError, RuntimeError, OSError):
            self._response.shutdown()  # ValueError, RuntimeError: the stream had ended

    def close(self) -> None:
        self._response.close()
