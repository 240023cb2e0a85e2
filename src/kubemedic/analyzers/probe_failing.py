"""Liveness and startup probes failing on a running container that has not been restarted yet.

The kubelet restarts a container only after ``failureThreshold`` failures in a row; until then
the pod is Running, often not Ready, and only Warning events (``Liveness probe failed:
context deadline exceeded``) say anything. Those failures usually mean the probe does not fit
the application rather than that the application is broken: ``timeoutSeconds`` (1 by default)
shorter than the answers the application gives, or ``initialDelaySeconds`` shorter than its
start-up, so the kubelet is about to kill a container that would have come up. This analyzer
says which probe, its settings, what the failures show and why the settings do not fit — before
the restarts begin. Kills are ``probe_liveness``'s; a container whose readiness probe fails
beside its liveness probe is reported here once, with both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.analyzers._build import pod_finding, status_evidence
from kubemedic.analyzers._crashing import is_crashing, long_running, restarted_long_ago
from kubemedic.analyzers._probe_fix import config_fix, startup_probe
from kubemedic.analyzers._probes import (
    current_failures,
    failure_count,
    failure_hint,
    failures_evidence,
    latest_message,
    probe_evidence,
    probe_kill,
)
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import availability
from kubemedic.analyzers.probe_liveness import ID
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, Probe
from kubemedic.models.severity import Severity

NAME = "probe_failing"
RECENT = timedelta(minutes=10)
"""Failures older than this on a container that is Ready now are history."""
_TIMEOUT_WORDS = ("deadline exceeded", "Client.Timeout", "timed out", "timeout")
_REFUSED_WORDS = ("connection refused", "connect: connection reset", "EOF")


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.phase != "Running" or pod.deletion_timestamp is not None:
            continue
        for status in long_running(pod):
            spec = pod.container(status.name)
            if spec is None or not status.state.is_running or _restarting(view, pod, status):
                continue
            for kind in ("startup", "liveness"):
                probe = spec.probe(kind)
                failures = current_failures(view, pod, status, kind) if probe else []
                if probe is not None and _worth_reporting(view, pod, status, probe, failures):
                    yield _finding(view, pod, status, spec, probe, failures)
                    break


def _restarting(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """A recent restart other analyzers explain (a crash, an OOM kill, a probe kill)."""
    term = status.last_state.terminated
    if term is None or restarted_long_ago(view, status):
        return False
    return (
        term.reason == "OOMKilled"
        or is_crashing(view, pod, status)
        or probe_kill(view, pod, status) is not None
    )


def _worth_reporting(
    view: ClusterView, pod: Pod, status: ContainerStatus, probe: Probe, failures: list[Event]
) -> bool:
    """On a container that is not Ready, failures of this instance one short of a restart (a
    single early miss is start-up noise); on a Ready one, at least two recent failures after it
    became Ready (earlier ones were start-up, now history)."""
    if not failures:
        return False
    if not status.ready:  # the same rule as liveness_failing, for this probe
        return failure_count(failures) >= max(1, probe.failure_threshold - 1)
    ready = pod.condition("Ready")
    since = ready.last_transition if ready is not None and ready.is_true else None
    later = [e for e in failures if e.last_seen is None or since is None or e.last_seen > since]
    recent = [e for e in later if e.last_seen is None or view.observed_at - e.last_seen <= RECENT]
    return sum(e.count for e in recent) >= 2


def _finding(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    probe: Probe,
    failures: list[Event],
) -> Finding:
    workload = view.workload_of(pod)
    message = latest_message(failures)
    hint = failure_hint(message, probe, spec)
    since = status.state.running_since
    running = view.observed_at - since if since else None
    count = failure_count(failures)
    budget = probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold
    starting = not status.ready and _never_ready(pod) and _refused(message)
    unset = "" if "timeoutSeconds" in probe.raw else " (not set: the default)"
    cause = (
        f"Container {spec.name} runs"
        + (f" since {format_time(since)}" if since else "")
        + f" and has not been restarted, but its {probe.kind} probe {probe.endpoint} "
        f"({probe.timing}) has failed {count} times in this instance: {hint}"
        + (f' ("{message}").' if message else ".")
    )
    beside = _readiness_beside(view, pod, status, spec)
    both = (probe, beside[0]) if beside and _timed_out(latest_message(beside[1])) else (probe,)
    if _timed_out(message):
        cause += (
            f" timeoutSeconds={probe.timeout_seconds}{unset} does not fit: the application "
            "answers the check slower than that, under load or CPU throttling"
            + _cpu_limit(spec)
            + "."
        )
        fix = config_fix(workload, spec, both, message, hint)
    elif starting and running is not None:
        left = max(budget - running.total_seconds(), 0)
        cause += (
            f" initialDelaySeconds={probe.initial_delay_seconds} does not fit the start-up: "
            f"after {human_duration(running.total_seconds())} nothing listens yet, and the "
            f"probe gives the application {budget}s (initialDelaySeconds + periodSeconds × "
            f"failureThreshold) before the kubelet kills it — {count} of the "
            f"{probe.failure_threshold} failures are spent, so unless it answers within about "
            f"{left:.0f}s it is restarted into the same race."
        )
        fix = startup_probe(workload, spec, probe, max(running.total_seconds(), budget))
    else:
        fix = config_fix(workload, spec, (probe,), message, hint)
    cause += (
        f" The kubelet restarts the container after {probe.failure_threshold} failures in a row "
        f"({probe.failure_threshold * probe.period_seconds}s of failing checks)."
    )
    if beside is not None:
        said = latest_message(beside[1])
        cause += (
            f" Its readiness probe {beside[0].endpoint} fails too "
            f"({failure_hint(said, beside[0], spec)}), so Services send the pod no traffic."
        )
    serving = availability(view, workload)
    severity = Severity.HIGH if not status.ready and serving.ready == 0 else Severity.MEDIUM
    evidence = [
        probe_evidence(pod, spec, probe),
        failures_evidence(failures),
        status_evidence(
            pod,
            status,
            "state.running",
            f"running{' since ' + format_time(since) if since else ''}, restartCount "
            f"{status.restart_count}, ready: {str(status.ready).lower()}",
        ),
    ]
    if beside is not None:
        evidence += [probe_evidence(pod, spec, beside[0]), failures_evidence(beside[1])]
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=severity,
        category=Category.PROBE_LIVENESS,
        containers=[status.name],
        summary=f"Container {spec.name}'s {probe.kind} probe {probe.endpoint} fails before any "
        f"restart: {hint}",
        root_cause=cause,
        evidence=evidence,
        events=failures + (beside[1] if beside else []),
        remediation=fix.remediation(
            f"The {probe.kind} probe of {spec.name} passes: no more Unhealthy events, the "
            "container is never restarted for it and the pod turns Ready."
        ),
    )


def _readiness_beside(
    view: ClusterView, pod: Pod, status: ContainerStatus, spec: ContainerSpec
) -> tuple[Probe, list[Event]] | None:
    """The container's readiness probe when it fails in this instance too."""
    probe = spec.probe("readiness")
    if probe is None or status.ready:
        return None
    failures = current_failures(view, pod, status, "readiness")
    return (probe, failures) if failures else None


def _never_ready(pod: Pod) -> bool:
    """The pod has not been Ready since it started (its Ready condition never turned True)."""
    ready = pod.condition("Ready")
    return ready is None or not ready.is_true


def _timed_out(message: str) -> bool:
    return any(word in message for word in _TIMEOUT_WORDS)


def _refused(message: str) -> bool:
    return any(word in message for word in _REFUSED_WORDS)


def _cpu_limit(spec: ContainerSpec) -> str:
    limit = spec.resources.limit_text("cpu")
    return f" (its CPU limit is {limit})" if limit else ""


ANALYZER = Analyzer(
    name=NAME,
    description="Liveness and startup probes failing on a running container before any "
    "restart: which probe, its settings, and why they do not fit the application.",
    categories=(Category.PROBE_LIVENESS,),
    analyze=analyze,
)
