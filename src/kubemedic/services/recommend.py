"""Right-sizing and proactive scaling: read the cluster and the usage history, recommend, propose.

The cluster says what runs and what it asks for (workloads, their HPAs, nodes, pods); the
usage history — a Prometheus-compatible server, or the embedded store ``collect`` fills —
says what it really uses. The pure recommenders turn both into advice; ``--propose`` hands
each change to the governed-changes workflow as a medium-tier operation, never applying
anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kubemedic._internal.quantities import format_cpu, format_memory
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.adapters.metrics_store.reader import StoreUsage
from kubemedic.adapters.prometheus.client import PrometheusClient
from kubemedic.adapters.prometheus.usage import PrometheusUsage
from kubemedic.errors import MetricsError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.k8s import Workload, dig
from kubemedic.models.operations import ActionRequest, ActionType
from kubemedic.models.outcomes import Proposal
from kubemedic.models.recommendation_reports import ResourcesReport, ScalingReport, Scope
from kubemedic.models.recommendation_settings import RightSizingSettings, ScalingSettings
from kubemedic.models.usage import ContainerUsage, UsageSource, UsageWindow, WorkloadLoad
from kubemedic.recommenders.owners import owner_index
from kubemedic.recommenders.resources import recommend_workload
from kubemedic.recommenders.scaling import recommend_scaling
from kubemedic.services.operations import propose
from kubemedic.services.workspace import Workspace

RIGHT_SIZED_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class HistorySource:
    """Where usage history is read: a Prometheus URL (with credentials), else the store file."""

    store: Path
    prometheus_url: str | None = None
    token: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 60.0
    verify_tls: bool = True
    scrape_interval: float = 60.0


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How to reach the cluster: kubeconfig context and file, request timeout."""

    context: str | None = None
    kubeconfig: Path | None = None
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Ask:
    """What to recommend for: which namespaces and how much history."""

    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    history: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class _Sources:
    cluster: ClusterWriter
    usage: UsageSource
    scope: Scope


@contextmanager
def _connected(access: ClusterAccess, history: HistorySource, ask: Ask) -> Iterator[_Sources]:
    """The cluster, the usage history and the namespaces asked for, open for one run."""
    with (
        ClusterWriter.connect(
            context=access.context, kubeconfig=access.kubeconfig, timeout=access.timeout
        ) as cluster,
        usage_source(history) as source,
    ):
        yield _Sources(cluster, source, scope_of(cluster, ask.namespaces, ask.all_namespaces))


def prometheus_client(history: HistorySource) -> PrometheusClient:
    """A client for the configured Prometheus (``history.prometheus_url`` must be set)."""
    assert history.prometheus_url is not None
    return PrometheusClient(
        history.prometheus_url,
        token=history.token,
        headers=history.headers,
        timeout=history.timeout,
        verify_tls=history.verify_tls,
    )


@contextmanager
def usage_source(history: HistorySource) -> Iterator[UsageSource]:
    """The Prometheus backend when a URL is configured, else the embedded store."""
    if history.prometheus_url:
        client = prometheus_client(history)
        try:
            yield PrometheusUsage(client, scrape_interval=history.scrape_interval)
        finally:
            client.close()
        return
    if not history.store.exists():
        raise MetricsError(
            f"no usage history: the store {history.store} does not exist and no Prometheus "
            "is configured",
            hint="give --prometheus URL, or fill the store with `kubemedic collect` "
            "(or `kubemedic collect --import FILE` for recorded history)",
        )
    yield StoreUsage(history.store)


def scope_of(cluster: ClusterWriter, namespaces: Sequence[str], all_namespaces: bool) -> Scope:
    """``-A``: every namespace; ``-n``: those; neither: the kubeconfig context's namespace."""
    if all_namespaces:
        return Scope(None)
    if namespaces:
        return Scope(tuple(dict.fromkeys(namespaces)))
    return Scope((cluster.client.config.namespace or "default",))


@dataclass(frozen=True, slots=True)
class _Cluster:
    workloads: list[dict[str, Any]]
    hpas: dict[tuple[str, str, str], dict[str, Any]]
    replicasets: list[dict[str, Any]]


def _read_cluster(cluster: ClusterWriter, scope: Scope, kinds: Sequence[str]) -> _Cluster:
    workloads: list[dict[str, Any]] = []
    replicasets: list[dict[str, Any]] = []
    hpas: dict[tuple[str, str, str], dict[str, Any]] = {}
    for namespace in scope.namespaces or (None,):
        for kind in kinds:
            workloads.extend(cluster.list(kind, namespace))
        replicasets.extend(cluster.list("ReplicaSet", namespace))
        for hpa in cluster.list("HorizontalPodAutoscaler", namespace):
            ref = dig(hpa, "spec", "scaleTargetRef") or {}
            key = (
                str(dig(hpa, "metadata", "namespace")),
                str(ref.get("kind")),
                str(ref.get("name")),
            )
            hpas[key] = hpa
    workloads.sort(key=lambda w: _key(_ref(w)))
    return _Cluster(workloads, hpas, replicasets)


def _ref(obj: Mapping[str, Any]) -> ObjectRef:
    return Workload(obj).ref


def _key(ref: ObjectRef) -> tuple[str, str, str]:
    return (ref.namespace, ref.kind, ref.name)


def _by_workload(usages: Sequence[ContainerUsage]) -> dict[ObjectRef, list[ContainerUsage]]:
    grouped: dict[ObjectRef, list[ContainerUsage]] = {}
    for usage in usages:
        grouped.setdefault(usage.workload, []).append(usage)
    return grouped


def resources_report(
    access: ClusterAccess,
    history: HistorySource,
    ask: Ask,
    settings: RightSizingSettings,
    *,
    now: datetime,
    progress: Progress = _quiet,
) -> ResourcesReport:
    """Right-size every Deployment, StatefulSet and DaemonSet asked for from its history."""
    with _connected(access, history, ask) as opened:
        return _resources(opened, ask.history, settings, now, progress)


def scaling_report(
    access: ClusterAccess,
    history: HistorySource,
    ask: Ask,
    settings: ScalingSettings,
    *,
    now: datetime,
    progress: Progress = _quiet,
) -> ScalingReport:
    """Assess the recent load of every scalable workload asked for; propose HPAs for the hot."""
    with _connected(access, history, ask) as opened:
        return _scaling(opened, ask.history, settings, now, progress)


def _resources(
    opened: _Sources,
    history: timedelta,
    settings: RightSizingSettings,
    now: datetime,
    progress: Progress,
) -> ResourcesReport:
    cluster, source, scope = opened.cluster, opened.usage, opened.scope
    progress("reading workloads")
    found = _read_cluster(cluster, scope, RIGHT_SIZED_KINDS)
    window = UsageWindow(now - history, now)
    progress(f"reading {window.days:g} days of usage from {source.description}")
    owner = owner_index(found.workloads, found.replicasets)
    usages = _by_workload(source.container_usage(window, scope.namespaces, owner))
    progress(f"right-sizing {len(found.workloads)} workloads")
    results = tuple(
        recommend_workload(
            workload,
            usages.get(_ref(workload), ()),
            settings,
            hpa=found.hpas.get(_key(_ref(workload))),
        )
        for workload in found.workloads
    )
    return ResourcesReport(results, window, source.description, scope)


def _scaling(
    opened: _Sources,
    history: timedelta,
    settings: ScalingSettings,
    now: datetime,
    progress: Progress,
) -> ScalingReport:
    cluster, source, scope = opened.cluster, opened.usage, opened.scope
    progress("reading workloads and nodes")
    found = _read_cluster(cluster, scope, ("Deployment", "StatefulSet"))
    nodes = cluster.list("Node", None)
    pods = cluster.list("Pod", None)
    owner = owner_index(found.workloads, found.replicasets)
    recent = UsageWindow(now - timedelta(seconds=settings.sustained_seconds), now)
    progress(f"reading recent load from {source.description}")
    loads: dict[ObjectRef, WorkloadLoad] = {
        load.workload: load for load in source.recent_load(recent, scope.namespaces, owner)
    }
    progress("reading usage history for peak demand")
    window = UsageWindow(now - history, now)
    usages = _by_workload(source.container_usage(window, scope.namespaces, owner))
    results = tuple(
        recommend_scaling(
            workload,
            loads.get(_ref(workload)),
            usages.get(_ref(workload), ()),
            settings,
            now,
            hpa=found.hpas.get(_key(_ref(workload))),
            nodes=nodes,
            pods=pods,
        )
        for workload in found.workloads
    )
    return ScalingReport(results, window, source.description, scope)


def propose_resources(
    ws: Workspace, result: ResourcesReport, actor: Actor
) -> list[tuple[ObjectRef, str, Proposal]]:
    """One governed ``resources`` operation per container whose values should change."""
    proposals = []
    for workload in result.workloads:
        for container in workload.containers:
            if not container.changes or container.recommended is None:
                continue
            values = container.recommended
            params: dict[str, Any] = {"container": container.container}
            for key, amount, shown in (
                ("cpu_request", values.cpu_request, format_cpu),
                ("memory_request", values.memory_request, format_memory),
                ("cpu_limit", values.cpu_limit, format_cpu),
                ("memory_limit", values.memory_limit, format_memory),
            ):
                if amount is not None:
                    params[key] = shown(amount)
            why = "; ".join(container.reasons)
            savings = container.savings.describe() if container.savings else ""
            request = ActionRequest(ActionType.RESOURCES, workload.workload, params)
            proposal = propose(
                ws,
                request,
                actor,
                reason=f"right-sizing from {result.source}: {why}. {savings}".strip(),
            )
            proposals.append((workload.workload, container.container, proposal))
    return proposals


def propose_scaling(
    ws: Workspace, result: ScalingReport, actor: Actor
) -> list[tuple[ObjectRef, Proposal]]:
    """One governed ``hpa`` operation per workload under sustained load whose HPA should change."""
    proposals = []
    for item in result.workloads:
        hpa = item.hpa
        if hpa is None or hpa.action.value == "keep" or item.load.verdict.value != "sustained":
            continue
        params: dict[str, Any] = {
            "min": hpa.min_replicas,
            "max": hpa.max_replicas,
            "cpu_target": hpa.target_utilization,
            "scale_down_stabilization": dig(
                hpa.manifest, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds"
            ),
            "sustained_load": True,
        }
        request = ActionRequest(
            ActionType.HPA, item.workload, {k: v for k, v in params.items() if v is not None}
        )
        reason = f"sustained load from {result.source}: {item.load.detail}"
        if item.capacity is not None:
            reason += f"; capacity: {item.capacity.summary}"
        proposals.append((item.workload, propose(ws, request, actor, reason=reason)))
    return proposals
