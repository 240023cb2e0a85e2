"""The tools kubemedic offers AI agents: defined once, served by MCP and used by ``ask``.

Each tool has a name, a description written for a model, a pydantic model of its arguments
(whose JSON schema both the MCP server and the chat-completions request publish) and a
function returning plain JSON data. Everything a tool returns passes through redaction, so
no token, password or key read from env, logs or events reaches an agent. Only
``propose_change`` writes anything: a proposal that waits for a person's approval — no tool
approves or executes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kubemedic import __version__
from kubemedic._internal.timeutils import parse_duration
from kubemedic.config import Settings
from kubemedic.errors import InputError
from kubemedic.formatters import record_json
from kubemedic.formatters.json import document
from kubemedic.formatters.operations import to_json
from kubemedic.formatters.report import Report, Scope
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType
from kubemedic.models.records import RecordKind
from kubemedic.services.diagnose import Diagnosis, diagnose
from kubemedic.services.identity import local_actor
from kubemedic.services.redaction import Redaction
from kubemedic.services.sources import SourceRequest, load_view
from kubemedic.services.workspace import open_workspace, utc_now

if TYPE_CHECKING:
    from kubemedic.services.recommend import HistorySource

Data = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What every tool call needs: the settings, where the cluster is read from, the clock."""

    settings: Settings
    files: tuple[Path, ...] = ()
    """Read the cluster from these files instead of the live API (offline use and tests)."""
    redaction: Redaction = field(default_factory=Redaction)
    actor: str | None = None
    """The configured person proposals are made as (default: the settings' ``user``)."""
    now: Callable[[], datetime] = utc_now


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kind(StrEnum):
    POD = "Pod"
    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    DAEMONSET = "DaemonSet"
    JOB = "Job"
    CRONJOB = "CronJob"
    SERVICE = "Service"
    PVC = "PersistentVolumeClaim"
    HPA = "HorizontalPodAutoscaler"
    NODE = "Node"


class ScopeArguments(_Arguments):
    namespace: str | None = Field(
        default=None, description="Namespace to look at. Default: the kubeconfig context's."
    )
    all_namespaces: bool = Field(default=False, description="Look at every namespace.")


class DiagnoseArguments(ScopeArguments):
    kind: Kind | None = Field(default=None, description="Diagnose one object: its kind.")
    name: str | None = Field(default=None, description="Diagnose one object: its name.")


class IncidentArguments(_Arguments):
    state: str | None = Field(
        default="open", description="Only incidents in this state (open, resolved); null: all."
    )
    limit: int = Field(default=20, ge=1, le=200, description="At most this many, newest first.")


class RecordArguments(_Arguments):
    id: str = Field(description="A record id such as INC-20260101-a1b2c3 or OP-20260101-d4e5f6.")


class RecommendArguments(_Arguments):
    namespaces: list[str] = Field(
        default_factory=list, description="Namespaces to look at. Default: the context's."
    )
    all_namespaces: bool = Field(default=False, description="Look at every namespace.")
    history: str = Field(default="7d", description="How far back to read usage: 7d, 14d, 12h.")


class StatsArguments(_Arguments):
    since: str = Field(default="30d", description="Window of the figures: 30d, 12h, 90m.")


class ProposedAction(StrEnum):
    RESTART = ActionType.RESTART.value
    SCALE = ActionType.SCALE.value
    RESOURCES = ActionType.RESOURCES.value
    HPA = ActionType.HPA.value
    SET_IMAGE = ActionType.SET_IMAGE.value
    PAUSE = ActionType.PAUSE.value
    RESUME = ActionType.RESUME.value
    UNDO = ActionType.UNDO.value


class ProposeArguments(_Arguments):
    action: ProposedAction = Field(description="The change to propose.")
    kind: Kind = Field(description="Kind of the object to change, usually Deployment.")
    name: str = Field(min_length=1, description="Name of the object to change.")
    namespace: str = Field(min_length=1, description="Namespace of the object.")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="The action's parameters, as `kubemedic propose` takes them: scale "
        "{replicas}; resources {container, cpu_request, memory_request, cpu_limit, "
        "memory_limit}; hpa {min, max, cpu_target}; set-image {container, image}; undo "
        "{revision}.",
    )
    reason: str = Field(min_length=1, description="Why: cite the finding ids this would fix.")


@dataclass(frozen=True, slots=True)
class Tool:
    """One tool: its name, description, argument model and implementation."""

    name: str
    description: str
    arguments: type[_Arguments]
    run: Callable[[ToolContext, Any], Data]
    read_only: bool = True

    def input_schema(self) -> Data:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return schema

    def parse(self, arguments: Mapping[str, Any] | None) -> _Arguments:
        """The arguments validated against the schema; ``InputError`` naming each bad field."""
        try:
            return self.arguments.model_validate(dict(arguments or {}))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(f"tool {self.name}: bad arguments: {problems}") from None


def _request(ctx: ToolContext, scope: ScopeArguments, target: ObjectRef | None) -> SourceRequest:
    if scope.namespace and scope.all_namespaces:
        raise InputError("namespace and all_namespaces cannot be used together")
    settings = ctx.settings
    return SourceRequest(
        files=ctx.files,
        namespace=scope.namespace,
        all_namespaces=scope.all_namespaces,
        target=target,
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        request_timeout=settings.request_timeout,
    )


def run_diagnosis(ctx: ToolContext, args: DiagnoseArguments) -> Diagnosis:
    """The diagnosis a ``diagnose`` call asks for (one object, a namespace, or everything)."""
    if (args.kind is None) != (args.name is None):
        raise InputError("give both kind and name to diagnose one object, or neither")
    target = None
    if args.kind is not None and args.name is not None:
        namespace = "" if args.kind is Kind.NODE else args.namespace or ""
        target = ObjectRef(args.kind.value, args.name, namespace)
    view = load_view(_request(ctx, args, target))
    if target is not None and not target.namespace and target.kind != "Node":
        target = ObjectRef(target.kind, target.name, view.namespaces[0] if view.namespaces else "")
    return diagnose(view, target=target)


def diagnosis_data(result: Diagnosis, *, namespace: str | None = None) -> Data:
    """The diagnosis as the JSON output documents it (docs/json-output.md)."""
    view = result.view
    findings = result.findings
    if namespace:
        findings = tuple(
            f
            for f in findings
            if f.object.namespace == namespace or any(p.namespace == namespace for p in f.affected)
        )
    scope = Scope(
        source=view.source,
        namespaces=view.namespaces,
        observed_at=view.observed_at,
        objects=result.object_counts(),
        analyzers=result.analyzers,
    )
    return document(Report(scope, findings, __version__, (), view.warnings))


def _diagnose(ctx: ToolContext, args: DiagnoseArguments) -> Data:
    return diagnosis_data(run_diagnosis(ctx, args), namespace=_narrowed(ctx, args))


def _narrowed(ctx: ToolContext, args: ScopeArguments) -> str | None:
    """Files hold every namespace they were dumped with: ``namespace`` narrows the report."""
    return args.namespace if ctx.files else None


SUMMARIZED_AT_MOST = 10
"""Findings and recommendations a health summary lists (the counts cover them all)."""


def _health(ctx: ToolContext, args: ScopeArguments) -> Data:
    from kubemedic.models.security import AuditOptions, PodSecurityLevel
    from kubemedic.services.report import HealthAsk, health

    settings = ctx.settings
    audit = settings.audit
    ask = HealthAsk(
        source=_request(ctx, args, None),
        history=_history_source(settings),
        right_sizing=settings.right_sizing(),
        audit=AuditOptions(
            level=PodSecurityLevel(audit.level),
            allowed_registries=audit.allowed_registries,
            complete=bool(ctx.files),
            tls_expiry_days=audit.tls_expiry_days,
        ),
        records=settings.records_dir(),  # read for the trend; a tool never records
    )
    report = health(ask, now=ctx.now(), version=__version__).to_data()
    trend = report["trend"]
    phases: Counter[str] = Counter()
    for namespace in report["pods"]:
        phases.update(namespace["phases"])
    return {
        "generated_at": report["generated_at"],
        "source": report["source"],
        "namespaces": report["namespaces"],
        "score": report["score"],
        "change_since_last": {k: v for k, v in trend.items() if k != "history"},
        "key_figures": report["key_figures"],
        "pods_by_phase": dict(phases),
        "security": report["security"],
        "findings": report["findings"][:SUMMARIZED_AT_MOST],
        "recommendations": report["recommendations"][:SUMMARIZED_AT_MOST],
        "notes": report["notes"],
    }


def _incidents(ctx: ToolContext, args: IncidentArguments) -> Data:
    ws = open_workspace(ctx.settings)
    found = [
        r for r in ws.store.all(RecordKind.INCIDENT) if args.state is None or r.state == args.state
    ]
    found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return {
        "incidents": [
            record_json.record_row(r) | {"finding": record_json.json_ready(r.header.get("finding"))}
            for r in found[: args.limit]
        ]
    }


def _record(ctx: ToolContext, args: RecordArguments) -> Data:
    return record_json.record_document(open_workspace(ctx.settings).store.load(args.id))


def _history(ctx: ToolContext, args: RecommendArguments) -> tuple[Any, Any, Any]:
    from kubemedic.services.recommend import Ask, ClusterAccess

    settings = ctx.settings
    span = parse_duration(args.history)
    if span is None:
        raise InputError(f"history {args.history!r}: not a duration like 7d, 12h")
    if args.namespaces and args.all_namespaces:
        raise InputError("namespaces and all_namespaces cannot be used together")
    access = ClusterAccess(settings.context, settings.kubeconfig, settings.request_timeout)
    ask = Ask(tuple(args.namespaces), args.all_namespaces, timedelta(seconds=span))
    return access, _history_source(settings), ask


def _history_source(settings: Settings) -> HistorySource:
    """Where usage history comes from: the configured Prometheus, else the metrics store."""
    from kubemedic.services.recommend import HistorySource

    chosen = settings.prometheus
    return HistorySource(
        store=settings.store_path(),
        prometheus_url=chosen.url,
        token=settings.prometheus_token(),
        headers=chosen.headers,
        timeout=chosen.timeout,
        verify_tls=chosen.verify_tls,
        scrape_interval=chosen.scrape_interval,
    )


def _resources(ctx: ToolContext, args: RecommendArguments) -> Data:
    from kubemedic.services.recommend import resources_report

    access, history, ask = _history(ctx, args)
    report = resources_report(access, history, ask, ctx.settings.right_sizing(), now=ctx.now())
    return report.to_data()


def _scaling(ctx: ToolContext, args: RecommendArguments) -> Data:
    from kubemedic.services.recommend import scaling_report

    access, history, ask = _history(ctx, args)
    report = scaling_report(access, history, ask, ctx.settings.scaling(), now=ctx.now())
    return report.to_data()


def _stats(ctx: ToolContext, args: StatsArguments) -> Data:
    from kubemedic.services.trail import trail_figures

    window = parse_duration(args.since)
    if window is None:
        raise InputError(f"since {args.since!r}: not a duration like 30d, 12h, 90m")
    ws = open_workspace(ctx.settings)
    figures: Data = orjson.loads(to_json(trail_figures(ws, ctx.now() - timedelta(seconds=window))))
    return figures


def _propose(ctx: ToolContext, args: ProposeArguments) -> Data:
    from kubemedic.services.operations import propose

    ws = open_workspace(ctx.settings)
    try:
        actor = local_actor(ws.policy, ctx.actor or ctx.settings.user)
        target = ObjectRef(args.kind.value, args.name, args.namespace)
        request = ActionRequest(ActionType(args.action.value), target, dict(args.params))
        done = propose(ws, request, actor, reason=f"proposed by an AI agent: {args.reason}")
    finally:
        ws.close()
    return {
        "id": done.id,
        "tier": done.tier.value,
        "state": done.state.value,
        "summary": done.summary,
        "needs": done.needs,
        "tier_reason": done.tier_reason,
        "approvers": list(done.approvers),
        "next": f"a person decides: kubemedic approve {done.id} / kubemedic reject {done.id}",
    }


TOOLS: tuple[Tool, ...] = (
    Tool(
        "diagnose",
        "Diagnose failing pods and workloads: each finding has an id, severity, category, the "
        "object, root cause, evidence (facts with where they were read) and a fix with its "
        "risk. Scope: one object (kind+name), a namespace, or all namespaces.",
        DiagnoseArguments,
        _diagnose,
    ),
    Tool(
        "health_summary",
        "The health report's summary for a namespace (or all): score 0-100 with grade and "
        "status, the change since the last recorded report, key figures, pods by phase, the "
        "security audit's score, the worst findings and what to do about them. Read only.",
        ScopeArguments,
        _health,
    ),
    Tool(
        "list_incidents",
        "Incidents recorded in the records repository (the audit trail), newest first.",
        IncidentArguments,
        _incidents,
    ),
    Tool(
        "get_record",
        "One incident or operation record: its header and every section (who did what when).",
        RecordArguments,
        _record,
    ),
    Tool(
        "recommend_resources",
        "Right-sizing advice for requests and limits from usage history (Prometheus or the "
        "embedded store).",
        RecommendArguments,
        _resources,
    ),
    Tool(
        "recommend_scaling",
        "Autoscaling advice from recent load and usage history: sustained load, HPA changes, "
        "node capacity.",
        RecommendArguments,
        _scaling,
    ),
    Tool(
        "stats",
        "Figures from the records: MTTD, MTTR, approval latency per tier, outcomes.",
        StatsArguments,
        _stats,
    ),
    Tool(
        "propose_change",
        "Propose a change as a governed operation. It is planned, dry-run and recorded with "
        "its risk tier; it waits for a person's approval. It is never approved or executed "
        "by this tool. Returns the operation id and tier.",
        ProposeArguments,
        _propose,
        read_only=False,
    ),
)


def tools(*, read_only: bool) -> tuple[Tool, ...]:
    """The tools offered: ``read_only`` leaves out those that write (``propose_change``)."""
    return tuple(t for t in TOOLS if t.read_only or not read_only)


def call_tool(
    ctx: ToolContext, name: str, arguments: Mapping[str, Any] | None, *, read_only: bool
) -> Data:
    """Run tool ``name`` with ``arguments``; its result redacted. ``InputError`` for an unknown
    tool or bad arguments; any other ``KubemedicError`` as the service raised it."""
    offered = {t.name: t for t in tools(read_only=read_only)}
    tool = offered.get(name)
    if tool is None:
        raise InputError(f"unknown tool {name!r}; tools: {', '.join(offered)}")
    result: Data = ctx.redaction.data(tool.run(ctx, tool.parse(arguments)))
    return result
