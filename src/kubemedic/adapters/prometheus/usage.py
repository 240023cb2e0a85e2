"""Usage history read from a Prometheus-compatible server, as ``UsageSource`` promises it.

A whole read is a fixed set of queries, whatever the number of containers (``queries``): two
label lookups, made once (which cAdvisor label names the server has); then CPU p50, p95, p99
and peak (one evaluation, ``queries.Levels``), memory p50, p95 and p99 (one more), the memory
peak, hourly sample counts and restarts — five, run up to four at a time — and, right after
the restarts and only when some pod restarted with an OOMKilled reason, one more for those
pods. Pods are grouped into
workloads here with ``owner`` and pooled (``readings``), because PromQL cannot pool samples
across series over time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from kubemedic._internal.timeutils import format_time
from kubemedic.adapters.prometheus import queries
from kubemedic.adapters.prometheus.answers import RangeSeries, Sample
from kubemedic.adapters.prometheus.client import CONNECTIONS, PrometheusClient
from kubemedic.adapters.prometheus.queries import (
    CPU_METRIC,
    LEVEL_STEP,
    MEMORY_METRIC,
    Labels,
    Levels,
)
from kubemedic.adapters.prometheus.readings import (
    PERCENTILES,
    WITH_PEAK,
    Owners,
    Readings,
    order,
)
from kubemedic.errors import MetricsError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.usage import (
    ContainerUsage,
    LoadPoint,
    OwnerOf,
    UsageWindow,
    WorkloadLoad,
)

DEFAULT_SCRAPE_INTERVAL = 60.0
"""Prometheus' default; CPU rates are taken over four of these."""
CADVISOR_HINT = (
    "kubemedic reads the kubelet's cAdvisor metrics (container_cpu_usage_seconds_total and "
    "container_memory_working_set_bytes, labelled namespace, pod and container — pod_name and "
    "container_name before Kubernetes 1.16): check that Prometheus scrapes /metrics/cadvisor "
    "on every kubelet and keeps the history asked"
)

T = TypeVar("T")


class PrometheusUsage:
    """``UsageSource`` over a Prometheus-compatible server.

    ``scrape_interval`` is how often cAdvisor is scraped (seconds): CPU rates are taken over
    four of them, so every rate has samples enough. ``parallel`` queries run at once.
    """

    def __init__(
        self,
        client: PrometheusClient,
        *,
        scrape_interval: float = DEFAULT_SCRAPE_INTERVAL,
        parallel: int = CONNECTIONS,
    ) -> None:
        self.client = client
        self.scrape_interval = scrape_interval
        self.parallel = max(1, parallel)
        self._labels: Labels | None = None

    @property
    def description(self) -> str:
        return f"prometheus {self.client.url}"

    def container_usage(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[ContainerUsage]:
        if namespaces is not None and not namespaces:
            return []
        labels = self._cadvisor_labels(window)
        plan = queries.UsageQueries.plan(labels, namespaces, _seconds(window), self.scrape_interval)
        ask = partial(self.client.query, at=window.end)
        cpu = Levels.of(window.end.timestamp(), WITH_PEAK)
        memory = Levels.of(window.end.timestamp(), PERCENTILES)
        first_hour = window.end - timedelta(seconds=plan.presence_step * (plan.presence_points - 1))
        calls: dict[str, Callable[[], Any]] = {
            "cpu": partial(self._levels, plan.cpu_levels(cpu), cpu, "CPU p50, p95, p99 and peak"),
            "memory": partial(
                self._levels, plan.memory_levels(memory), memory, "memory p50, p95 and p99"
            ),
            "restarts": partial(self._restarts, plan, labels, ask),
            "memory max": partial(ask, plan.memory_peak(), purpose="memory peak per container"),
            "samples": partial(
                self.client.query_range,
                plan.samples(),
                start=first_hour,
                end=window.end,
                step=plan.presence_step,
                purpose="samples per container and hour",
            ),
        }
        answers = self._run_all(calls)
        readings = Readings(labels)
        readings.cpu(answers["cpu"], cpu)
        readings.memory(answers["memory"], memory)
        readings.memory_peak(answers["memory max"])
        readings.presence(answers["samples"], plan.presence_step, window)
        restarts, oom_kills = answers["restarts"]
        readings.restarts(restarts)
        readings.oom_kills(oom_kills)
        return readings.by_workload(owner)

    def recent_load(
        self, window: UsageWindow, namespaces: Sequence[str] | None, owner: OwnerOf
    ) -> list[WorkloadLoad]:
        if namespaces is not None and not namespaces:
            return []
        labels = self._cadvisor_labels(window)
        step = queries.load_step(_seconds(window))
        answered = self.client.query_range(
            queries.pod_load(labels, namespaces, max(4.0 * self.scrape_interval, step)),
            start=window.start,
            end=window.end,
            step=step,
            purpose="recent CPU load per pod",
        )
        loads: dict[ObjectRef, dict[float, list[float]]] = defaultdict(dict)
        workload_of = Owners(owner)
        for pod in answered:
            workload = workload_of(pod.labels.get("namespace", ""), pod.labels.get(labels.pod, ""))
            if workload is None:
                continue
            for at, cores in pod.points:
                total = loads[workload].setdefault(at, [0.0, 0.0])
                total[0] += cores
                total[1] += 1
        return [
            WorkloadLoad(
                workload,
                tuple(
                    LoadPoint(datetime.fromtimestamp(at, UTC), cores, int(pods))
                    for at, (cores, pods) in sorted(points.items())
                ),
            )
            for workload, points in sorted(loads.items(), key=lambda item: order(item[0]))
        ]

    def _restarts(
        self, plan: queries.UsageQueries, labels: Labels, ask: Callable[..., list[Sample]]
    ) -> tuple[list[Sample], list[Sample]]:
        """Restarts, then the OOMKills of the pods that need asking, if any: chained, so the
        small second query runs while the large ones still do, not after them."""
        restarts = ask(plan.restarts(), purpose="restarts per container")
        seen = Readings(labels)
        seen.restarts(restarts)
        suspects = seen.oom_suspects()
        if not suspects:
            return restarts, []
        return restarts, ask(plan.oom_kills(suspects), purpose="OOMKills per container")

    def _levels(self, expr: str, levels: Levels, purpose: str) -> list[RangeSeries]:
        """One range query over the steps of ``levels`` (one step per level)."""
        return self.client.query_range(
            expr,
            start=datetime.fromtimestamp(levels.start, UTC),
            end=datetime.fromtimestamp(levels.last, UTC),
            step=LEVEL_STEP,
            purpose=f"{purpose} per container",
        )

    def _cadvisor_labels(self, window: UsageWindow) -> Labels:
        """Which label names cAdvisor uses on this server (asked once, then remembered)."""
        if self._labels is None:
            found = self._run_all(
                {
                    metric: partial(_labels_of, self.client, metric, window)
                    for metric in (CPU_METRIC, MEMORY_METRIC)
                }
            )
            cpu, memory = found[CPU_METRIC], found[MEMORY_METRIC]
            if isinstance(cpu, str) or isinstance(memory, str):
                problems = [problem for problem in (cpu, memory) if isinstance(problem, str)]
                raise MetricsError(
                    f"Prometheus at {self.client.url} lacks the cAdvisor metrics kubemedic "
                    f"reads: {'; '.join(problems)}",
                    hint=CADVISOR_HINT,
                )
            if cpu != memory:
                raise MetricsError(
                    f"the cAdvisor metrics at {self.client.url} disagree on label names: "
                    f"{CPU_METRIC} uses {cpu}, {MEMORY_METRIC} {memory}",
                    hint=CADVISOR_HINT,
                )
            self._labels = cpu
        return self._labels

    def _run_all(self, calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """Run the calls up to ``parallel`` at a time; the first failure cancels the rest."""
        with ThreadPoolExecutor(min(self.parallel, len(calls))) as pool:
            futures: dict[str, Future[T]] = {
                name: pool.submit(call) for name, call in calls.items()
            }
            try:
                return {name: future.result() for name, future in futures.items()}
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise


def _labels_of(client: PrometheusClient, metric: str, window: UsageWindow) -> Labels | str:
    """The label names ``metric`` has in the window, or what is wrong with it."""
    names = set(
        client.label_names(
            metric, start=window.start, end=window.end, purpose=f"the label names of {metric}"
        )
    )
    for labels in (queries.CURRENT, queries.LEGACY):
        if {labels.pod, labels.container} <= names:
            return labels
    tried = f"{queries.CURRENT}, then {queries.LEGACY}"
    if not names:
        return (
            f"{metric} has no series between {format_time(window.start)} and "
            f"{format_time(window.end)} (looked for labels {tried})"
        )
    has = ", ".join(sorted(names))
    return f"{metric} has no pod and container labels (tried {tried}; it has {has})"


def _seconds(window: UsageWindow) -> float:
    seconds = (window.end - window.start).total_seconds()
    if seconds <= 0:
        raise ValueError(f"the usage window must end after it starts: {window}")
    return seconds
