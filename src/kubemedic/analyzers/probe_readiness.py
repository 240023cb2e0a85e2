"""Readiness failures: containers that run but never receive traffic.

A running, not-ready pod is invisible to tools that only look for crashes, yet a Service
sends it nothing. This analyzer reports containers whose readiness probe keeps failing once
start-up is over, says what the probe saw and where it points, and rates the harm by how many
replicas of the workload still serve. Start-up is over after a grace period, or sooner when the
kubelet has already counted a full failureThreshold of failures after the probe's first verdict,
or when the probe's command cannot pass at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from kubemedic._internal.timeutils import format_time
from kubemedic.analyzers._build import pod_finding, related_evidence, status_evidence
from kubemedic.analyzers._crashing import is_crashing, long_running, restarted_long_ago
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.analyzers._probe_fix import config_fix
from kubemedic.analyzers._probes import (
    failure_count,
    failure_hint,
    failures_evidence,
    failures_since,
    latest_message,
    liveness_failing,
    never_passes,
    port_mismatch,
    ports_evidence,
    probe_evidence,
    probe_failures,
    probe_kill,
)
from kubemedic.analyzers._registry import Analyzer
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, Probe
from kubemedic.models.severity import Severity

ID = "KM-POD-PROBE-READINESS"
SETTLE = timedelta(seconds=30)
"""Grace after the probe's first possible verdict before a not-ready container is a problem."""


def analyze(view: ClusterView) -> Iterator[Finding]:
    serving: dict[ObjectRef, tuple[int, int]] = {}
    for pod in view.troubled_pods:
        if pod.phase != "Running" or pod.deletion_timestamp is not None:
            continue
        for status in long_running(pod):
            spec = pod.container(status.name)
            probe = spec.probe("readiness") if spec else None
            if spec is None or probe is None or not _unready(view, pod, status):
                continue
            failures = probe_failures(view, pod, status.name, "readiness")
            if failure_count(failures) >= probe.failure_threshold and _past_start_up(
                view, status, probe, failures
            ):
                workload = view.workload_of(pod)
                if workload not in serving:
                    serving[workload] = _ready_replicas(view, workload)
                yield _finding(view, pod, status, spec, probe, failures, serving[workload])


def _ready_replicas(view: ClusterView, workload: ObjectRef) -> tuple[int, int]:
    """(ready, total) pods of the workload."""
    pods = view.pods_of(workload)
    ready = sum(1 for p in pods if (c := p.condition("Ready")) is not None and c.is_true)
    return ready, len(pods)


def _unready(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """Running, not ready, not restarting (crashes are reported as such) and not failing its
    liveness probe (``probe_failing`` reports both probes)."""
    return (
        not status.ready
        and status.state.is_running
        and not _restart_reported(view, pod, status)
        and not liveness_failing(view, pod, status)
    )


def _past_start_up(
    view: ClusterView, status: ContainerStatus, probe: Probe, failures: list[Event]
) -> bool:
    """Whether the container is past the start-up a readiness probe is there to wait out.

    It is once :data:`SETTLE` has passed after the probe's first possible verdict, or once the
    kubelet has counted failureThreshold failures after that verdict, or at the verdict itself
    when the probe's command fails whatever the container does.
    """
    since = status.state.running_since
    if since is None:
        return True
    first_verdict = probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold
    verdict = since + timedelta(seconds=first_verdict)
    if view.observed_at >= verdict + SETTLE:
        return True
    if view.observed_at < verdict:
        return False
    after = failures_since(failures, verdict, probe.period_seconds)
    return after >= probe.failure_threshold or bool(never_passes(probe))


def _finding(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    probe: Probe,
    failures: list[Event],
    replicas: tuple[int, int],
) -> Finding:
    workload = view.workload_of(pod)
    message = latest_message(failures)
    hint = failure_hint(message, probe, spec)
    mismatch = port_mismatch(spec, probe)
    ready, total = replicas
    quoted = f' ("{message}")' if message else ""
    cause = (
        f"Container {spec.name} runs but is not Ready: its readiness probe {probe.endpoint} keeps "
        f"failing — {hint}{quoted}, so Services send it no traffic."
    )
    if mismatch is not None:
        cause += f" The probe is misconfigured: {mismatch.described}."
    cause += f" {_serving(workload, ready, total)}"
    previous = previous_revision(view, pod)
    before = previous.container(spec.name) if previous is not None else None
    fix = config_fix(workload, spec, (probe,), message, hint, before)
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer="probe_readiness",
        severity=Severity.HIGH if ready == 0 else Severity.MEDIUM,
        category=Category.PROBE_READINESS,
        containers=[status.name],
        summary=f"Container {spec.name} is not Ready: readiness probe {probe.endpoint} fails",
        root_cause=cause,
        evidence=[
            *_evidence(pod, status, spec, probe, failures),
            related_evidence(str(workload), _serving(workload, ready, total)),
        ],
        events=failures,
        remediation=fix.remediation(
            f"The readiness probe of {spec.name} passes, the pod turns Ready and its address "
            "moves to the Service's ready endpoints."
        ),
    )


def _restart_reported(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """A recent restart the OOM, crash or liveness analyzer reports: the pod is theirs."""
    term = status.last_state.terminated
    if term is None or restarted_long_ago(view, status):
        return False
    if term.reason == "OOMKilled":
        return True
    return is_crashing(view, pod, status) or probe_kill(view, pod, status) is not None


def _evidence(
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    probe: Probe,
    failures: list[Event],
) -> list[Evidence]:
    since = status.state.running_since
    running = f", running since {format_time(since)}" if since else ""
    evidence = [
        probe_evidence(pod, spec, probe),
        failures_evidence(failures),
        status_evidence(pod, status, "ready", f"ready: false{running}"),
    ]
    mismatch = port_mismatch(spec, probe)
    if mismatch is not None:
        evidence.append(ports_evidence(pod, spec, mismatch))
    return evidence


def _serving(workload: ObjectRef, ready: int, total: int) -> str:
    if ready == 0 and workload.kind == "Pod":
        return f"{workload} is not Ready: it serves nothing."
    if ready == 0:
        return f"No pod of {workload} is Ready ({ready} of {total}): it serves nothing."
    return f"{ready} of {total} pods of {workload} are Ready: it serves with reduced capacity."


ANALYZER = Analyzer(
    name="probe_readiness",
    description="Running containers kept out of Service endpoints by a failing readiness probe.",
    categories=(Category.PROBE_READINESS,),
    analyze=analyze,
)
