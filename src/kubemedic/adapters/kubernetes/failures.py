"""Turn HTTP statuses and connection failures into kubemedic errors a person can act on.

Each message says what was asked, of which server, as whom, and what came back: the RBAC
refusal as the API server words it (user, verb, resource, namespace) with the ``kubectl auth
can-i`` line that checks it, or the reason a server could not be reached (refused, DNS, TLS
verification, timeout). Credentials never appear in a message.
"""

from __future__ import annotations

import errno
import ssl
from http import HTTPStatus
from typing import Any

import orjson
import urllib3.exceptions as http_errors

from kubemedic.adapters.kubernetes.api import ApiRequest
from kubemedic.adapters.kubernetes.kubeconfig import ClusterConfig
from kubemedic.errors import ClusterError, Forbidden, NotFound, Unauthorized, Unreachable


class ApiStatusError(ClusterError):
    """The API server answered with an error status (kept when no sharper class fits)."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


def status_message(body: bytes) -> str:
    """The ``message`` of a Kubernetes Status body, or the start of whatever else came back."""
    try:
        status: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:300].decode("utf-8", errors="replace").strip()
    message = status.get("message") if isinstance(status, dict) else None
    return message if isinstance(message, str) else ""


def from_status(
    request: ApiRequest, status: int, body: bytes, config: ClusterConfig, *, tries: int
) -> ClusterError:
    message = status_message(body)
    context = f" --context {config.context}" if config.context else ""
    if status == 401:
        return Unauthorized(
            f"the API server rejected the credentials of {config.identity} "
            f"(HTTP 401 Unauthorized{f': {message}' if message else ''})",
            hint=f"log in again or renew the token, then check with: kubectl auth whoami{context}",
        )
    if status == 403:
        return Forbidden(_refusal(request, message), hint=f"check with: {request.can_i}{context}")
    if status == 404 and request.name and not request.subresource:
        kind = request.resource.kind
        where = f' in namespace "{request.namespace}"' if request.namespace else ""
        scope = f" -n {request.namespace}" if request.namespace else ""
        return NotFound(
            f'{kind} "{request.name}" not found{where} ({config.identity})',
            hint=f"list what exists with: kubectl get {request.resource.rbac_name}{scope}{context}",
        )
    if status == 404 and request.verb == "list":
        return NotFound(
            f"the API server does not serve {request.resource.rbac_name} "
            f"({request.resource.group_version})"
        )
    reason = _phrase(status)
    after = f" after {tries} tries" if tries > 1 else ""
    return ApiStatusError(
        f"the API server at {config.host} answered HTTP {status} {reason} to GET "
        f"{request.path}{after}{f': {message}' if message else ''}",
        status=status,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _refusal(request: ApiRequest, message: str) -> str:
    """The API server's own words when they name the refused verb and resource."""
    plural = request.resource.plural
    if message and request.verb in message and plural in message:
        return message
    asked = f"{request.verb} {request.rbac_resource} {request.scope}"
    return f"{message} (refused: {asked})" if message else f"not allowed to {asked}"


def unreachable(config: ClusterConfig, exc: Exception, timeout: float) -> Unreachable:
    """Name the server and what stopped the connection: refused, DNS, TLS, timeout."""
    context = f" --context {config.context}" if config.context else ""
    hint = f"check that the cluster is running and reachable: kubectl cluster-info{context}"
    cause = _cause(exc, timeout)
    if isinstance(exc, http_errors.SSLError):
        hint = (
            "the server's certificate is not signed by the certificate authority in the "
            f"kubeconfig of {config.identity}; check certificate-authority(-data)"
        )
    return Unreachable(f"cannot reach the API server at {config.host}: {cause}", hint=hint)


def _cause(exc: Exception, timeout: float) -> str:
    if isinstance(exc, http_errors.NameResolutionError):
        host = getattr(exc.conn, "host", "") or "the host name"
        return f"DNS lookup of {host} failed ({_os_reason(exc)})"
    if isinstance(exc, http_errors.NewConnectionError):
        refused = isinstance(exc.__cause__ or exc.__context__, ConnectionRefusedError)
        return "connection refused" if refused else f"cannot connect ({_os_reason(exc)})"
    if isinstance(exc, http_errors.ConnectTimeoutError):
        return f"no connection within {timeout:g}s (connect timeout)"
    if isinstance(exc, http_errors.ReadTimeoutError):
        return f"no answer within {timeout:g}s (read timeout)"
    if isinstance(exc, http_errors.SSLError):
        inner = exc.__cause__ or exc.__context__ or exc
        if isinstance(inner, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({inner.verify_message})"
        return f"TLS handshake failed ({inner})"
    if isinstance(exc, http_errors.ProxyError):
        return f"the proxy failed ({exc})"
    if isinstance(exc, http_errors.ProtocolError):
        return f"the connection broke ({_os_reason(exc)})"
    return str(exc)


def _os_reason(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    if isinstance(inner, OSError) and inner.errno is not None:
        return inner.strerror or errno.errorcode.get(inner.errno, str(inner.errno))
    if isinstance(exc, http_errors.ProtocolError) and len(exc.args) > 1:
        return str(exc.args[1])
    return str(inner or exc)
