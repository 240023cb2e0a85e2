"""Metrics like a real cluster's, read from the simulated containers' usage models.

``pod_metrics`` / ``node_metrics`` are the metrics.k8s.io objects ``kubectl top`` reads;
``prometheus_text`` is one scrape in the exposition format with cAdvisor, kube-state-metrics
and application series under their usual names and labels; ``history`` replays the same
models over past days as OpenMetrics for ``promtool tsdb create-blocks-from openmetrics``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.kubelet.kubelet import Kubelet
from kubemedic.sandbox.kubelet.usage import Sample, sample, seconds_until_memory
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NODE_SYSTEM_CPU = 0.12
NODE_SYSTEM_MEMORY = 0.08
HISTORY_STEP = 120


def _cpu(cores: float) -> str:
    return f"{int(cores * 1e9)}n"


def _memory(num_bytes: float) -> str:
    return f"{int(num_bytes // 1024)}Ki"


def pod_metrics(kubelet: Kubelet, clock: SimClock, namespace: str | None) -> list[Obj]:
    now = format_time(clock.now())
    pods: dict[str, tuple[Obj, list[Obj]]] = {}
    for pod, container, usage in kubelet.samples(namespace):
        entry = pods.setdefault(pod["metadata"]["uid"], (pod, []))
        entry[1].append(
            {
                "name": container,
                "usage": {"cpu": _cpu(usage.cpu_cores), "memory": _memory(usage.memory_bytes)},
            }
        )
    return [
        {
            "kind": "PodMetrics",
            "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {
                "name": pod["metadata"]["name"],
                "namespace": pod["metadata"]["namespace"],
                "labels": pod["metadata"].get("labels") or {},
                "creationTimestamp": now,
            },
            "timestamp": now,
            "window": "15s",
            "containers": containers,
        }
        for pod, containers in sorted(
            pods.values(), key=lambda p: (p[0]["metadata"]["namespace"], p[0]["metadata"]["name"])
        )
    ]


def node_metrics(store: Store, kubelet: Kubelet, clock: SimClock) -> list[Obj]:
    now = format_time(clock.now())
    cpu: dict[str, float] = defaultdict(float)
    memory: dict[str, float] = defaultdict(float)
    for pod, _, usage in kubelet.samples():
        host = str(pod["spec"].get("nodeName"))
        cpu[host] += usage.cpu_cores
        memory[host] += usage.memory_bytes
    out = []
    for node in store.list("Node")[0]:
        name = node["metadata"]["name"]
        capacity = (
            parse_quantity(((node.get("status") or {}).get("capacity") or {}).get("memory")) or 0.0
        )
        out.append(
            {
                "kind": "NodeMetrics",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {
                    "name": name,
                    "labels": node["metadata"].get("labels") or {},
                    "creationTimestamp": now,
                },
                "timestamp": now,
                "window": "20s",
                "usage": {
                    "cpu": _cpu(cpu[name] + NODE_SYSTEM_CPU),
                    "memory": _memory(memory[name] + capacity * NODE_SYSTEM_MEMORY),
                },
            }
        )
    return out


def _labels(labels: dict[str, str]) -> str:
    text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + text + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class _Families:
    """Samples grouped by metric family and series, written family by family."""

    def __init__(self) -> None:
        self._meta: dict[str, tuple[str, str]] = {}
        self._series: dict[str, dict[str, list[str]]] = defaultdict(dict)

    def add(
        self,
        family: str,
        kind: str,
        help_text: str,
        name: str,
        labels: dict[str, str],
        value: float,
        at: float | None = None,
    ) -> None:
        self._meta.setdefault(family, (kind, help_text))
        stamp = f" {at:.0f}" if at is not None else ""
        series = _labels({k: v for k, v in labels.items() if k != "le"})
        lines = self._series[family].setdefault(series, [])
        lines.append(f"{name}{_labels(labels)} {value:.12g}{stamp}")

    def text(self, *, openmetrics: bool) -> str:
        out: list[str] = []
        for family, (kind, help_text) in self._meta.items():
            declared = (
                family.removesuffix("_total") if openmetrics and kind == "counter" else family
            )
            out.append(f"# HELP {declared} {help_text}")
            out.append(f"# TYPE {declared} {kind}")
            for lines in self._series[family].values():
                out.extend(lines)
        if openmetrics:
            out.append("# EOF")
        return "\n".join(out) + "\n"


@dataclass(slots=True)
class Totals:
    """The cumulative series of one container instance, grown by what it did in each interval.

    Counters and histogram buckets only ever grow, as a real exporter's do: a total recomputed
    from the rate of the moment (``rate × age``) shrinks whenever the rate dips, and Prometheus
    reads every dip as a restart, so ``rate()`` and ``histogram_quantile()`` jump.
    """

    cpu: float = 0.0
    requests: float = 0.0
    errors: float = 0.0
    latency_sum: float = 0.0
    buckets: list[float] = dataclasses.field(default_factory=lambda: [0.0] * len(BUCKETS))

    def add(self, usage: Sample, seconds: float) -> None:
        """What the container did in ``seconds`` at ``usage``."""
        seconds = max(seconds, 0.0)
        requests = usage.requests_per_second * seconds
        self.cpu += usage.cpu_cores * seconds
        self.requests += requests
        self.errors += requests * usage.error_ratio
        self.latency_sum += requests * usage.latency_seconds
        for index, le in enumerate(BUCKETS):
            self.buckets[index] += requests * _latency_share(usage.latency_seconds, le)


class LiveTotals:
    """Each running container instance's totals between scrapes.

    An instance first seen is credited with its whole age at the current rate; after that each
    scrape adds the interval since the previous one. A restarted container is a new instance and
    starts again from zero, as its process's counters do.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_instance: dict[tuple[str, str, datetime], tuple[datetime, Totals]] = {}

    def scrape(
        self, seen: Iterable[tuple[str, str, datetime, Sample]], now: datetime
    ) -> list[Totals]:
        """Totals at ``now`` for each (pod uid, container, instance start, usage), in order;
        instances not seen any more are forgotten."""
        with self._lock:
            out, kept = [], {}
            for uid, container, started_at, usage in seen:
                key = (uid, container, started_at)
                last, totals = self._by_instance.get(key, (started_at, Totals()))
                if now > last:
                    totals.add(usage, (now - last).total_seconds())
                    last = now
                kept[key] = (last, totals)
                out.append(totals)
            self._by_instance = kept
            return out


def _container_series(
    families: _Families,
    pod: Obj,
    container: str,
    usage: Sample,
    totals: Totals,
    at: float | None = None,
) -> None:
    meta = pod["metadata"]
    base = {"namespace": meta["namespace"], "pod": meta["name"], "container": container}
    node = str(pod["spec"].get("nodeName") or "")
    families.add(
        "container_cpu_usage_seconds_total",
        "counter",
        "Cumulative cpu time consumed in seconds.",
        "container_cpu_usage_seconds_total",
        {**base, "node": node},
        totals.cpu,
        at,
    )
    families.add(
        "container_memory_working_set_bytes",
        "gauge",
        "Current working set in bytes.",
        "container_memory_working_set_bytes",
        {**base, "node": node},
        usage.memory_bytes,
        at,
    )
    if usage.requests_per_second <= 0 and totals.requests <= 0:
        return
    for code, count in (("200", totals.requests - totals.errors), ("500", totals.errors)):
        families.add(
            "http_requests_total",
            "counter",
            "Total HTTP requests served.",
            "http_requests_total",
            {**base, "code": code},
            count,
            at,
        )
    for le, count in (
        *zip(map(str, BUCKETS), totals.buckets, strict=True),
        ("+Inf", totals.requests),
    ):
        families.add(
            "http_request_duration_seconds",
            "histogram",
            "HTTP request latency.",
            "http_request_duration_seconds_bucket",
            {**base, "le": le},
            count,
            at,
        )
    for suffix, value in (("sum", totals.latency_sum), ("count", totals.requests)):
        families.add(
            "http_request_duration_seconds",
            "histogram",
            "HTTP request latency.",
            f"http_request_duration_seconds_{suffix}",
            base,
            value,
            at,
        )


def _latency_share(median: float, le: float) -> float:
    """The share of requests faster than ``le`` for a log-logistic latency around ``median``."""
    if median <= 0:
        return 1.0
    return 1.0 / (1.0 + (median / le) ** 3)


def prometheus_text(store: Store, kubelet: Kubelet, clock: SimClock, live: LiveTotals) -> str:
    """One scrape of the cluster, in the Prometheus text exposition format."""
    families = _Families()
    now = clock.now()
    running = []
    for pod, container, usage in kubelet.samples():
        runtime = kubelet.runtime(pod["metadata"]["uid"])
        cr = runtime.containers.get(container) if runtime else None
        if cr is not None and cr.instance is not None:
            running.append((pod, container, usage, cr.instance.started_at))
    scraped = live.scrape(
        (
            (pod["metadata"]["uid"], container, started, usage)
            for pod, container, usage, started in running
        ),
        now,
    )
    for (pod, container, usage, _), totals in zip(running, scraped, strict=True):
        _container_series(families, pod, container, usage, totals)
    for pod in store.list("Pod")[0]:
        _state_series(families, pod)
    for deployment in store.list("Deployment")[0]:
        _deployment_series(families, deployment)
    return families.text(openmetrics=False)


def _state_series(families: _Families, pod: Obj) -> None:
    meta = pod["metadata"]
    base = {"namespace": meta["namespace"], "pod": meta["name"]}
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    phase = (pod.get("status") or {}).get("phase", "Pending")
    for value in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        families.add(
            "kube_pod_status_phase",
            "gauge",
            "The pods current phase.",
            "kube_pod_status_phase",
            {**base, "phase": value},
            1.0 if phase == value else 0.0,
        )
    for container in (pod.get("spec") or {}).get("containers") or []:
        labels = {**base, "container": container["name"], "node": node}
        resources = container.get("resources") or {}
        for field, family in (
            ("requests", "kube_pod_container_resource_requests"),
            ("limits", "kube_pod_container_resource_limits"),
        ):
            for resource, quantity in (resources.get(field) or {}).items():
                unit = "core" if resource == "cpu" else "byte"
                families.add(
                    family,
                    "gauge",
                    f"The number of {field} resource by a container.",
                    family,
                    {**labels, "resource": resource, "unit": unit},
                    parse_quantity(quantity) or 0.0,
                )
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        labels = {**base, "container": status["name"]}
        families.add(
            "kube_pod_container_status_restarts_total",
            "counter",
            "The number of container restarts per container.",
            "kube_pod_container_status_restarts_total",
            labels,
            float(status.get("restartCount") or 0),
        )
        reason = ((status.get("lastState") or {}).get("terminated") or {}).get("reason")
        if reason:
            families.add(
                "kube_pod_container_status_last_terminated_reason",
                "gauge",
                "Describes the last reason the container was in terminated state.",
                "kube_pod_container_status_last_terminated_reason",
                {**labels, "reason": reason},
                1.0,
            )
        waiting = ((status.get("state") or {}).get("waiting") or {}).get("reason")
        if waiting:
            families.add(
                "kube_pod_container_status_waiting_reason",
                "gauge",
                "Describes the reason the container is currently in waiting state.",
                "kube_pod_container_status_waiting_reason",
                {**labels, "reason": waiting},
                1.0,
            )
        families.add(
            "kube_pod_container_status_ready",
            "gauge",
            "Describes whether the containers readiness check succeeded.",
            "kube_pod_container_status_ready",
            labels,
            1.0 if status.get("ready") else 0.0,
        )


def _deployment_series(families: _Families, deployment: Obj) -> None:
    meta, spec, status = (
        deployment["metadata"],
        deployment.get("spec") or {},
        deployment.get("status") or {},
    )
    labels = {"namespace": meta["namespace"], "deployment": meta["name"]}
    values = {
        "kube_deployment_spec_replicas": spec.get("replicas", 1),
        "kube_deployment_status_replicas": status.get("replicas", 0),
        "kube_deployment_status_replicas_available": status.get("availableReplicas", 0),
        "kube_deployment_status_replicas_unavailable": status.get("unavailableReplicas", 0),
        "kube_deployment_status_replicas_updated": status.get("updatedReplicas", 0),
        "kube_deployment_status_replicas_ready": status.get("readyReplicas", 0),
        "kube_deployment_status_observed_generation": status.get("observedGeneration", 0),
        "kube_deployment_metadata_generation": meta.get("generation", 1),
    }
    for name, value in values.items():
        families.add(
            name,
            "gauge",
            name.replace("_", " ").removeprefix("kube "),
            name,
            labels,
            float(value or 0),
        )


def history(
    store: Store,
    kubelet: Kubelet,
    clock: SimClock,
    days: int,
    load_for: Callable[[Obj], float | None],
) -> str:
    """``days`` of history ending now, for every running container, as OpenMetrics (dated by
    the wall clock when the cluster clock runs ahead of it, as every served time is)."""
    end = clock.now() - timedelta(seconds=clock.lead())
    start = end - timedelta(days=days)
    families = _Families()
    for pod, container, runtime_process, spec in _running(store, kubelet):
        resources = spec.get("resources") or {}
        request = parse_quantity((resources.get("requests") or {}).get("cpu"))
        limit_cpu = parse_quantity((resources.get("limits") or {}).get("cpu"))
        limit_memory = parse_quantity((resources.get("limits") or {}).get("memory"))
        cycle = seconds_until_memory(runtime_process, limit_memory) if limit_memory else None
        seed = f"{pod['metadata']['uid']}/{container}"
        totals = Totals()
        for at in _steps(start, end):
            age = (at - start).total_seconds()
            if cycle:
                age %= max(cycle, HISTORY_STEP)
            usage = sample(
                runtime_process,
                age=age,
                at=at,
                seed=seed,
                cpu_request=request,
                cpu_limit=limit_cpu,
                load_percent=load_for(pod),
            )
            totals.add(usage, HISTORY_STEP)
            _container_series(families, pod, container, usage, totals, at.timestamp())
    return families.text(openmetrics=True)


def _steps(start: datetime, end: datetime) -> Iterator[datetime]:
    at = start
    while at <= end:
        yield at
        at += timedelta(seconds=HISTORY_STEP)


def _running(store: Store, kubelet: Kubelet) -> Iterable[tuple[Obj, str, Any, Obj]]:
    for pod in store.list("Pod")[0]:
        runtime = kubelet.runtime(pod["metadata"]["uid"])
        if runtime is None:
            continue
        for spec in (pod.get("spec") or {}).get("containers") or []:
            cr = runtime.containers.get(spec["name"])
            if cr is not None and cr.instance is not None:
                yield pod, spec["name"], cr.instance.process, spec
