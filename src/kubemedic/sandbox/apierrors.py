"""API errors with the exact ``Status`` bodies a real API server returns.

Clients branch on ``code`` and ``reason`` and show ``message`` to people, so each subclass builds
the message the way the Kubernetes API server words it.

    StoreError                 code / reason / message / details -> a meta/v1 Status
    ├── BadRequestError        400 BadRequest
    ├── UnauthorizedError      401 Unauthorized
    ├── ForbiddenError         403 Forbidden
    ├── NotFoundError          404 NotFound
    ├── MethodNotAllowedError  405 MethodNotAllowed
    ├── AlreadyExistsError     409 AlreadyExists
    ├── ConflictError          409 Conflict
    ├── GoneError              410 Expired
    ├── UnsupportedMediaError  415 UnsupportedMediaType
    ├── InvalidError           422 Invalid (with field causes)
    └── TooManyRequestsError   429 TooManyRequests (a PodDisruptionBudget refused an eviction)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubemedic.sandbox.resources import ResourceType


class StoreError(Exception):
    """Base of every error the sandbox API returns as a ``Status``."""

    code: int = 500
    reason: str = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        """The meta/v1 ``Status`` body for this error."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(
    resource: ResourceType | None, name: str, *, kind: str | None = None
) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if resource is not None and resource.group:
        details["group"] = resource.group
    details["kind"] = kind or (resource.plural if resource else "")
    return details


class BadRequestError(StoreError):
    code = 400
    reason = "BadRequest"


class UnauthorizedError(StoreError):
    code = 401
    reason = "Unauthorized"

    def __init__(self) -> None:
        super().__init__("Unauthorized")


class ForbiddenError(StoreError):
    code = 403
    reason = "Forbidden"

    def __init__(
        self, resource: ResourceType | None, name: str, message: str, *, plural: str = ""
    ) -> None:
        what = plural or (resource.group_resource if resource else "")
        prefix = f'{what} "{name}"' if name else what
        details = _details(resource, name, kind=plural or None)
        super().__init__(f"{prefix} is forbidden: {message}", details=details)


class NotFoundError(StoreError):
    code = 404
    reason = "NotFound"

    def __init__(self, resource: ResourceType | None, name: str, *, message: str = "") -> None:
        what = resource.group_resource if resource else ""
        text = message or f'{what} "{name}" not found'
        super().__init__(text, details=_details(resource, name))


class MethodNotAllowedError(StoreError):
    code = 405
    reason = "MethodNotAllowed"


class AlreadyExistsError(StoreError):
    code = 409
    reason = "AlreadyExists"

    def __init__(self, resource: ResourceType, name: str) -> None:
        super().__init__(
            f'{resource.group_resource} "{name}" already exists',
            details=_details(resource, name),
        )


class ConflictError(StoreError):
    code = 409
    reason = "Conflict"

    def __init__(self, resource: ResourceType, name: str, problem: str = "") -> None:
        problem = problem or (
            "the object has been modified; please apply your changes to the latest version "
            "and try again"
        )
        super().__init__(
            f'Operation cannot be fulfilled on {resource.group_resource} "{name}": {problem}',
            details=_details(resource, name),
        )


class GoneError(StoreError):
    code = 410
    reason = "Expired"


class UnsupportedMediaError(StoreError):
    code = 415
    reason = "UnsupportedMediaType"


class TooManyRequestsError(StoreError):
    code = 429
    reason = "TooManyRequests"


@dataclass(frozen=True, slots=True)
class Cause:
    """One invalid field, phrased like the API server's field errors."""

    field: str
    reason: str  # FieldValueRequired, FieldValueInvalid, FieldValueForbidden, ...
    detail: str = ""
    value: object = None

    @property
    def message(self) -> str:
        match self.reason:
            case "FieldValueRequired":
                return "Required value" + (f": {self.detail}" if self.detail else "")
            case "FieldValueForbidden":
                return f"Forbidden: {self.detail}"
            case "FieldValueNotSupported":
                return f"Unsupported value: {_go_value(self.value)}: {self.detail}"
            case "FieldValueDuplicate":
                return f"Duplicate value: {_go_value(self.value)}"
        suffix = f": {self.detail}" if self.detail else ""
        return f"Invalid value: {_go_value(self.value)}{suffix}"


def _go_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f'"{k}":"{v}"' for k, v in value.items())
        return f"map[string]string{{{inner}}}"
    return str(value)


class InvalidError(StoreError):
    code = 422
    reason = "Invalid"

    def __init__(self, resource: ResourceType, name: str, causes: list[Cause]) -> None:
        texts = [f"{c.field}: {c.message}" for c in causes]
        joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
        qualified = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
        details = _details(resource, name, kind=resource.kind)
        details["causes"] = [
            {"reason": c.reason, "message": c.message, "field": c.field} for c in causes
        ]
        super().__init__(f'{qualified} "{name}" is invalid: {joined}', details=details)
        self.causes = causes
