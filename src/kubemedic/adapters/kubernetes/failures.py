"""Turn HTTP statuses and connection failures into kubemedic errors a person can act on.

Each message says what was asked, of which server, as whom, and what came back: the RBAC
refusal as the API server words it (user, verb, resource, namespace) with the ``kubectl auth
can-i`` line that checks it, the object a write was refused for (changed since it was read,
already there, or invalid with the API's own reason), or the reason a server could not be
reached (refused, DNS, TLS verification, timeout), or that the server is no Kubernetes API
server at all (a wrong URL, a proxy path, a plain web server). Credentials and request bodies
never appear in a message.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
import urllib3.exceptions as http_errors

from kubemedic.adapters.connection import connection_failure
from kubemedic.adapters.kubernetes.api import POD, ApiRequest
from kubemedic.adapters.kubernetes.kubeconfig import ClusterConfig
from kubemedic.errors import (
    ClusterError,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unreachable,
)


class ApiStatusError(ClusterError):
    """The API server answered with an error status (kept when no sharper class fits)."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class NotKubernetes(ClusterError):
    """The server answered, but not as a Kubernetes API server does (it is something else)."""


def not_kubernetes(config: ClusterConfig, request: ApiRequest, answer: str) -> NotKubernetes:
    """The server does not serve pods as every Kubernetes API server does: never a scan that
    finds "no problems" because it found no pods."""
    context = f" --context {config.context}" if config.context else ""
    return NotKubernetes(
        f"the server at {config.host} is not a Kubernetes API server: it answered {answer} to "
        f"GET {config.host.rstrip('/')}{request.path}",
        hint=f"check the server URL of the context: kubectl config view --minify{context} — it "
        "must be the API server itself, not a dashboard, a proxy path or another web server",
    )


def _is_status(body: bytes) -> bool:
    """Whether an error body is the ``Status`` object every Kubernetes API error comes with."""
    try:
        decoded: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(decoded, dict) and decoded.get("kind") == "Status"


def status_message(body: bytes) -> str:
    """The ``message`` of a Kubernetes Status body, or the start of whatever else came back."""
    try:
        status: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:300].decode("utf-8", errors="replace").strip()
    message = status.get("message") if isinstance(status, dict) else None
    return message if isinstance(message, str) else ""


def _status_name(body: bytes) -> str:
    """The object name a Status reports (``details.name``): what a refused create was called."""
    try:
        status: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    details = status.get("details") if isinstance(status, dict) else None
    name = details.get("name") if isinstance(details, dict) else None
    return name if isinstance(name, str) else ""


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
    if status == 404 and request.resource is POD and not request.subresource:
        listed = request.verb == "list"  # served by every API server, in every namespace
        if listed or not _is_status(body):
            return not_kubernetes(config, request, "HTTP 404 Not Found")
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
    if status == 409 and request.is_write:
        return _conflict(request, message, request.name or _status_name(body))
    if status in (400, 422) and request.is_write:
        target = _object(request, request.name or _status_name(body))
        return ApiStatusError(
            f"the API server refused to {request.verb} {target}: {message or _phrase(status)}",
            status=status,
        )
    reason = _phrase(status)
    after = f" after {tries} tries" if tries > 1 else ""
    return ApiStatusError(
        f"the API server at {config.host} answered HTTP {status} {reason} to {request.method} "
        f"{request.path}{after}{f': {message}' if message else ''}",
        status=status,
        hint=(
            "the change may have been applied all the same: read the object before trying again"
            if request.is_write and status >= 500
            else None
        ),
    )


def _object(request: ApiRequest, name: str) -> str:
    """``Deployment "web" in namespace "shop"``: the object a request is about."""
    named = f'{request.resource.kind} "{name}"' if name else f"a {request.resource.kind}"
    return f'{named} in namespace "{request.namespace}"' if request.namespace else named


def _conflict(request: ApiRequest, message: str, name: str) -> Conflict:
    target = _object(request, name)
    said = f" ({message})" if message else ""
    if request.verb == "create":
        return Conflict(
            f"{target} already exists{said}",
            hint="read the existing object and decide whether to change it instead",
        )
    return Conflict(
        f"{target} changed since it was read, so the {request.verb} was not applied{said}",
        hint="read the object again and re-plan the change against what it is now",
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
    cause = connection_failure(exc, timeout)
    if isinstance(exc, http_errors.SSLError):
        hint = (
            "the server's certificate is not signed by the certificate authority in the "
            f"kubeconfig of {config.identity}; check certificate-authority(-data)"
        )
    return Unreachable(f"cannot reach the API server at {config.host}: {cause}", hint=hint)
