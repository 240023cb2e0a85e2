"""Bearer-token authentication, ServiceAccount tokens and impersonation.

The sandbox's two tokens authenticate as ``kubemedic-admin`` (in ``system:masters``, so bound
to ``cluster-admin``) and ``kubemedic-viewer`` (bound to ``view`` and read access to the
cluster-scoped kinds); ServiceAccount tokens, signed with a key made at every start,
authenticate as ``system:serviceaccount:<ns>:<name>`` while that ServiceAccount exists. The
``Impersonate-User`` / ``Impersonate-Group`` headers (``kubectl --as``) switch identity when
RBAC grants ``impersonate``, as on a real API server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from kubemedic.sandbox.apierrors import ForbiddenError, UnauthorizedError
from kubemedic.sandbox.rbac import SERVICE_ACCOUNT_PREFIX, Attributes, Authorizer, UserInfo
from kubemedic.sandbox.rbac_roles import AUTHENTICATED_GROUP, MASTERS_GROUP
from kubemedic.sandbox.store import Store

ADMIN_USER = "kubemedic-admin"
READONLY_USER = "kubemedic-viewer"
_SERVICE_ACCOUNT_TOKEN_PREFIX = "kmsa."  # noqa: S105 - a marker, not a secret


@dataclass(frozen=True, slots=True)
class Tokens:
    """The bearer tokens of one sandbox (fresh at every start; the kubeconfig carries them)."""

    admin: str
    readonly: str
    signing_key: str

    @classmethod
    def generate(cls) -> Tokens:
        return cls(
            admin=secrets.token_hex(24),
            readonly=secrets.token_hex(24),
            signing_key=secrets.token_hex(32),
        )

    def service_account_token(self, namespace: str, name: str, uid: str) -> str:
        """A token for a ServiceAccount, valid while an account with this uid exists."""
        payload = base64.urlsafe_b64encode(f"{namespace}:{name}:{uid}".encode()).decode()
        return f"{_SERVICE_ACCOUNT_TOKEN_PREFIX}{payload}.{self._sign(payload)}"

    def _sign(self, payload: str) -> str:
        return hmac.new(self.signing_key.encode(), payload.encode(), hashlib.sha256).hexdigest()

    def user_for(self, token: str, store: Store) -> UserInfo | None:
        """Who ``token`` proves to be; None for a token the server does not accept."""
        if not token:
            return None
        if hmac.compare_digest(token, self.admin):
            return UserInfo(ADMIN_USER, (MASTERS_GROUP, AUTHENTICATED_GROUP))
        if hmac.compare_digest(token, self.readonly):
            return UserInfo(READONLY_USER, (AUTHENTICATED_GROUP,))
        if not token.startswith(_SERVICE_ACCOUNT_TOKEN_PREFIX):
            return None
        payload, _, signature = token[len(_SERVICE_ACCOUNT_TOKEN_PREFIX) :].partition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        namespace, name, uid = base64.urlsafe_b64decode(payload).decode().split(":", 2)
        account = store.try_get("ServiceAccount", namespace, name)
        if account is None or account["metadata"].get("uid") != uid:
            return None
        return service_account_user(namespace, name, uid)

    def authenticate(self, authorization: str | None, store: Store) -> UserInfo:
        """The user a request's ``Authorization`` header proves; 401 without a known token."""
        scheme, _, token = (authorization or "").partition(" ")
        user = self.user_for(token.strip(), store) if scheme.lower() == "bearer" else None
        if user is None:
            raise UnauthorizedError()
        return user


def service_account_user(namespace: str, name: str, uid: str = "") -> UserInfo:
    """The user a ServiceAccount's token authenticates as, with its groups."""
    return UserInfo(
        f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED_GROUP),
        uid,
    )


def impersonate(user: UserInfo, headers: Mapping[str, str], authorizer: Authorizer) -> UserInfo:
    """The identity a request acts as: ``user``, or whom it impersonates if RBAC allows it."""
    target = headers.get("impersonate-user")
    group_header = headers.get("impersonate-group")
    if target is None and group_header is None:
        return user
    if not target:
        raise ForbiddenError(
            None, "", "requested impersonation without a user", plural="impersonation"
        )
    account = UserInfo(target).service_account()
    if account is not None:
        check = Attributes(
            "impersonate", "", "serviceaccounts", namespace=account[0], name=account[1]
        )
    else:
        check = Attributes("impersonate", "", "users", name=target)
    authorizer.authorize(user, check, None)
    groups = [g.strip() for g in (group_header or "").split(",") if g.strip()]
    for group in groups:
        authorizer.authorize(user, Attributes("impersonate", "", "groups", name=group), None)
    if account is not None:
        implied = service_account_user(*account).groups
        return UserInfo(target, tuple(dict.fromkeys([*groups, *implied])))
    if target != "system:anonymous":
        groups.append(AUTHENTICATED_GROUP)
    return UserInfo(target, tuple(dict.fromkeys(groups)))


def forbid_control(user: UserInfo) -> None:
    """Only the sandbox's administrators may break, load or reset the sandbox."""
    if MASTERS_GROUP not in user.groups:
        raise ForbiddenError(
            None,
            "",
            f'User "{user.name}" cannot use the sandbox control API',
            plural="sandbox",
        )
