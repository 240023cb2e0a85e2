"""A client for the Prometheus HTTP API, for Prometheus and everything that speaks it.

Thanos, Mimir, Cortex and VictoriaMetrics serve the same ``/api/v1`` endpoints, often under a
path prefix, so the URL given is the base the endpoints are appended to. Queries are sent as
POST forms, so a long query never meets a URL length limit, with the client timeout passed on
as the server's evaluation timeout, so an abandoned query stops loading the server. Nothing is
retried: a heavy query that failed would only load an overloaded server again.

Every failure becomes a ``MetricsError`` naming the server and what was being read; see
``answers`` for how an answer is judged. Credentials — a bearer token, or user info in the
URL sent as basic authentication — are sent, never shown; the URL is shown without user info
or query string.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import urllib3

from kubemedic import __version__
from kubemedic.adapters.connection import connection_failure
from kubemedic.adapters.prometheus import answers
from kubemedic.adapters.prometheus.answers import RangeSeries, Sample
from kubemedic.errors import ConfigError, MetricsError

CONNECTIONS = 4
"""Connections kept open: the most queries kubemedic runs at once."""
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class PrometheusClient:
    """Instant and range queries, and label names, against one server; safe across threads.

    ``requests`` counts every HTTP request sent, so a caller (or a test) can see what a run
    cost the server.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        verify_tls: bool = True,
        ca_file: str | None = None,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"the Prometheus URL must be http:// or https:// with a host, got {_shown(url)!r}"
            )
        if not timeout > 0:
            raise ConfigError(f"the Prometheus timeout must be more than 0 s, got {timeout:g}")
        self.url = _shown(url)
        """The URL as it may be shown: no user info, no query string."""
        self.timeout = timeout
        self.requests = 0
        self._base = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])).rstrip("/")
        self._headers = _request_headers(headers or {}, token, parts.username, parts.password)
        self._credentials = "authorization" in {name.lower() for name in self._headers}
        self._lock = threading.Lock()
        self._pool = urllib3.PoolManager(
            maxsize=CONNECTIONS,
            cert_reqs="CERT_REQUIRED" if verify_tls else "CERT_NONE",
            ca_certs=ca_file,
        )

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.clear()

    def query(self, expr: str, *, at: datetime, purpose: str) -> list[Sample]:
        """An instant query evaluated at ``at``; ``purpose`` names it in errors."""
        data = self._call("query", {"query": expr, "time": _unix(at)}, purpose, expr)
        return answers.vector(data, self.url, purpose)

    def query_range(
        self, expr: str, *, start: datetime, end: datetime, step: float, purpose: str
    ) -> list[RangeSeries]:
        """A range query from ``start`` to ``end`` every ``step`` seconds."""
        fields = {"query": expr, "start": _unix(start), "end": _unix(end), "step": f"{step:g}"}
        data = self._call("query_range", fields, purpose, expr)
        return answers.matrix(data, self.url, purpose)

    def label_names(self, match: str, *, start: datetime, end: datetime, purpose: str) -> list[str]:
        """The label names of the series ``match`` selects that have samples in the range."""
        fields = {"match[]": match, "start": _unix(start), "end": _unix(end)}
        data = self._call("labels", fields, purpose, match)
        return answers.strings(data, self.url, purpose)

    def _call(self, endpoint: str, fields: dict[str, str], purpose: str, expr: str) -> Any:
        with self._lock:
            self.requests += 1
        try:
            response = self._pool.request(
                "POST",
                f"{self._base}/api/v1/{endpoint}",
                fields={**fields, "timeout": f"{self.timeout:g}"},
                encode_multipart=False,
                headers=self._headers,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                retries=False,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise self._unanswered(exc, purpose) from None
        return answers.data(
            answers.Answer(
                endpoint=f"/api/v1/{endpoint}",
                status=response.status,
                content_type=response.headers.get("Content-Type", ""),
                body=response.data,
            ),
            url=self.url,
            purpose=purpose,
            query=expr,
            credentials=self._credentials,
        )

    def _unanswered(self, exc: urllib3.exceptions.HTTPError, purpose: str) -> MetricsError:
        refused = isinstance(exc, urllib3.exceptions.NewConnectionError)  # a TimeoutError too
        if isinstance(exc, urllib3.exceptions.TimeoutError) and not refused:
            return MetricsError(
                f"Prometheus at {self.url} did not answer within {self.timeout:g}s "
                f"while reading {purpose}",
                hint="raise the Prometheus timeout, or read fewer namespaces or less history",
            )
        return MetricsError(
            f"cannot reach Prometheus at {self.url} while reading {purpose}: "
            f"{connection_failure(exc, self.timeout)}",
            hint="check the Prometheus URL, and that the server runs and is reachable from here",
        )


def _request_headers(
    headers: Mapping[str, str], token: str | None, user: str | None, password: str | None
) -> dict[str, str]:
    """The configured headers (checked, values never shown), ours, and the credentials: the
    bearer token, else the URL's user info as basic authentication."""
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ConfigError(f"the Prometheus header name {name!r} is not a valid HTTP header")
        if "\r" in value or "\n" in value:
            raise ConfigError(f"the value of the Prometheus header {name} holds a line break")
    own = {"Accept": "application/json", "User-Agent": f"kubemedic/{__version__}"}
    if token:
        own["Authorization"] = f"Bearer {token}"
    elif user is not None:
        basic = urllib3.util.make_headers(basic_auth=f"{unquote(user)}:{unquote(password or '')}")
        own["Authorization"] = basic["authorization"]
    return {**headers, **own}


def _shown(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _unix(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"
