"""The OpenID Connect protocol: discovery, the authorization request, the code exchange and
the ID token's verification.

The server signs people in with their organisation's identity provider through the
authorization-code flow with PKCE (RFC 7636, S256), a ``state`` tying the callback to the
browser that started it and a ``nonce`` tying the ID token to that attempt. The token is
believed only when its signature verifies against the provider's published keys (JWKS, fetched
again once when a token names a key not seen yet) and its issuer, audience, expiry and nonce
are the expected ones. A provider that cannot be discovered is a ``ConfigError``; a sign-in the
provider or the checks refuse is ``Refused``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt

from kubemedic.errors import ConfigError, Refused

SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
"""Asymmetric algorithms only: ``none`` and shared-secret HMAC are never accepted."""
LEEWAY_SECONDS = 60
"""Clock difference tolerated between the provider and this server."""
KEYS_REFRESH_SECONDS = 30.0
"""An unknown key id fetches the JWKS again at most this often."""


@dataclass(frozen=True, slots=True)
class Provider:
    """What discovery says about the provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: frozenset[str]


@dataclass(frozen=True, slots=True)
class Registration:
    """This server as registered with the provider."""

    client_id: str
    redirect_url: str
    scopes: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    """None: a public client, proven by PKCE alone."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a sign-in remembers between the redirect to the provider and the callback."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> Attempt:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def matches(self, state: str) -> bool:
        return hmac.compare_digest(self.state, state)


class OidcClient:
    """One provider, discovered on construction; thread-safe. Sign-ins are rare, so each
    request opens its own connection and nothing needs closing."""

    def __init__(self, issuer: str, registration: Registration, *, timeout: float) -> None:
        self.registration = registration
        self._timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched: float | None = None
        self._lock = threading.Lock()
        self.provider = _discover(issuer, timeout)

    def authorization_url(self, attempt: Attempt) -> str:
        query = {
            "response_type": "code",
            "client_id": self.registration.client_id,
            "redirect_uri": self.registration.redirect_url,
            "scope": " ".join(self.registration.scopes),
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": attempt.challenge,
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in self.provider.authorization_endpoint else "?"
        return f"{self.provider.authorization_endpoint}{separator}{urlencode(query)}"

    def exchange(self, code: str, attempt: Attempt) -> str:
        """The ID token the provider issues for ``code``."""
        registration = self.registration
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": registration.redirect_url,
            "code_verifier": attempt.verifier,
        }
        headers: dict[str, str] = {}
        if registration.client_secret is None:
            form["client_id"] = registration.client_id
        else:
            headers["Authorization"] = basic_credentials(
                registration.client_id, registration.client_secret
            )
        answer = self._call("post", self.provider.token_endpoint, data=form, headers=headers)
        body = _json_object(answer)
        if answer.status_code != 200:
            reason = body.get("error_description") or body.get("error") or answer.reason_phrase
            raise Refused(f"the identity provider refused the sign-in code: {reason}")
        token = body.get("id_token")
        if not isinstance(token, str) or not token:
            raise Refused("the identity provider answered without an ID token (scope openid?)")
        return token

    def verify(self, token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, expiry and nonce hold."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Refused("the ID token is not a signed JWT") from None
        algorithm = str(header.get("alg"))
        if algorithm not in self.provider.algorithms & SIGNING_ALGORITHMS:
            raise Refused(f"the ID token is signed with {algorithm}, which is not accepted")
        key = self._key(str(header.get("kid") or ""))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.registration.client_id,
                issuer=self.provider.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Refused(f"the ID token is not accepted: {_why(exc)}") from None
        if not hmac.compare_digest(str(claims["nonce"]), nonce):
            raise Refused("the ID token is not accepted: its nonce is not this sign-in's")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.registration.client_id:
            raise Refused("the ID token is not accepted: it was issued to another client (azp)")
        return claims

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            fetched = self._keys_fetched
            if kid not in self._keys and (
                fetched is None or time.monotonic() - fetched > KEYS_REFRESH_SECONDS
            ):
                self._keys = self._fetch_keys()
                self._keys_fetched = time.monotonic()
            keys = self._keys
        if kid in keys:
            return keys[kid]
        if not kid and len(keys) == 1:
            return next(iter(keys.values()))
        raise Refused(
            f"the ID token names signing key {kid!r}, which the provider does not publish"
        )

    def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        answer = self._call("get", self.provider.jwks_uri)
        try:
            found = jwt.PyJWKSet.from_dict(dict(_json_object(answer))).keys
        except jwt.PyJWKSetError as exc:
            raise Refused(f"the provider's keys at {self.provider.jwks_uri}: {exc}") from None
        return {str(key.key_id or ""): key for key in found}

    def _call(self, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            return httpx.request(method, url, timeout=self._timeout, **options)
        except httpx.HTTPError as exc:
            raise Refused(f"the identity provider did not answer at {url}: {exc}") from None


def basic_credentials(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value of a confidential client (RFC 6749 section 2.3.1): the id
    and the secret each form-urlencoded, then joined with ``:`` and Base64-encoded, so a
    secret holding ``:``, ``%``, ``+`` or a non-ASCII letter reaches the provider intact."""
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(client_secret, safe='')}"
    return f"Basic {base64.b64encode(pair.encode('ascii')).decode('ascii')}"


def _discover(issuer: str, timeout: float) -> Provider:
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        answer = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ConfigError(f"OIDC discovery at {url} failed: {exc}") from None
    if answer.status_code != 200:
        raise ConfigError(f"OIDC discovery at {url} answered {answer.status_code}")
    document = _json_object(answer)
    missing = [
        key
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document.get(key), str)
    ]
    if missing:
        raise ConfigError(f"OIDC discovery at {url} does not say {', '.join(missing)}")
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise ConfigError(
            f"the provider at {url} says its issuer is {document['issuer']}, not {issuer}"
        )
    algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    return Provider(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        algorithms=frozenset(str(a) for a in algorithms),
    )


def _json_object(answer: httpx.Response) -> Mapping[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _why(exc: jwt.InvalidTokenError) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "it has expired"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "it was issued to another client (aud)"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "it was issued by another provider (iss)"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "its signature does not verify against the provider's keys"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "it is not valid yet (iat/nbf)"
    return str(exc)
