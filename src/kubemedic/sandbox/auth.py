"""Bearer-token authentication and the two roles the sandbox knows: admin and read-only.

The read-only user holds what Kubernetes' ``view`` ClusterRole grants (get, list and watch on
everything but Secrets, plus pod logs), so kubemedic's handling of 401 and 403 meets the real
messages: ``pods is forbidden: User "kubemedic-viewer" cannot create resource "pods" in API group
"" in the namespace "todo"``.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from kubemedic.sandbox.apierrors import ForbiddenError, UnauthorizedError
from kubemedic.sandbox.routing import Route

ADMIN_USER = "kubemedic-admin"
READONLY_USER = "kubemedic-viewer"
_READ_VERBS = frozenset({"get", "list", "watch"})
_HIDDEN_FROM_VIEWERS = frozenset({"secrets"})


@dataclass(frozen=True, slots=True)
class User:
    name: str
    admin: bool


@dataclass(frozen=True, slots=True)
class Tokens:
    """The bearer tokens of one sandbox (fresh at every start; the kubeconfig carries them)."""

    admin: str
    readonly: str

    @classmethod
    def generate(cls) -> Tokens:
        return cls(admin=secrets.token_hex(24), readonly=secrets.token_hex(24))

    def authenticate(self, authorization: str | None) -> User:
        """The user a request's ``Authorization`` header proves; 401 without a known token."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            if hmac.compare_digest(token, self.admin):
                return User(ADMIN_USER, admin=True)
            if hmac.compare_digest(token, self.readonly):
                return User(READONLY_USER, admin=False)
        raise UnauthorizedError()


def authorize(user: User, verb: str, route: Route) -> None:
    """Refuse with the RBAC message a real API server writes when ``user`` may not ``verb``."""
    if user.admin:
        return
    plural = route.resource.plural
    readable = route.subresource in (None, "log", "status", "scale")
    if verb in _READ_VERBS and plural not in _HIDDEN_FROM_VIEWERS and readable:
        return
    scope = f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
    raise ForbiddenError(
        route.resource,
        route.name or "",
        f'User "{user.name}" cannot {verb} resource "{route.rbac_resource}" in API group '
        f'"{route.resource.group}" {scope}',
    )


def forbid_control(user: User) -> None:
    """Only the admin may break, load or reset the sandbox."""
    if not user.admin:
        raise ForbiddenError(
            None,
            "",
            f'User "{user.name}" cannot use the sandbox control API',
            plural="sandbox",
        )
