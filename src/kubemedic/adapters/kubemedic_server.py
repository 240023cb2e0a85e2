"""A kubemedic server's ``/api/v1`` over HTTP, for the CLI in client mode (``--server URL``).

Every answer the server can give becomes either its JSON or one of kubemedic's errors, with the
exit code the CLI documents; nothing of httpx escapes this module:

    no connection, TLS failure, timeout   Unreachable   exit 3  "cannot reach kubemedic server URL"
    401                                   Unauthorized  exit 3  the token was not accepted
    403                                   Refused       exit 6  the server's own message
    404                                   InputError    exit 2  unknown record, as in local mode
    409                                   LockBusy      exit 5
    400, 422                              InputError    exit 2
    5xx, or a body that is not JSON       ClusterError  exit 3  the server's message
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from kubemedic.errors import (
    ClusterError,
    ConfigError,
    InputError,
    KubemedicError,
    LockBusy,
    Refused,
    Unauthorized,
    Unreachable,
)

DEFAULT_TIMEOUT = 60.0
"""Seconds a request may take: an execution dry-runs, applies and records before answering."""


@dataclass(frozen=True, slots=True)
class ServerConnection:
    """Where the server is, how its certificate is checked and the bearer token to present."""

    url: str
    token: str = field(repr=False)
    token_source: str
    """Where the token came from, for messages: ``context "prod"``, ``token file PATH``."""
    ca_file: Path | None = None
    verify_tls: bool = True
    timeout: float = DEFAULT_TIMEOUT


class KubemedicServer:
    """One HTTP client for one command's requests to ``/api/v1``; ``close`` it when done."""

    def __init__(self, connection: ServerConnection) -> None:
        if not connection.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"kubemedic server {connection.url!r}: not an http:// or https:// URL",
                hint="pass --server https://HOST[:PORT] (or set server_url)",
            )
        self.connection = connection
        self.url = connection.url.rstrip("/")
        self._client = httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers={"Authorization": f"Bearer {connection.token}"},
            verify=_verify(connection),
            timeout=connection.timeout,
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON the server answers to ``GET /api/v1<path>``."""
        return self._send("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any] | None = None, *, wait: bool = False) -> Any:
        """The JSON the server answers to ``POST /api/v1<path>``; ``wait`` lifts the timeout
        (for validation stages the server waits for before answering)."""
        return self._send("POST", path, json=dict(body or {}), wait=wait)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        wait: bool = False,
    ) -> Any:
        limit = self.connection.timeout
        timeout = httpx.Timeout(limit, read=None) if wait else httpx.Timeout(limit)
        try:
            response = self._client.request(method, path, params=params, json=json, timeout=timeout)
        except httpx.TimeoutException:
            raise Unreachable(
                f"kubemedic server {self.url} did not answer within {self.connection.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
        return self._answer(response)

    def _unreachable(self, exc: httpx.HTTPError) -> Unreachable:
        reason = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason:
            hint = (
                "pass the server's CA with --certificate-authority FILE "
                "(or, for a test server only, --insecure-skip-tls-verify)"
            )
        else:
            hint = "check the URL (--server or server_url) and that `kubemedic serve` runs there"
        return Unreachable(f"cannot reach kubemedic server {self.url}: {reason}", hint=hint)

    def _answer(self, response: httpx.Response) -> Any:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if status < 400:
            if body is None:
                raise ClusterError(
                    f"kubemedic server {self.url} answered {status} without JSON: "
                    f"{response.text[:200]!r}",
                    hint="is --server the URL of a kubemedic server?",
                )
            return body
        raise self._error(status, body, response)

    def _error(self, status: int, body: Any, response: httpx.Response) -> KubemedicError:
        message, hint = _message(body, response.text)
        if status == 401:
            return Unauthorized(
                f"the kubemedic server {self.url} did not accept your token (TokenReview) "
                f"from {self.connection.token_source}",
                hint="log in to the cluster again, choose another --context, or pass --token-file",
            )
        if status == 403:
            return Refused(message, hint=hint)
        if status == 404:
            if not (isinstance(body, Mapping) and "error" in body):
                return InputError(
                    f"{self.url} has no {response.request.url.path}",
                    hint="is --server (or server_url) the URL of a kubemedic server?",
                )
            return InputError(message, hint=hint or "list them with: kubemedic records list")
        if status == 409:
            return LockBusy(message, hint=hint)
        if status in (400, 422):
            return InputError(f"the kubemedic server refused the request: {message}", hint=hint)
        return ClusterError(f"kubemedic server {self.url} failed ({status}): {message}", hint=hint)


def _message(body: Any, text: str) -> tuple[str, str | None]:
    """The server's ``{"error", "hint"}``, FastAPI's ``{"detail"}``, or the raw text."""
    if isinstance(body, Mapping):
        if "error" in body:
            hint = body.get("hint")
            return str(body["error"]), str(hint) if hint else None
        detail = body.get("detail")
        if isinstance(detail, list):
            return "; ".join(_problem(each) for each in detail), None
        if detail is not None:
            return str(detail), None
    return text.strip()[:500] or "no message", None


def _problem(entry: Any) -> str:
    """One of FastAPI's validation problems: ``body.params.replicas: Input should be ...``."""
    if not isinstance(entry, Mapping):
        return str(entry)
    where = ".".join(str(part) for part in entry.get("loc") or ())
    return f"{where}: {entry.get('msg', '')}" if where else str(entry.get("msg", ""))


def _verify(connection: ServerConnection) -> ssl.SSLContext | bool:
    """How the server's certificate is checked: not at all, against the system's CAs, or
    against the ``--certificate-authority`` file, which must hold a PEM certificate."""
    ca_file = connection.ca_file
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"certificate authority file {ca_file} does not exist")
    if not connection.verify_tls or ca_file is None:
        return connection.verify_tls
    try:
        return ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError as exc:
        raise ConfigError(
            f"certificate authority file {ca_file} holds no usable PEM certificate: "
            f"{exc.reason or exc}",
            hint="pass the server's CA certificate (PEM) with --certificate-authority",
        ) from None
