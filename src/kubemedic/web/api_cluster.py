"""``/api/v1`` beyond the governed workflow: diagnoses, recommendations and health reports.

Each is read only and needs any kubemedic role; the cluster and the usage history are the
ones the server's settings name (``services.server_cluster``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from kubemedic.config import Settings
from kubemedic.models.records import RecordKind
from kubemedic.services import server_cluster, server_views
from kubemedic.web.api import json_answer
from kubemedic.web.context import CallerDep, WorkspaceDep, allowed, server_of

router = APIRouter(prefix="/api/v1", tags=["kubemedic"])


def _settings(request: Request) -> Settings:
    return server_of(request).settings


SettingsDep = Annotated[Settings, Depends(_settings)]
Namespace = Annotated[
    str | None, Query(description="Default: the namespace of the server's kubeconfig context.")
]
AllNamespaces = Annotated[bool, Query(description="Every namespace.")]


@router.get("/diagnosis", summary="Diagnose a namespace (what `diagnose -o json` prints)")
def diagnosis(
    who: CallerDep,
    settings: SettingsDep,
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
) -> Response:
    allowed(who, "read")
    return json_answer(
        server_cluster.diagnosis(settings, namespace=namespace, all_namespaces=all_namespaces)
    )


@router.get(
    "/diagnosis/{namespace}/{kind}/{name}",
    summary="Diagnose one object (kind as in manifests; any namespace for a Node)",
)
def object_diagnosis(
    namespace: str, kind: str, name: str, who: CallerDep, settings: SettingsDep
) -> Response:
    allowed(who, "read")
    return json_answer(server_cluster.object_diagnosis(settings, namespace, kind, name))


@router.get("/recommendations", summary="Right-sizing from the configured usage history")
def recommendations(
    who: CallerDep,
    settings: SettingsDep,
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    history: Annotated[str, Query(description="How far back to read usage.")] = "7d",
) -> Response:
    allowed(who, "read")
    return json_answer(
        server_cluster.recommendations(
            settings, namespace=namespace, all_namespaces=all_namespaces, history=history
        )
    )


@router.get("/reports", summary="Health report records, newest first")
def reports(who: CallerDep, ws: WorkspaceDep) -> Response:
    allowed(who, "read")
    return json_answer(server_views.record_rows(ws, RecordKind.REPORT, None))


@router.get("/reports/latest", summary="The newest health report record")
def latest_report(
    who: CallerDep,
    ws: WorkspaceDep,
    namespace: Annotated[str | None, Query(description="Its report only.")] = None,
) -> Response:
    allowed(who, "read")
    return json_answer(server_cluster.latest_report(ws, namespace))
