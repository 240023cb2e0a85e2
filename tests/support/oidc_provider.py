"""A small OpenID Connect provider for tests: real HTTP on a loopback port, a fresh RSA key.

``running_provider(client_id, client_secret)`` serves discovery, the JWKS, ``/authorize`` and
``/token`` on 127.0.0.1 and yields an ``OidcProvider`` (an empty secret: a public client).
``/authorize`` signs in ``claims`` at once (no consent page) and redirects back with a code;
``/token`` checks the client (its secret over HTTP Basic, decoded as real providers do: the
id and secret are form-urlencoded before Base64, RFC 6749 section 2.3.1; or a public client's
id), the redirect URL and the PKCE verifier (S256) before it issues an RS256 ID token carrying
the sign-in's nonce. ``spoil`` breaks the next tokens the way a hostile or broken provider would:
``aud`` (issued to another client), ``expired``, ``nonce`` (another sign-in's) or
``signature`` (signed with a key the JWKS does not publish).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "test-key-1"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class OidcProvider:
    client_id: str
    client_secret: str
    url: str = ""
    claims: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-1",
            "email": "olga@example.com",
            "email_verified": True,
            "groups": ["sre"],
        }
    )
    spoil: str = ""
    """``aud``, ``expired``, ``nonce`` or ``signature``: how the next ID tokens go wrong."""
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.url

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [public | {"kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> str:
        """The redirect back to the client, with a code for this sign-in."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        back = {"code": code, "state": query.get("state", "")}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if not self._client_proven(form, authorization):
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier is wrong"}
        return 200, {"id_token": self.id_token(asked["nonce"]), "token_type": "Bearer"}

    def _client_proven(self, form: dict[str, str], authorization: str) -> bool:
        """A confidential client by its secret (HTTP Basic only); a public one by its id."""
        if not self.client_secret:
            return not authorization and form.get("client_id") == self.client_id
        scheme, _, credentials = authorization.partition(" ")
        user, _, secret = base64.b64decode(credentials or "Og==").decode().partition(":")
        given = (scheme, unquote_plus(user), unquote_plus(secret), form.get("client_id"))
        return given == ("Basic", self.client_id, self.client_secret, None)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": "another-client" if self.spoil == "aud" else self.client_id,
            "iat": now - 7200 if self.spoil == "expired" else now,
            "exp": now - 3600 if self.spoil == "expired" else now + 300,
            "nonce": "another-sign-in" if self.spoil == "nonce" else nonce,
            **self.claims,
        }
        key = _new_key() if self.spoil == "signature" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


def _handler(provider: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not found"})
                return
            self._json(*provider.token(form, self.headers.get("Authorization", "")))

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_provider(
    client_id: str = "kubemedic", client_secret: str = "s3cret-for-tests"
) -> Iterator[OidcProvider]:
    provider = OidcProvider(client_id, client_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
