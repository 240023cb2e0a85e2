"""What the server answers beyond the governed workflow: diagnoses, right-sizing advice, the
latest health report and the figures ``/metrics`` exports.

Each runs the use case the CLI runs (``diagnose``, ``recommend resources``, ``report health
--record``, ``stats``) on the cluster, usage history and records the server's settings name,
through the same entry points the agent tools use, so the JSON is the one ``-o json`` prints
and whatever a log line or an environment variable might leak is redacted as it is for agents.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kubemedic.config import Settings
from kubemedic.errors import ConfigError, InputError, NotFound
from kubemedic.governance.figures import Figures
from kubemedic.models.records import RecordKind
from kubemedic.services.agent_tools import (
    DiagnoseArguments,
    Kind,
    ToolContext,
    call_tool,
    diagnosis_data,
    run_diagnosis,
)
from kubemedic.services.server_views import Document, record_document
from kubemedic.services.trail import trail_figures
from kubemedic.services.workspace import Workspace

FIGURES_WINDOW = timedelta(days=30)
"""The window of the MTTD, MTTR and approval-latency figures ``/metrics`` exports."""


def diagnosis(
    settings: Settings, *, namespace: str | None = None, all_namespaces: bool = False
) -> Document:
    """``kubemedic diagnose -n NAMESPACE -o json`` (default: the kubeconfig's namespace)."""
    scope = {"namespace": namespace, "all_namespaces": all_namespaces}
    return call_tool(ToolContext(settings), "diagnose", scope, read_only=True)


def object_diagnosis(settings: Settings, namespace: str, kind: str, name: str) -> Document:
    """``kubemedic diagnose KIND/NAME -n NAMESPACE -o json``; ``NotFound`` for no such object."""
    chosen = kind_named(kind)
    ctx = ToolContext(settings)
    scope = None if chosen is Kind.NODE else namespace
    result = run_diagnosis(ctx, DiagnoseArguments(namespace=scope, kind=chosen, name=name))
    view = result.view
    where = "" if scope is None else scope
    if view.get(chosen.value, where, name) is None and view.knows(chosen.value, where):
        place = "" if scope is None else f" in namespace {scope}"
        raise NotFound(f"{chosen.value} {name!r} not found{place}")
    data: Document = ctx.redaction.data(diagnosis_data(result))
    return data


def kind_named(text: str) -> Kind:
    """The kind an object route names, as written in manifests (any letter case)."""
    for kind in Kind:
        if kind.value.lower() == text.lower():
            return kind
    raise InputError(
        f"unknown kind {text!r}", hint="use one of " + ", ".join(kind.value for kind in Kind)
    )


def recommendations(
    settings: Settings,
    *,
    namespace: str | None = None,
    all_namespaces: bool = False,
    history: str = "7d",
) -> Document:
    """``kubemedic recommend resources -o json`` from the usage history the settings name."""
    if settings.prometheus.url is None and not settings.store_path().exists():
        raise ConfigError(
            "this server has no usage history to recommend from: no prometheus.url in its "
            f"settings and no metrics store at {settings.store_path()}",
            hint="set prometheus.url in the server's settings, or run `kubemedic collect` "
            "into its store (docs/recommendations.md)",
        )
    ask: dict[str, Any] = {
        "namespaces": [namespace] if namespace else [],
        "all_namespaces": all_namespaces,
        "history": history,
    }
    return call_tool(ToolContext(settings), "recommend_resources", ask, read_only=True)


def latest_report(ws: Workspace, namespace: str | None = None) -> Document:
    """The newest health report record (of ``namespace``'s report when one is given)."""
    scope = None if namespace is None else [namespace]
    found = [
        record
        for record in ws.store.all(RecordKind.REPORT)
        if scope is None or list(record.header.get("scope") or ()) == scope
    ]
    if not found:
        of = f" of namespace {namespace}" if namespace else ""
        raise InputError(
            f"no record of a health report{of} in {ws.store.repo.root}",
            hint="kubemedic report health --record writes one (docs/reports.md)",
        )
    newest = max(found, key=lambda record: (record.created_at, record.id))
    return record_document(ws, newest.id)


def recent_figures(ws: Workspace) -> Figures:
    """``kubemedic stats --since 30d``: MTTD, MTTR and approval latency over FIGURES_WINDOW."""
    return trail_figures(ws, ws.now() - FIGURES_WINDOW)
