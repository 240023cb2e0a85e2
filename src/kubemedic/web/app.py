"""The ASGI application: routes, error answers, security headers, health and metrics.

``create_app(settings)`` builds everything once; ``http_server`` puts it on uvicorn for
``kubemedic serve`` and for tests (on a free loopback port) alike. A ``KubemedicError``
becomes a JSON answer (API) or the error page (dashboard) with the status its class means;
nothing else reaches the client but a 500 that says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kubemedic import __version__
from kubemedic.config import Settings
from kubemedic.errors import (
    ClusterError,
    ConfigError,
    InputError,
    KubemedicError,
    LockBusy,
    MetricsError,
    NotFound,
    Refused,
)
from kubemedic.services import server_views
from kubemedic.services.approvals import pending
from kubemedic.services.leader import LeaderElection
from kubemedic.services.record_feed import RecordFeed
from kubemedic.services.records import RecordCache, RecordStore
from kubemedic.services.server_access import Authenticator
from kubemedic.services.server_cluster import recent_figures
from kubemedic.web import api, api_cluster, events, oidc, pages
from kubemedic.web.context import Server, SignInNeeded, open_for
from kubemedic.web.metrics import RequestMetrics
from kubemedic.web.security import LoginLimiter, Sessions, session_secret

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> FastAPI:
    """The server for ``settings``; ``clock`` dates sessions and sign-in attempts."""
    app = FastAPI(
        title="kubemedic",
        version=__version__,
        description="Governed changes to Kubernetes workloads: propose, approve, execute, "
        "validate, roll back (docs/server.md).",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_background_loops,
    )
    server_settings = settings.server
    app.state.server = Server(
        settings=settings,
        auth=Authenticator(settings),
        sessions=Sessions(
            session_secret(server_settings.secret_path()), server_settings.session_lifetime, clock
        ),
        limiter=LoginLimiter(server_settings.login_attempts, server_settings.login_window, clock),
        metrics=RequestMetrics(),
        templates=_templates(),
        records=RecordStore.open(
            settings.records_dir(), remote=settings.records_remote, cache=RecordCache()
        ),
    )
    app.state.record_feed = RecordFeed(app.state.server.records)
    app.state.stopping = _never
    app.state.warmed = threading.Event()
    app.include_router(api.router)
    app.include_router(api_cluster.router)
    app.include_router(events.router)
    app.include_router(pages.router)
    oidc.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _health(app)
    _errors(app)
    app.middleware("http")(_observed)
    return app


def http_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    """``app`` on uvicorn at ``host:port``; long responses (event streams) end when it stops.

    uvicorn waits for open responses before it shuts down and does not tell them, so the app
    is given the server's own exit flag to watch.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    app.state.stopping = lambda: bool(server.should_exit)
    return server


def _never() -> bool:
    return False


@asynccontextmanager
async def _background_loops(app: FastAPI) -> AsyncIterator[None]:
    """With ``server.leader_election``, the leader's loops run while the server does."""
    from starlette.concurrency import run_in_threadpool

    settings: Settings = app.state.server.settings
    threading.Thread(target=_warm, args=(app.state.server, app.state.warmed), daemon=True).start()
    if not settings.server.leader_election:
        yield
        return
    election = LeaderElection(settings)
    election.start()
    try:
        yield
    finally:
        await run_in_threadpool(election.stop)


def _warm(server: Server, warmed: threading.Event) -> None:
    """Read the records and compile the pages once at start-up, so the first page does not
    wait for it (and ``/readyz`` keeps traffic away until then)."""
    try:
        for name in server.templates.env.list_templates(extensions=["html"]):
            server.templates.env.get_template(name)
        ws = open_for(server)
        try:
            server_views.warm(ws)
        finally:
            ws.close()
    except KubemedicError as error:  # the first request reports it, with its status
        log.warning("reading the records at start-up: %s", error)
    finally:
        warmed.set()


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["duration"] = _duration
    return templates


def _duration(seconds: float) -> str:
    from kubemedic._internal.timeutils import human_duration

    late = seconds < 0
    text = human_duration(abs(seconds))
    return f"{text} overdue" if late else f"{text} left"


def _health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> PlainTextResponse:
        if not request.app.state.warmed.is_set():
            return PlainTextResponse("starting: reading the records\n", status_code=503)
        ws = open_for(request.app.state.server)
        try:
            ws.store.repo.head()
        finally:
            ws.close()
        return PlainTextResponse("ready\n")

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> PlainTextResponse:
        server: Server = request.app.state.server
        ws = open_for(server)
        try:
            waiting, figures = pending(ws), recent_figures(ws)
        finally:
            ws.close()
        streams = request.app.state.record_feed.subscribers
        return PlainTextResponse(
            server.metrics.render(waiting, figures, streams=streams),
            media_type="text/plain; version=0.0.4",
        )


def _status(exc: KubemedicError) -> int:
    if isinstance(exc, Refused):
        return 403
    if isinstance(exc, NotFound) or exc.message.startswith("no record "):
        return 404
    if isinstance(exc, LockBusy):
        return 409
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ConfigError):
        return 409  # the server's settings lack what the request needs
    if isinstance(exc, ClusterError | MetricsError):
        return 502
    return 500


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _errors(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    def sign_in(request: Request, exc: SignInNeeded) -> Response:
        if _is_api(request) or request.method != "GET":
            return JSONResponse(
                {"error": "sign in or send a Kubernetes bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="kubemedic"'},
            )
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(KubemedicError)
    def refused(request: Request, exc: KubemedicError) -> Response:
        status = _status(exc)
        body = {"error": exc.message, "hint": exc.hint}
        if _is_api(request):
            return JSONResponse(body, status_code=status)
        templates: Jinja2Templates = request.app.state.server.templates
        return templates.TemplateResponse(request, "error.html", body, status_code=status)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def _observed(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    request.app.state.server.metrics.observe(
        request.method, template, response.status_code, time.perf_counter() - started
    )
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
