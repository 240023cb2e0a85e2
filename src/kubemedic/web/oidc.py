"""``/login/oidc``: signing in with the OpenID Connect provider ``server.oidc`` names.

The routes only move the browser and its cookies; the protocol is ``services.oidc_signin``.
The session made at the end is the one a password sign-in makes, holding the provider's user
and groups. The callback answers with a page that moves on to the dashboard rather than with a
redirect: the browser arrives from the provider's site, and it sends a SameSite=Strict session
cookie only once it navigates from a page of this one. A refused sign-in goes back to the
sign-in page with the reason, and so does a session too large for a browser's cookie.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kubemedic.errors import Refused
from kubemedic.services.oidc_signin import ATTEMPT_SECONDS, OidcSignIn
from kubemedic.web.context import Server, server_of
from kubemedic.web.security import session_secret

ATTEMPT_COOKIE = "kubemedic_oidc"
CALLBACK_PATH = "/login/oidc/callback"
SIGNED_IN = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta http-equiv="refresh" content="0;url=/"><title>Signed in · kubemedic</title></head>'
    '<body><p>Signed in. <a href="/">Continue to the dashboard</a>.</p></body></html>'
)

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """Offer OIDC sign-in when ``server.oidc`` is set; the provider is discovered now, so a
    wrong issuer stops the server's start with a ``ConfigError`` naming the setting."""
    server: Server = app.state.server
    settings = server.settings
    if settings.server.oidc is None:
        return
    secret = session_secret(settings.server.secret_path())
    signin = OidcSignIn(settings.server.oidc, secret, timeout=settings.request_timeout)
    app.state.oidc = signin
    server.templates.env.globals["oidc_provider"] = signin.label
    app.include_router(router)


def _signin(request: Request) -> OidcSignIn:
    signin: OidcSignIn = request.app.state.oidc
    return signin


@router.get("/login/oidc")
def begin(request: Request) -> Response:
    url, sealed = _signin(request).start()
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        ATTEMPT_COOKIE,
        sealed,
        max_age=ATTEMPT_SECONDS,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get(CALLBACK_PATH)
def callback(
    request: Request, state: str = "", code: str = "", error: str = "", error_description: str = ""
) -> Response:
    server = server_of(request)
    response: Response = HTMLResponse(SIGNED_IN)
    try:
        user = _signin(request).finish(
            request.cookies.get(ATTEMPT_COOKIE),
            state=state,
            code=code,
            error=error_description or error,
        )
        groups = server.auth.session_groups(user.groups)
        server.sessions.start(response, user.name, groups, tls=request.url.scheme == "https")
    except Refused as exc:
        response = RedirectResponse(
            f"/login?{urlencode({'error': f'Sign-in refused: {exc.message}'})}", status_code=303
        )
    response.delete_cookie(ATTEMPT_COOKIE, path=CALLBACK_PATH)
    return response
