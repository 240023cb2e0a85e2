"""The facts behind a crash, written down the same way by every analyzer that reports one.

The crash, init-container and probe analyzers all cite a container's termination record, its
restarts and the log lines that explain the end; keeping the wording and the locations in one
place keeps findings comparable across analyzers (and across replicas that get folded).
"""

from __future__ import annotations

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.analyzers._build import log_evidence, status_evidence
from kubemedic.analyzers._crash import Crash
from kubemedic.analyzers._exit_codes import exit_meaning, ran_for
from kubemedic.analyzers._workload import plural
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import ContainerStatus, Pod


def termination_evidence(pod: Pod, status: ContainerStatus) -> list[Evidence]:
    """The last termination: reason, exit code and its meaning, run time, end time, message."""
    term = status.last_termination
    if term is None:
        return []
    where = "state" if status.state.terminated else "lastState"
    seconds = ran_for(term)
    ran = f"; ran {human_duration(seconds)}" if seconds is not None else ""
    when = f", finished {format_time(term.finished_at)}" if term.finished_at else ""
    meaning = exit_meaning(term.exit_code, term.reason)
    fact = f"terminated: reason {term.reason or 'none'}, {meaning}{ran}{when}"
    evidence = [status_evidence(pod, status, f"{where}.terminated", fact)]
    if term.message:
        last = term.message.strip().splitlines()[-1][:300]
        evidence.append(status_evidence(pod, status, f"{where}.terminated.message", last))
    return evidence


def restart_evidence(pod: Pod, status: ContainerStatus) -> list[Evidence]:
    """The restart count, and the back-off the kubelet applies while it waits."""
    evidence = []
    if status.state.is_waiting:
        fact = f"waiting: {status.state.waiting_reason} {status.state.waiting_message}".strip()
        evidence.append(status_evidence(pod, status, "state.waiting", fact))
    if status.restart_count:
        fact = f"restarted {plural(status.restart_count, 'time')}"
        evidence.append(status_evidence(pod, status, "restartCount", fact))
    return evidence


def log_lines_evidence(
    view: ClusterView, pod: Pod, status: ContainerStatus, crash: Crash
) -> list[Evidence]:
    """The decisive log line, the line around it and where it was raised — or the last line."""
    tail = view.crash_log(pod.namespace, pod.name, status.name)
    if tail is None:
        return []
    sig = crash.signature
    if sig is None:
        return [log_evidence(pod, status.name, tail, crash.last_line)] if crash.last_line else []
    lines = [sig.line] + ([sig.context] if sig.context else [])
    if sig.where:
        lines.append(f"raised at {sig.where}")
    return [log_evidence(pod, status.name, tail, line) for line in lines]


def crash_evidence(
    view: ClusterView, pod: Pod, status: ContainerStatus, crash: Crash
) -> list[Evidence]:
    """Termination, restarts and log lines of a crashed container."""
    return (
        termination_evidence(pod, status)
        + restart_evidence(pod, status)
        + log_lines_evidence(view, pod, status, crash)
    )
