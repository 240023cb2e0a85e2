"""``/api/v1``: the governed workflow as JSON, the same use cases the CLI runs.

Reads need any kubemedic role; each change needs a role that may ask for it
(``services.server_access.PERMISSIONS``), then the governance rules decide as on the CLI.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from kubemedic.formatters.operations import to_json
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType
from kubemedic.models.records import RecordKind
from kubemedic.services import server_views
from kubemedic.services.approvals import pending
from kubemedic.services.execution import execute
from kubemedic.services.operations import approve, cancel, propose, reject
from kubemedic.services.rollback import rollback, rollback_for_validation
from kubemedic.services.server_access import cluster_allows, refusals_recorded
from kubemedic.services.validation import validate
from kubemedic.web.context import CallerDep, WorkspaceDep, allowed

router = APIRouter(prefix="/api/v1", tags=["kubemedic"])


def json_answer(value: Any, status: int = 200) -> Response:
    """``value`` as a JSON answer (as it is when it is JSON text already)."""
    body = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return Response(body, status_code=status, media_type="application/json")


class Target(BaseModel):
    kind: str = Field(examples=["Deployment"])
    name: str
    namespace: str = ""


class ProposeBody(BaseModel):
    action: ActionType
    target: Target
    params: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    incident: str | None = None
    emergency: bool = False


class Decision(BaseModel):
    reason: str = ""
    conditions: tuple[str, ...] = ()


class ValidateBody(BaseModel):
    wait: bool = Field(default=False, description="wait for every remaining stage")


@router.get("/me", summary="Who the server says you are")
def me(who: CallerDep) -> dict[str, Any]:
    actor = who.actor
    return {"name": actor.name, "email": actor.email, "roles": sorted(actor.roles)}


@router.get("/incidents", summary="Incident records, newest first")
def incidents(who: CallerDep, ws: WorkspaceDep, state: str | None = None) -> Response:
    allowed(who, "read")
    return json_answer(server_views.record_rows_json(ws, RecordKind.INCIDENT, state))


@router.get("/incidents/{record_id}", summary="One incident record")
def incident(record_id: str, who: CallerDep, ws: WorkspaceDep) -> Response:
    allowed(who, "read")
    return json_answer(server_views.record_document(ws, record_id))


@router.get("/operations", summary="Operation records, newest first")
def operations(who: CallerDep, ws: WorkspaceDep, state: str | None = None) -> Response:
    allowed(who, "read")
    return json_answer(server_views.record_rows_json(ws, RecordKind.OPERATION, state))


@router.get("/operations/{record_id}", summary="One operation: plan, evidence, history")
def operation(record_id: str, who: CallerDep, ws: WorkspaceDep) -> Response:
    allowed(who, "read")
    return json_answer(server_views.operation_document(ws, record_id))


@router.get("/approvals", summary="Operations waiting for approval, most urgent first")
def approvals(who: CallerDep, ws: WorkspaceDep) -> Response:
    allowed(who, "read")
    return json_answer(to_json(list(pending(ws))))


@router.get("/stats", summary="MTTD, MTTR, approval latency per tier, outcomes")
def stats(who: CallerDep, ws: WorkspaceDep, since: str = "30d") -> Response:
    allowed(who, "read")
    return json_answer(server_views.figures_document(ws, since))


@router.post("/operations", status_code=201, summary="Propose a change (tier is derived)")
def propose_operation(body: ProposeBody, who: CallerDep, ws: WorkspaceDep) -> Response:
    actor = allowed(who, "propose")
    target = body.target
    request = ActionRequest(
        body.action, ObjectRef(target.kind, target.name, target.namespace), body.params
    )
    cluster_allows(ws, actor, "propose", request, incident=body.incident)
    done = propose(
        ws, request, actor, emergency=body.emergency, incident=body.incident, reason=body.reason
    )
    return json_answer(to_json(done), 201)


@router.post("/operations/{record_id}/approve", summary="Approve, optionally with conditions")
def approve_operation(record_id: str, body: Decision, who: CallerDep, ws: WorkspaceDep) -> Response:
    actor = allowed(who, "approve")
    with refusals_recorded(ws, record_id, actor, "approve"):
        state = approve(ws, record_id, actor, reason=body.reason, conditions=body.conditions)
    return json_answer({"id": record_id, "state": state.value})


@router.post("/operations/{record_id}/reject", summary="Reject (a reason is required)")
def reject_operation(record_id: str, body: Decision, who: CallerDep, ws: WorkspaceDep) -> Response:
    actor = allowed(who, "reject")
    with refusals_recorded(ws, record_id, actor, "reject"):
        reject(ws, record_id, actor, reason=body.reason)
    return json_answer({"id": record_id, "state": "rejected"})


@router.post("/operations/{record_id}/cancel", summary="Withdraw an operation not started")
def cancel_operation(record_id: str, body: Decision, who: CallerDep, ws: WorkspaceDep) -> Response:
    actor = allowed(who, "cancel")
    cancel(ws, record_id, actor, reason=body.reason)
    return json_answer({"id": record_id, "state": "cancelled"})


@router.post("/operations/{record_id}/execute", summary="Apply an approved operation once")
def execute_operation(record_id: str, who: CallerDep, ws: WorkspaceDep) -> Response:
    actor = cluster_allows(ws, allowed(who, "execute"), "execute", record_id)
    return json_answer(to_json(execute(ws, record_id, actor)))


@router.post("/operations/{record_id}/validate", summary="Run the due validation stages")
def validate_operation(
    record_id: str, body: ValidateBody, who: CallerDep, ws: WorkspaceDep
) -> Response:
    actor = allowed(who, "validate")
    outcome = validate(ws, record_id, wait=body.wait, actor=actor, rollback=rollback_for_validation)
    return json_answer(to_json(outcome))


@router.post("/operations/{record_id}/rollback", summary="Apply the recorded inverse")
def rollback_operation(
    record_id: str, body: Decision, who: CallerDep, ws: WorkspaceDep
) -> Response:
    actor = cluster_allows(ws, allowed(who, "rollback"), "rollback", record_id)
    return json_answer(to_json(rollback(ws, record_id, actor, reason=body.reason)))
