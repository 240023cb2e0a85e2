"""Who a server request comes from and what their kubemedic roles let them do.

The CLI takes the acting person from the settings; the server proves it instead: a local
account's password (``services.accounts``), a Kubernetes bearer token verified by the
cluster's TokenReview, or an OpenID Connect sign-in (``services.oidc_signin``), whose user and
groups map to roles through ``server.user_roles`` and ``server.group_roles``. Either way the
result is the same ``Actor`` the governance rules check, so self-approval, a missing role and a
second approval are refused exactly as on the CLI. With ``server.access_review`` a change also
needs the cluster's word (SubjectAccessReview) that the person's Kubernetes user may make it
themselves. A refused decision is written into the operation's record, authored by whoever
attempted it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from kubemedic.actions import plan_change
from kubemedic.adapters.kubernetes import reviews
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.config import Settings
from kubemedic.errors import Refused
from kubemedic.models.identity import Actor, ClusterUser
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ActionRequest, Change
from kubemedic.models.policy import ROLES
from kubemedic.models.records import RecordKind
from kubemedic.services.accounts import Account, check_password, find_account
from kubemedic.services.records import Step, path_of
from kubemedic.services.targets import plan_context
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
        return self._reviewed(account_actor(account)) if account else None

    def account(self, name: str) -> Actor | None:
        """The actor of a signed session's account, if it still exists."""
        account = find_account(self.settings.server.users_path(), name)
        return self._reviewed(account_actor(account)) if account else None

    def session(self, name: str, groups: tuple[str, ...] | None) -> Actor | None:
        """The actor of a signed session: a local account's (``groups`` None) or an OIDC
        user's, whose groups the provider vouched for (None once ``server.oidc`` is unset)."""
        if groups is None:
            return self.account(name)
        if self.settings.server.oidc is None:
            return None
        return self._actor_of(reviews.ReviewedUser(name, groups))

    def session_groups(self, groups: tuple[str, ...]) -> tuple[str, ...]:
        """The groups an OIDC user's session keeps: those ``server.group_roles`` maps (the
        cookie stays small however many the provider sends), or every one under
        ``server.access_review``, whose SubjectAccessReview the cluster's RBAC answers by any."""
        server = self.settings.server
        if server.access_review:
            return groups
        return tuple(group for group in groups if group in server.group_roles)

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
        email = person.email if person else _email_of(user.name)
        return Actor(
            user.name,
            email,
            frozenset(roles) & set(ROLES),
            configured=bool(roles),
            reviewed_as=ClusterUser(user.name, user.groups) if server.access_review else None,
        )

    def _reviewed(self, actor: Actor) -> Actor:
        """A local account's actor, checked as its mapped Kubernetes user under access review."""
        server = self.settings.server
        if not server.access_review:
            return actor
        return replace(actor, reviewed_as=ClusterUser(server.account_users.get(actor.name, "")))

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


def _email_of(user: str) -> str:
    return user if "@" in user else f"{user}@kubernetes"


def cluster_allows(
    ws: Workspace,
    actor: Actor,
    action: str,
    subject: ActionRequest | str,
    *,
    incident: str | None = None,
) -> Actor:
    """``actor``, once the cluster says their Kubernetes user may make the change itself.

    ``subject`` is a proposal's request (its planned change is checked) or an operation's id:
    executing checks its change, rolling back its inverse. Nothing is asked unless the server
    set ``actor.reviewed_as`` (``server.access_review``). A refusal is a ``Refused`` naming the
    verb, resource and namespace, noted in the operation's record (a proposal's: its incident's).
    """
    user = actor.reviewed_as
    if user is None:
        return actor
    change = _change_of(ws, action, subject)
    if change is None:
        return actor
    record = subject if isinstance(subject, str) else _incident_id(incident)
    with refusals_recorded(ws, record, actor, action):
        _review(ws, actor, user, action, change)
    return actor


def _incident_id(named: str | None) -> str | None:
    """Where a refused proposal is noted: its incident, never a record of another kind."""
    incident = f"{RecordKind.INCIDENT.prefix}-"
    return named if named and named.startswith(incident) else None


def _change_of(ws: Workspace, action: str, subject: ActionRequest | str) -> Change | None:
    if isinstance(subject, ActionRequest):
        writer = ws.cluster()
        current = writer.get(subject.target)
        return plan_change(subject, current, plan_context(writer, subject, current)).change
    op = OperationRecord(ws.store.load(subject))
    return op.inverse if action == "rollback" else op.change


def _review(ws: Workspace, actor: Actor, user: ClusterUser, action: str, change: Change) -> None:
    hint = (
        "server.access_review is on: the cluster's RBAC must let the person make the change "
        "(docs/server.md)"
    )
    if not user.name:
        raise Refused(
            f"{actor.name} may not {action} changes: the account maps to no Kubernetes user "
            "whose rights the cluster could check",
            hint=f"map it in server.account_users; {hint}",
        )
    access = reviews.review_access(
        ws.cluster().client,
        reviews.ReviewedUser(user.name, user.groups),
        change.verb.value,
        change.target,
    )
    if not access.allowed:
        because = f" ({access.reason})" if access.reason else ""
        raise Refused(
            f"{actor.name} may not {action} this change: Kubernetes user {user.name} may not "
            f"{access.question}{because}",
            hint=hint,
        )


@contextmanager
def refusals_recorded(
    ws: Workspace, record_id: str | None, actor: Actor, action: str
) -> Iterator[None]:
    """Run a decision; when it is refused, note the attempt in the record (if any), re-raise."""
    try:
        yield
    except Refused as exc:
        if record_id and ws.store.repo.read_text(path_of(record_id)) is not None:
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
