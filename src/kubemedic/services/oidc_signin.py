"""OpenID Connect sign-in: the identities and roles of Kubernetes users, proven by the
organisation's identity provider instead of the cluster.

``server.oidc`` names the provider; it is discovered when the server starts, so a wrong issuer
stops the start with a message naming the setting. A sign-in's state, nonce and PKCE verifier
travel in a cookie signed with the session key and good for ten minutes, so whichever replica
receives the callback can finish it. The verified ID token's username and groups claims become
the session's user and groups; roles come from ``server.user_roles`` and ``server.group_roles``
at each request (``Authenticator.session``), exactly as for a token's user.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer

from kubemedic.adapters.oidc import Attempt, OidcClient, Registration
from kubemedic.config import OidcSetting
from kubemedic.errors import ConfigError, Refused
from kubemedic.models.identity import ClusterUser

ATTEMPT_SECONDS = 600
"""How long a browser may take between leaving for the provider and coming back."""

log = logging.getLogger(__name__)


class OidcSignIn:
    """Starts and finishes sign-ins with the provider ``server.oidc`` names."""

    def __init__(self, setting: OidcSetting, secret: bytes, *, timeout: float) -> None:
        self.setting = setting
        registration = Registration(
            setting.client_id, setting.redirect_url, setting.scopes, _client_secret(setting)
        )
        try:
            self._client = OidcClient(setting.issuer, registration, timeout=timeout)
        except ConfigError as exc:
            raise ConfigError(
                f"server.oidc.issuer {setting.issuer}: {exc.message}",
                hint="the issuer must serve /.well-known/openid-configuration (docs/server.md)",
            ) from None
        self._sealer = URLSafeTimedSerializer(secret, salt="kubemedic-oidc-attempt")

    @property
    def label(self) -> str:
        """The provider's name on the sign-in button."""
        return self.setting.name or urlsplit(self.setting.issuer).hostname or self.setting.issuer

    def start(self) -> tuple[str, str]:
        """Where to send the browser, and the sealed attempt its cookie keeps until it is back."""
        attempt = Attempt.new()
        sealed = self._sealer.dumps([attempt.state, attempt.nonce, attempt.verifier])
        return self._client.authorization_url(attempt), sealed

    def finish(self, sealed: str | None, *, state: str, code: str, error: str = "") -> ClusterUser:
        """The user and groups the provider vouches for, once the callback and token check out;
        ``Refused`` (logged) otherwise."""
        try:
            return self._finish(sealed, state, code, error)
        except Refused as exc:
            log.warning("OIDC sign-in refused: %s", exc.message)
            raise

    def _finish(self, sealed: str | None, state: str, code: str, error: str) -> ClusterUser:
        if error:
            raise Refused(f"the identity provider did not sign you in: {error}")
        attempt = self._attempt(sealed)
        if not attempt.matches(state):
            raise Refused("this sign-in was not started from this browser: start again")
        if not code:
            raise Refused("the identity provider sent no authorization code")
        claims = self._client.verify(self._client.exchange(code, attempt), attempt.nonce)
        return _user_of(claims, self.setting)

    def _attempt(self, sealed: str | None) -> Attempt:
        try:
            state, nonce, verifier = self._sealer.loads(sealed or "", max_age=ATTEMPT_SECONDS)
        except (BadData, ValueError, TypeError):
            raise Refused(
                "the sign-in took too long or was not started here: start again"
            ) from None
        return Attempt(str(state), str(nonce), str(verifier))


def _user_of(claims: dict[str, Any], setting: OidcSetting) -> ClusterUser:
    name = claims.get(setting.username_claim)
    if not isinstance(name, str) or not name:
        raise Refused(
            f"the ID token has no {setting.username_claim!r} claim to name you by",
            hint="set server.oidc.username_claim to a claim the provider sends",
        )
    if setting.username_claim == "email" and claims.get("email_verified") is False:
        raise Refused(f"the provider has not verified the email address {name}")
    groups = claims.get(setting.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return ClusterUser(name, tuple(str(g) for g in groups))


def _client_secret(setting: OidcSetting) -> str | None:
    path = setting.client_secret_file
    if path is None:
        return None
    try:
        secret = path.expanduser().read_text().strip()
    except OSError as exc:
        raise ConfigError(f"server.oidc.client_secret_file {path}: {exc.strerror}") from None
    if not secret:
        raise ConfigError(f"server.oidc.client_secret_file {path} is empty")
    return secret
