"""The PromQL kubemedic sends: a fixed handful of queries however many containers there are.

Every query covers all the namespaces asked at once (``namespace=~"a|b"``, or no filter) and
answers one series per (namespace, pod, container), so the number of queries never grows with
containers or pods — the opposite of per-pod query loops that overload Prometheus.

Resolution. CPU is a counter: its use is ``rate(counter[S])`` read every ``S`` by a subquery,
the mean over back-to-back windows that together hold every sample once. ``S`` is 5 minutes,
or four scrape intervals when that is longer (so each window has samples enough), and coarser
only where a window would exceed Prometheus' 11,000 points per series (7 days: 5 minutes, 2,016
points; 60 days: 8 minutes). Memory is a gauge: its percentiles are read from the working set
at the same steps, and its peak from every raw sample (``max_over_time`` on the range itself),
so no spike between two steps is missed. Sample counts and first/last sample times come from
one range query of hourly sample counts.

Cost. Each evaluation reads every sample of its metric in the window once (about 1.5 s for 20
million samples on one core of a small machine), and Prometheus shares no work between queries
or between the sides of ``or``. So the quantiles of one subquery are read in one evaluation
(``Levels``): p50, p95, p99 and the peak of CPU cost 1.4 times what one of them costs alone.
See docs/usage-prometheus.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MAX_POINTS = 11_000
"""Prometheus refuses a query_range of more points per series than this."""
MINUTE = 60.0
MIN_STEP = 300.0
"""CPU is read as 5-minute means at the finest (the kubernetes-mixin's ``rate[5m]``): finer
steps cost Prometheus more per query than they tell about a week."""
PRESENCE_STEP = 3600.0
"""Sample counts are read per hour."""
LOAD_STEP = 30.0
"""Resolution of recent load (the sustained-load test of scaling)."""
LEVEL_STEP = 0.001
"""The step of a range query that reads several quantiles at once (``Levels``), in seconds."""
STAT = "stat"

CPU_METRIC = "container_cpu_usage_seconds_total"
MEMORY_METRIC = "container_memory_working_set_bytes"
RESTARTS_METRIC = "kube_pod_container_status_restarts_total"
TERMINATED_METRIC = "kube_pod_container_status_last_terminated_reason"
LIMITS_METRIC = "kube_pod_container_resource_limits"

_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


@dataclass(frozen=True, slots=True)
class Labels:
    """The label names cAdvisor uses for pod and container: ``pod``/``container`` since
    Kubernetes 1.16, ``pod_name``/``container_name`` before."""

    pod: str
    container: str

    def __str__(self) -> str:
        return f"{self.pod}/{self.container}"


CURRENT = Labels("pod", "container")
LEGACY = Labels("pod_name", "container_name")
KUBE_STATE = CURRENT
"""kube-state-metrics has always used ``pod`` and ``container``."""


def usage_step(seconds: float, scrape_interval: float) -> float:
    """The step (and CPU rate window) for a history of ``seconds``: 5 minutes, or four scrape
    intervals if longer, in whole minutes, coarser only to stay within 11,000 points."""
    fewest = max(MIN_STEP, 4.0 * scrape_interval, seconds / MAX_POINTS)
    return MINUTE * math.ceil(fewest / MINUTE)


def load_step(seconds: float) -> float:
    """The query_range step for recent load: 30 s, coarser only past 11,000 points."""
    return max(LOAD_STEP, math.ceil(seconds / MAX_POINTS))


def duration(seconds: float) -> str:
    """A PromQL duration in whole seconds (rounded up, at least 1 s)."""
    return f"{max(1, math.ceil(seconds))}s"


def matcher(label: str, values: Iterable[str] | None) -> str:
    """``label=~"a|b"`` matching exactly the values given; "" (no filter) for None."""
    if values is None:
        return ""
    alternatives = "|".join(_RE2_SPECIAL.sub(r"\\\1", value) for value in sorted(set(values)))
    return f"{label}=~{_string(alternatives)}"


def _string(text: str) -> str:
    """A PromQL double-quoted string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _selector(metric: str, *matchers: str) -> str:
    return metric + "{" + ", ".join(m for m in matchers if m) + "}"


def _by(labels: Labels) -> str:
    return f"namespace, {labels.pod}, {labels.container}"


def containers(metric: str, labels: Labels, *matchers: str) -> str:
    """Container series only: the pod-level cgroup ("") and the pause container are left out."""
    name = labels.container
    return _selector(metric, *matchers, f'{name}!=""', f'{name}!="POD"')


def tagged(stats: Mapping[str, str]) -> str:
    """Several expressions in one query, each result labelled ``stat="<name>"``."""
    return " or ".join(
        f'label_replace({expression}, "{STAT}", "{name}", "", "")'
        for name, expression in stats.items()
    )


@dataclass(frozen=True, slots=True)
class Levels:
    """Several quantiles of one subquery, read in one evaluation.

    ``quantile_over_time`` takes one level, and Prometheus evaluates every query, and each
    side of ``or``, on its own: p50, p95, p99 and peak as four queries evaluate a 7-day
    subquery four times. Asked instead as one range query with a step of 1 ms, whose k-th
    step asks the k-th level (a function of ``time()``), Prometheus evaluates the subquery
    once, over the union of the steps' windows, and takes each step's quantile from it.

    The k-th step is at ``end + k ms`` (k = 1…n) and its range is the window plus n ms, so
    every step's range holds the subquery points in ``[end − window, end]`` and no other:
    ``end`` and the window are whole seconds, and subquery points fall on whole multiples of
    the step (whole minutes). Each level thus reads exactly what an instant query at ``end``
    would.
    """

    end: int
    """Unix seconds the window ends at."""
    names: tuple[str, ...]
    levels: tuple[float, ...]

    @classmethod
    def of(cls, end: float, levels: Mapping[str, float]) -> Levels:
        return cls(math.floor(end), tuple(levels), tuple(levels.values()))

    @property
    def start(self) -> float:
        """The first step (Unix seconds)."""
        return self.end + LEVEL_STEP

    @property
    def last(self) -> float:
        """The last step (Unix seconds)."""
        return self.end + LEVEL_STEP * len(self.levels)

    def widened(self, window: float) -> str:
        """A PromQL duration: ``window`` (whole seconds, rounded up) plus one ms per step."""
        return f"{1000 * max(1, math.ceil(window)) + len(self.levels)}ms"

    def level(self) -> str:
        """A scalar that is the k-th level at the k-th step and 0 between steps."""
        half = LEVEL_STEP / 2
        return " + ".join(
            f"{level!r} * (time() > bool {at - half:.4f}) * (time() < bool {at + half:.4f})"
            for at, level in zip(self._steps(), self.levels, strict=True)
        )

    def name_at(self, at: float) -> str | None:
        """The name of the level a point at ``at`` answers; None for a time of no step."""
        for step, name in zip(self._steps(), self.names, strict=True):
            if abs(at - step) < LEVEL_STEP / 2:
                return name
        return None

    def _steps(self) -> list[float]:
        return [self.end + LEVEL_STEP * k for k in range(1, len(self.levels) + 1)]


@dataclass(frozen=True, slots=True)
class UsageQueries:
    """The queries of one history read: a window, the namespaces, the label names."""

    labels: Labels
    namespaces: str
    """The namespace matcher, "" for all."""
    window: float
    """Seconds of history, ending at the evaluation time."""
    step: float
    """The subquery step, and the CPU rate window."""

    @classmethod
    def plan(
        cls,
        labels: Labels,
        namespaces: Sequence[str] | None,
        window: float,
        scrape_interval: float,
    ) -> UsageQueries:
        return cls(
            labels,
            matcher("namespace", namespaces),
            window,
            usage_step(window, scrape_interval),
        )

    @property
    def presence_step(self) -> float:
        """The step of the sample counts: an hour, coarser past 11,000 points."""
        return max(PRESENCE_STEP, math.ceil(self.window / MAX_POINTS))

    @property
    def presence_points(self) -> int:
        """How many steps of sample counts, ending at the window's end, cover the window."""
        return math.ceil(self.window / self.presence_step)

    def _per_container(self, expression: str) -> str:
        """One series per container: ``max`` folds the same series scraped by two jobs."""
        return f"max by ({_by(self.labels)}) ({expression})"

    def _levels_of(self, expression: str, levels: Levels) -> str:
        """The levels' quantiles of ``expression`` read every step over the window."""
        subquery = f"{expression}[{levels.widened(self.window)}:{duration(self.step)}]"
        return self._per_container(f"quantile_over_time({levels.level()}, {subquery})")

    def cpu_levels(self, levels: Levels) -> str:
        """Quantiles of the cores used over each step (level 1: the peak), per series."""
        cpu = containers(CPU_METRIC, self.labels, self.namespaces)
        return self._levels_of(f"rate({cpu}[{duration(self.step)}])", levels)

    def memory_levels(self, levels: Levels) -> str:
        """Working-set quantiles over the values at each step."""
        return self._levels_of(containers(MEMORY_METRIC, self.labels, self.namespaces), levels)

    def memory_peak(self) -> str:
        """The largest working set of every raw sample."""
        memory = containers(MEMORY_METRIC, self.labels, self.namespaces)
        return self._per_container(f"max_over_time({memory}[{duration(self.window)}])")

    def samples(self) -> str:
        """Memory samples per container in each step of a range query (``presence_step``).

        The range is a millisecond short of the step, so a sample on a step boundary is
        counted once (Prometheus 2 includes both ends of a range).
        """
        memory = containers(MEMORY_METRIC, self.labels, self.namespaces)
        window = f"{round(self.presence_step * 1000) - 1}ms"
        return self._per_container(f"count_over_time({memory}[{window}])")

    def restarts(self) -> str:
        """Restarts in the window, and whether a last termination said OOMKilled.

        Restarts are the rise of the restart counter (``increase``, rounded by the reader: a
        pod's counter never resets). Which restarts were OOMKills is asked afterwards, only
        for the pods that restarted and show an OOMKilled reason (``oom_kills``).
        """
        ksm = KUBE_STATE
        matchers = (self.namespaces, f'{ksm.container}!=""')
        counter = _selector(RESTARTS_METRIC, *matchers)
        oom_killed = _selector(TERMINATED_METRIC, *matchers, 'reason="OOMKilled"')
        per_container = f"max by ({_by(ksm)})"
        return tagged(
            {
                "restarts": f"{per_container} (increase({counter}[{duration(self.window)}]))",
                "oom_seen": f"{per_container} (max_over_time({oom_killed}"
                f"[{duration(self.window)}]))",
            }
        )

    def oom_kills(self, pods: Iterable[tuple[str, str]]) -> str:
        """OOMKills in the window and the memory limit at the latest, for these pods only.

        An OOMKill is a rise of the restart counter in an hour that ends with the last
        termination reason OOMKilled (restarts of mixed reasons within one hour count as the
        last one); its limit is the container's memory limit then. The step-by-step
        comparison is costly, hence asked hourly and only for the pods that need it.
        """
        ksm = KUBE_STATE
        by = _by(ksm)
        chosen = list(pods)
        matchers = (
            matcher("namespace", (namespace for namespace, _ in chosen)),
            matcher(ksm.pod, (pod for _, pod in chosen)),
            f'{ksm.container}!=""',
        )
        counter = _selector(RESTARTS_METRIC, *matchers)
        oom_killed = _selector(TERMINATED_METRIC, *matchers, 'reason="OOMKilled"')
        memory_limit = _selector(LIMITS_METRIC, *matchers, 'resource="memory"')
        step = duration(self.presence_step)
        hourly = f"[{duration(self.window)}:{step}]"
        rose = (
            f"(max by ({by}) ({counter}) - max by ({by}) ({counter} offset {step})) > 0"
            f" and on ({by}) (max by ({by}) ({oom_killed}) == 1)"
        )
        limit = f"max by ({by}) ({memory_limit})"
        return tagged(
            {
                "oom_kills": f"sum_over_time(({rose}){hourly})",
                "oom_limit": f"last_over_time(({limit} and on ({by}) ({rose})){hourly})",
            }
        )


def pod_load(labels: Labels, namespaces: Sequence[str] | None, rate: float) -> str:
    """Cores used per pod (all its containers), for a query_range over recent minutes."""
    cpu = containers(CPU_METRIC, labels, matcher("namespace", namespaces))
    return (
        f"sum by (namespace, {labels.pod}) (max by ({_by(labels)}) (rate({cpu}[{duration(rate)}])))"
    )
