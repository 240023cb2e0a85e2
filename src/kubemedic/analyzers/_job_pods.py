"""A Job's pods, and how its last failed pod ended, in the words the crash analyzers use.

A Job's own status only counts failures; the reason is in the pods. This finds the Job's most
recent failed pod and describes its end with the shared crash classification (exit code and
signal meaning, the runtime's error, the decisive log line), so a failed Job says "exit 1 —
KeyError: 'DATABASE_URL'" rather than "backoff limit reached".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kubemedic._internal.quantities import format_memory
from kubemedic.analyzers._build import log_evidence, status_evidence
from kubemedic.analyzers._crash import Crash, diagnose_container
from kubemedic.analyzers._workload import location
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource
from kubemedic.models.k8s import ContainerStatus, Pod, Workload


@dataclass(frozen=True, slots=True)
class PodFailure:
    """How one pod of a Job failed: a short headline, a sentence, and the facts behind them."""

    pod: Pod
    container: str
    headline: str
    explanation: str
    evidence: tuple[Evidence, ...]
    crash: Crash | None = None
    """The classified end of the container, when the pod failed in one."""
    oom: bool = False
    """The container passed its memory limit."""


def job_pods(view: ClusterView, job: Workload) -> tuple[Pod, ...]:
    """Pods created by this Job (a CronJob's pods are indexed under the CronJob)."""
    owner_pods = view.pods_of(view.workload_of(job))
    return tuple(p for p in owner_pods if _created_by(p, job))


def _created_by(pod: Pod, job: Workload) -> bool:
    owner = pod.controller
    if owner is None or owner.kind != "Job":
        return False
    return owner.uid == job.uid if owner.uid and job.uid else owner.name == job.name


def last_failure(view: ClusterView, pods: tuple[Pod, ...]) -> PodFailure | None:
    """The most recent failure among the Job's pods, described."""
    latest: tuple[datetime, Pod, ContainerStatus | None] | None = None
    for pod in pods:
        ended: list[tuple[datetime | None, ContainerStatus | None]] = [
            (s.last_termination.finished_at, s)
            for s in pod.all_container_statuses
            if s.last_termination is not None and s.last_termination.exit_code != 0
        ]
        if not ended and pod.phase == "Failed" and pod.reason:
            ended.append((pod.start_time, None))  # evicted, deadline: no container verdict
        for when, status in ended:
            moment = when or pod.created_at or _NEVER
            if latest is None or moment > latest[0]:
                latest = (moment, pod, status)
    if latest is None:
        return None
    _, pod, status = latest
    return _pod_reason_failure(pod) if status is None else _container_failure(view, pod, status)


def failure_of(view: ClusterView, pod: Pod, container: str = "") -> PodFailure | None:
    """How one pod failed: in ``container`` (else its first failed container), else by the
    pod's own reason."""
    for status in pod.all_container_statuses:
        term = status.last_termination
        if (not container or status.name == container) and term is not None and term.exit_code:
            return _container_failure(view, pod, status)
    return _pod_reason_failure(pod) if pod.reason else None


def _pod_reason_failure(pod: Pod) -> PodFailure:
    """A pod that failed without a container verdict: evicted, past its deadline, ..."""
    fact = f"pod {pod.name} failed with reason {pod.reason}: {pod.message}"
    evidence = Evidence(fact, EvidenceSource.STATUS, location(pod, "status.reason"))
    text = f"The pod ended with {pod.reason}: {pod.message}"
    return PodFailure(pod, "", pod.reason, text, (evidence,))


def _container_failure(view: ClusterView, pod: Pod, status: ContainerStatus) -> PodFailure:
    term = status.last_termination
    where = "state.terminated" if status.state.terminated else "lastState.terminated"
    code = term.exit_code if term else 0
    reason = (term.reason if term else "") or "none"
    evidence = [
        status_evidence(
            pod,
            status,
            where,
            f"container {status.name} terminated with reason {reason}, exit code {code}",
        )
    ]
    if reason == "OOMKilled":
        spec = pod.container(status.name)
        limit = spec.resources.limit("memory") if spec else None
        size = f" of {format_memory(limit)}" if limit else ""
        text = (
            f"Container {status.name} passed its memory limit{size} and was OOMKilled (exit 137)."
        )
        return PodFailure(pod, status.name, "OOMKilled", text, tuple(evidence), oom=True)
    crash = diagnose_container(view, pod, status)
    if crash is None:
        text = f"Container {status.name} ended with exit code {code} ({reason})."
        return PodFailure(pod, status.name, f"exit {code}", text, tuple(evidence))
    tail = view.crash_log(pod.namespace, pod.name, status.name)
    if crash.signature is not None and tail is not None:
        evidence.append(log_evidence(pod, status.name, tail, crash.signature.line))
    elif crash.signature is not None:
        evidence.append(status_evidence(pod, status, f"{where}.message", crash.signature.line))
    return PodFailure(
        pod, status.name, crash.headline, crash.explanation, tuple(evidence), crash=crash
    )


_NEVER = datetime.min.replace(tzinfo=UTC)
