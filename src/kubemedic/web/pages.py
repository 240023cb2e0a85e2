"""The dashboard: server-rendered pages and the forms that decide on operations.

Each form posts to the page's own URL family with the session's CSRF token and is answered
with a redirect back to the operation (or the page again with the refusal, status 403), so a
reload never repeats a decision.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kubemedic.errors import KubemedicError
from kubemedic.formatters.charts import seconds_text
from kubemedic.formatters.measurements import measurements
from kubemedic.formatters.object_diff import executed_diff
from kubemedic.models.records import RecordKind
from kubemedic.services import server_views
from kubemedic.services.approvals import pending
from kubemedic.services.execution import execute
from kubemedic.services.operations import approve, reject
from kubemedic.services.rollback import rollback, rollback_for_validation
from kubemedic.services.server_access import cluster_allows, refusals_recorded
from kubemedic.services.server_trends import server_trends, trend_charts
from kubemedic.services.validation import validate
from kubemedic.services.workspace import Workspace
from kubemedic.web.context import Caller, CallerDep, WorkspaceDep, allowed, server_of
from kubemedic.web.security import COOKIE

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "kubemedic_login"
Text = Annotated[str, Form()]


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    server = server_of(request)
    return server.templates.TemplateResponse(request, name, values, status_code=status)


@router.get("/login")
def login_form(request: Request, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", login_csrf=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", max_age=900)
    return response


@router.post("/login")
def login(
    request: Request, name: Text, password: Text, csrf: Annotated[str, Form()] = ""
) -> Response:
    server = server_of(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf):
        return page(
            request,
            "login.html",
            403,
            login_csrf=expected,
            error="The form expired: sign in again.",
        )
    key = f"{request.client.host if request.client else '?'}|{name}"
    if server.limiter.blocked(key):
        return page(
            request,
            "login.html",
            429,
            login_csrf=expected,
            error="Too many failed sign-ins: wait a few minutes.",
        )
    actor = server.auth.sign_in(name, password)
    if actor is None:
        server.limiter.failed(key)
        return page(
            request, "login.html", 401, login_csrf=expected, error="Wrong name or password."
        )
    server.limiter.succeeded(key)
    response = RedirectResponse("/", status_code=303)
    server.sessions.start(response, actor.name, tls=request.url.scheme == "https")
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(who: CallerDep) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/")
def dashboard(request: Request, who: CallerDep, ws: WorkspaceDep) -> HTMLResponse:
    allowed(who, "read")
    recent = server_views.record_rows(ws, RecordKind.OPERATION, None)[:20]
    return page(request, "dashboard.html", who=who, pending=pending(ws), recent=recent)


@router.get("/incidents")
def incidents(request: Request, who: CallerDep, ws: WorkspaceDep) -> HTMLResponse:
    allowed(who, "read")
    rows = server_views.record_rows(ws, RecordKind.INCIDENT, None)
    return page(request, "incidents.html", who=who, rows=rows)


@router.get("/stats")
def stats(request: Request, who: CallerDep, ws: WorkspaceDep, since: str = "30d") -> HTMLResponse:
    allowed(who, "read")
    figures = server_views.figures_document(ws, since)
    charts = trend_charts(server_trends(ws, since))
    return page(
        request,
        "stats.html",
        who=who,
        figures=figures,
        since=since,
        charts=charts,
        seconds=seconds_text,
    )


@router.get("/records/{record_id}")
def record(request: Request, record_id: str, who: CallerDep, ws: WorkspaceDep) -> Response:
    allowed(who, "read")
    if record_id.startswith("OP-"):
        return RedirectResponse(f"/operations/{record_id}", status_code=303)
    document = server_views.record_document(ws, record_id)
    return page(request, "record.html", who=who, record=document)


@router.get("/operations/{record_id}")
def operation(
    request: Request, record_id: str, who: CallerDep, ws: WorkspaceDep, done: str = ""
) -> HTMLResponse:
    allowed(who, "read")
    return _operation_page(request, ws, who, record_id, done=done)


@router.post("/operations/{record_id}/{step}")
def decide(
    request: Request,
    record_id: str,
    step: str,
    who: CallerDep,
    ws: WorkspaceDep,
    reason: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
) -> Response:
    """Approve, reject, execute, validate or roll back from the operation page."""
    try:
        _run(ws, who, step, record_id, reason, conditions)
    except KubemedicError as exc:
        message = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return _operation_page(request, ws, who, record_id, error=message)
    return RedirectResponse(f"/operations/{record_id}?done={step}", status_code=303)


def _operation_page(
    request: Request, ws: Workspace, who: Caller, record_id: str, *, done: str = "", error: str = ""
) -> HTMLResponse:
    """The operation with the diff of what it changed and its pre/post figures (403 when it
    answers a refused decision)."""
    document, op = server_views.operation_view(ws, record_id)
    return page(
        request,
        "operation.html",
        403 if error else 200,
        who=who,
        op=document,
        measured=measurements(op, ws.policy.validation_delays),
        applied=executed_diff(op),
        done=done,
        error=error,
    )


def _run(
    ws: Workspace, who: Caller, step: str, record_id: str, reason: str, conditions: str
) -> None:
    if step == "approve":
        actor = allowed(who, "approve")
        wanted = tuple(c.strip() for c in conditions.splitlines() if c.strip())
        with refusals_recorded(ws, record_id, actor, "approve"):
            approve(ws, record_id, actor, reason=reason, conditions=wanted)
    elif step == "reject":
        actor = allowed(who, "reject")
        with refusals_recorded(ws, record_id, actor, "reject"):
            reject(ws, record_id, actor, reason=reason)
    elif step == "execute":
        execute(ws, record_id, cluster_allows(ws, allowed(who, "execute"), "execute", record_id))
    elif step == "validate":
        actor = allowed(who, "validate")
        validate(ws, record_id, wait=True, actor=actor, rollback=rollback_for_validation)
    elif step == "rollback":
        actor = cluster_allows(ws, allowed(who, "rollback"), "rollback", record_id)
        rollback(ws, record_id, actor, reason=reason)
    else:
        from kubemedic.errors import InputError

        raise InputError(f"no step {step!r}: approve, reject, execute, validate or rollback")
