"""Who a server request comes from and what their kubemedic roles let them do.

The CLI takes the acting person from the settings; the server proves it instead: a local
account's password (``services.accounts``) or a Kubernetes bearer token verified by the
cluster's TokenReview, whose user and groups map to roles through ``server.user_roles`` and
``server.group_roles``. Either way the result is the same ``Actor`` the governance rules check,
so self-approval, a missing role and a second approval are refused exactly as on the CLI.
A refused decision is written into the operation's record, authored by whoever attempted it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kubemedic.adapters.kubernetes import reviews
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.config import Settings
from kubemedic.errors import Refused
from kubemedic.models.identity import Actor
from kubemedic.services.accounts import ROLES, Account, check_password, find_account
from kubemedic.services.records import Step, path_of
from kubemedic.services.workspace import Workspace

TOKEN_CACHE_SECONDS = 30.0
"""How long a token's review is reused: one TokenReview per token and half-minute."""

_DECIDERS = frozenset({"architect", "security", "admin"})
_CHANGERS = frozenset({"operator", "admin"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "propose": _CHANGERS | {"architect", "security"},
    "approve": _DECIDERS,
    "reject": _DECIDERS,
    "cancel": _CHANGERS | _DECIDERS,
    "execute": _CHANGERS,
    "validate": _CHANGERS,
    "rollback": _CHANGERS,
}
"""Which roles may ask for each action; the governance rules then decide the decision itself."""


def require(actor: Actor, action: str) -> None:
    """Refuse ``actor`` unless one of their roles may ``action``."""
    allowed = PERMISSIONS[action]
    if not actor.roles & allowed:
        raise Refused(
            f"{actor.name} may not {action}: that needs role {' or '.join(sorted(allowed))}; "
            f"{actor.name} has {', '.join(sorted(actor.roles)) or 'no kubemedic role'}",
            hint="roles come from the account (kubemedic user add) or server.user_roles / "
            "server.group_roles for token users (docs/server.md)",
        )


def account_actor(account: Account) -> Actor:
    return Actor(account.name, account.email, account.roles, configured=True)


class Authenticator:
    """Turns a password or a bearer token into an ``Actor``; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: ApiClient | None = None
        self._cache: dict[str, tuple[float, Actor | None]] = {}
        self._lock = threading.Lock()

    def sign_in(self, name: str, password: str) -> Actor | None:
        account = check_password(self.settings.server.users_path(), name, password)
        return account_actor(account) if account else None

    def account(self, name: str) -> Actor | None:
        """The actor of a signed session's account, if it still exists."""
        account = find_account(self.settings.server.users_path(), name)
        return account_actor(account) if account else None

    def token(self, token: str) -> Actor | None:
        """The actor a Kubernetes bearer token proves (None: the cluster does not accept it)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(token)
        if cached is not None and now - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        user = reviews.review_token(self._cluster(), token)
        actor = self._actor_of(user) if user else None
        with self._lock:
            self._cache[token] = (now, actor)
        return actor

    def _actor_of(self, user: reviews.ReviewedUser) -> Actor:
        server = self.settings.server
        roles = set(server.user_roles.get(user.name, ()))
        for group in user.groups:
            roles |= set(server.group_roles.get(group, ()))
        person = self.settings.governance_policy().person(user.name)
        email = person.email if person else f"{user.name}@kubernetes"
        return Actor(user.name, email, frozenset(roles) & set(ROLES), configured=bool(roles))

    def _cluster(self) -> ApiClient:
        with self._lock:
            if self._client is None:
                self._client = connect(
                    context=self.settings.context,
                    kubeconfig=self.settings.kubeconfig,
                    timeout=self.settings.request_timeout,
                )
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@contextmanager
def refusals_recorded(ws: Workspace, record_id: str, actor: Actor, action: str) -> Iterator[None]:
    """Run a decision; when governance refuses it, note the attempt in the record, re-raise."""
    try:
        yield
    except Refused as exc:
        if ws.store.repo.read_text(path_of(record_id)) is not None:
            ws.store.append(
                record_id,
                Step(
                    "decision-refused",
                    None,
                    {"action": action, "why": str(exc)},
                    f"{action.capitalize()} by {actor.name} refused: {exc}",
                ),
                actor=actor,
                at=ws.now(),
                message=f"{record_id}: {action} by {actor.name} refused",
            )
        raise
