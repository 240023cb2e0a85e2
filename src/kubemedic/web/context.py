"""What every route needs: the server's shared parts, who is calling, and a workspace.

A request is authenticated by a Kubernetes bearer token (``Authorization: Bearer``, verified
by TokenReview) or by a session cookie; a request changing something on a session's behalf must
carry the session's CSRF token. Each request opens its own workspace on the records the server
keeps open (their lock orders concurrent decisions) and closes it when the answer is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from kubemedic.config import Settings
from kubemedic.models.identity import Actor
from kubemedic.services.records import RecordStore
from kubemedic.services.server_access import Authenticator, require
from kubemedic.services.workspace import Workspace, open_workspace
from kubemedic.web.metrics import RequestMetrics
from kubemedic.web.security import COOKIE, LoginLimiter, Session, Sessions, csrf_matches

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(slots=True)
class Server:
    settings: Settings
    auth: Authenticator
    sessions: Sessions
    limiter: LoginLimiter
    metrics: RequestMetrics
    templates: Jinja2Templates
    records: RecordStore
    """Opened once and shared by every request, with the parsed records kept for listings."""


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    session: Session | None
    """None for a bearer token (no cookie, so no CSRF to check)."""


class SignInNeeded(Exception):
    """No valid token or session: 401 for the API, the sign-in page for the dashboard."""


def server_of(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


def identify(request: Request) -> Caller | None:
    """Who sent ``request``; None when it proves nobody."""
    server = server_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        actor = server.auth.token(token.strip())
        return Caller(actor, None) if actor else None
    session = server.sessions.read(request.cookies.get(COOKIE))
    if session is None:
        return None
    actor = server.auth.session(session.user, session.groups)
    return Caller(actor, session) if actor else None


async def caller(request: Request) -> Caller:
    """The authenticated caller; a state-changing session request must carry its CSRF token."""
    found = await _identified(request)
    if found.session is not None and request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and _is_form(request):
            given = str((await request.form()).get("csrf") or "")
        if not csrf_matches(found.session, given):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return found


async def _identified(request: Request) -> Caller:
    from starlette.concurrency import run_in_threadpool

    found = await run_in_threadpool(identify, request)
    if found is None:
        raise SignInNeeded()
    return found


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


CallerDep = Annotated[Caller, Depends(caller)]


def allowed(who: Caller, action: str) -> Actor:
    """The caller's actor when their roles may ``action`` (403 otherwise)."""
    require(who.actor, action)
    return who.actor


def open_for(server: Server) -> Workspace:
    """A workspace for one request, on the server's records."""
    return open_workspace(server.settings, server.records)


def workspace(request: Request) -> Iterator[Workspace]:
    ws = open_for(server_of(request))
    try:
        yield ws
    finally:
        ws.close()


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
