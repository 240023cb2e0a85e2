"""Sessions, CSRF tokens and sign-in throttling: what keeps a browser session honest.

A session is a signed cookie (HttpOnly, SameSite=Strict, Secure behind TLS) holding the account
name (or an OIDC user's name and groups), a CSRF token and when it was issued; it expires after
``server.session_lifetime``. Browsers drop a cookie over 4 KB without a word, so a session that
would not fit is refused with the reason instead (an OIDC session keeps only the groups
authorisation reads: ``Authenticator.session_groups``). Every form carries the CSRF token and
every state-changing request made with a session must echo it (a form field or the
``X-CSRF-Token`` header). Failed sign-ins are counted per client address and account name;
past ``server.login_attempts`` in ``server.login_window`` they are refused with 429 until the
window has passed.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from starlette.responses import Response

from kubemedic.errors import ConfigError, Refused

COOKIE = "kubemedic_session"
COOKIE_LIMIT = 4096
"""Bytes a browser keeps of one cookie, counting its name, value and attributes (RFC 6265
section 6.1); a larger one is dropped silently."""
Clock = Callable[[], float]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    csrf: str
    groups: tuple[str, ...] | None = None
    """The groups an OIDC provider vouched for; None for a local account's session."""


class Sessions:
    """Issues and reads signed session cookies."""

    def __init__(self, secret: bytes, lifetime: float, clock: Clock) -> None:
        self._lifetime = lifetime
        self._serializer = URLSafeTimedSerializer(
            secret, salt="kubemedic-session", signer=_clocked(clock)
        )

    def issue(self, user: str, groups: tuple[str, ...] | None = None) -> tuple[str, Session]:
        session = Session(user, secrets.token_urlsafe(24), groups)
        data: dict[str, object] = {"u": session.user, "c": session.csrf}
        if groups is not None:
            data["g"] = list(groups)
        return self._serializer.dumps(data), session

    def read(self, cookie: str | None) -> Session | None:
        """The session of a cookie; None when missing, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.lifetime)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict) or not {"u", "c"} <= data.keys():
            return None
        groups = data.get("g")
        return Session(
            str(data["u"]),
            str(data["c"]),
            tuple(str(g) for g in groups) if isinstance(groups, list) else None,
        )

    @property
    def lifetime(self) -> int:
        return int(self._lifetime)

    def start(
        self, response: Response, user: str, groups: tuple[str, ...] | None = None, *, tls: bool
    ) -> None:
        """Sign ``response``'s browser in as ``user``: a new session in its cookie;
        ``Refused`` when that cookie would be too large for a browser to keep."""
        cookie, _ = self.issue(user, groups)
        scratch = Response()
        self._set(scratch, cookie, tls=tls)
        size = len(scratch.headers["set-cookie"].encode("latin-1"))
        if size > COOKIE_LIMIT:
            carried = f" with the {len(groups)} groups it carries" if groups else ""
            log.warning("sign-in refused: %s's session cookie would be %d bytes", user, size)
            raise Refused(
                f"the session of {user}{carried} would be a {size}-byte cookie, larger than "
                f"the {COOKIE_LIMIT} bytes a browser keeps: it would be dropped and you would "
                "not be signed in",
                hint="map the groups roles need in server.group_roles (only those are kept "
                "unless server.access_review is on) or have the identity provider send fewer "
                "groups (docs/server.md)",
            )
        self._set(response, cookie, tls=tls)

    def _set(self, response: Response, cookie: str, *, tls: bool) -> None:
        response.set_cookie(
            COOKIE, cookie, max_age=self.lifetime, httponly=True, samesite="strict", secure=tls
        )


def _clocked(clock: Clock) -> type[TimestampSigner]:
    """A signer dating signatures on the server's clock (so tests can move time)."""

    class Clocked(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return Clocked


def csrf_matches(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf, str(given))


class LoginLimiter:
    """Counts failed sign-ins per key in a sliding window."""

    def __init__(self, attempts: int, window: float, clock: Clock) -> None:
        self._attempts = attempts
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self._attempts

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self._clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= self._clock() - self._window:
            times.popleft()
        return times


def session_secret(path: Path) -> bytes:
    """The key signing sessions: read from ``path``, made (mode 0600) on first use."""
    try:
        secret = path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32).encode()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return session_secret(path)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secret)
    except OSError as exc:
        raise ConfigError(f"server.secret_file {path}: {exc.strerror}") from None
    if len(secret) < 32:
        raise ConfigError(f"server.secret_file {path}: the key must have at least 32 characters")
    return secret
