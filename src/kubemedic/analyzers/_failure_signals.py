"""What a person sees of a failing pod, read without knowing the cause.

``kubectl get pods`` and ``kubectl describe pod`` show a container waiting for a failure
reason (a pods table alone: the word for it), a non-zero exit, phase Failed or Unknown, a pod
not Ready for longer than it should take, and Warning events. The safety net (``unknown``)
reports these when no analyzer recognises the cause; each signal carries the fact and where it
was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.analyzers._build import pod_location, status_evidence
from kubemedic.analyzers._workload import SETTLE
from kubemedic.analyzers.init_container import STUCK_AFTER as INIT_STUCK_AFTER
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef
from kubemedic.models.k8s import ContainerStatus, Event, Pod, TerminatedState
from kubemedic.models.table_status import failing_table_status, from_row, row_only

WINDOW = timedelta(hours=1)
"""Warning events older than this are history (the API server keeps events about an hour)."""
_UNPLACED = "while it waits for a node or its containers"
"""A Pending pod known only in part: whether the scheduler placed it is not shown."""
PROBE_SLACK = timedelta(seconds=30)
"""Time for the kubelet to report readiness once the probes allow it."""
STARTING = frozenset({"ContainerCreating", "PodInitializing"})
"""Waiting reasons of a container on its way up, not failures."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One visible sign of failure: a phrase for the summary and the fact behind it."""

    text: str
    evidence: Evidence


def failure_signals(view: ClusterView, pod: Pod) -> list[Signal]:
    found = []
    if pod.phase in ("Failed", "Unknown"):
        fact = f"phase {pod.phase}" + (f", reason {pod.reason}" if pod.reason else "")
        fact += f": {pod.message}" if pod.message else ""
        text = f"pod is {pod.phase}" + (f" ({pod.reason})" if pod.reason else "")
        found.append(Signal(text, _pod_status(pod, "status.phase", fact)))
    for status in pod.all_container_statuses:
        found += container_signals(pod, status)
    shown = failing_table_status(pod)
    if shown and row_only(pod):
        fact = f"kubectl get pods shows STATUS {shown}, without naming the container"
        found.append(
            Signal(
                f"kubectl get pods shows {shown}",
                row_evidence(pod, "STATUS", fact),
            )
        )
    not_ready = _not_ready_too_long(view, pod)
    if not_ready is not None:
        found.append(not_ready)
    return found


def container_signals(pod: Pod, status: ContainerStatus) -> list[Signal]:
    """What a container's status shows; nothing for one a pods table row shows, whose word
    :func:`failure_signals` reports as the row gave it."""
    if from_row(pod, status):
        return []
    found = []
    kind = "init container" if status.is_init else "container"
    waiting = status.state.waiting_reason
    if waiting and waiting not in STARTING:
        message = status.state.waiting_message
        fact = f"waiting: {waiting}" + (f": {message}" if message else "")
        found.append(
            Signal(
                f"{kind} {status.name} waits in {waiting}",
                status_evidence(pod, status, "state.waiting", fact),
            )
        )
    term = status.state.terminated
    if term is not None and (term.exit_code != 0 or term.reason not in ("", "Completed")):
        why = f" ({term.reason})" if term.reason else ""
        found.append(
            Signal(
                f"{kind} {status.name} exited with code {term.exit_code}{why}",
                status_evidence(pod, status, "state.terminated", termination_fact(term)),
            )
        )
    return found


def termination_fact(term: TerminatedState) -> str:
    fact = f"terminated: reason {term.reason or 'none'}, exit code {term.exit_code}"
    if term.finished_at is not None:
        fact += f" at {format_time(term.finished_at)}"
    return fact + (f": {term.message.strip()}" if term.message.strip() else "")


@dataclass(frozen=True, slots=True)
class _Allowance:
    """How long the pod may be not Ready at this stage, and from when that counts."""

    allowed: timedelta
    since: datetime | None
    stage: str


def _not_ready_too_long(view: ClusterView, pod: Pod) -> Signal | None:
    """Ready=False for longer than this stage of the pod's life allows."""
    if pod.phase not in ("Running", "Pending", ""):
        return None
    ready = pod.condition("Ready")
    if ready is not None and ready.is_true:
        return None
    if ready is None and not pod.container_statuses and not pod.phase:
        return None  # a manifest without status: nothing was observed
    allowance = _allowance(pod, ready.last_transition if ready is not None else None)
    since = allowance.since
    if since is not None and view.observed_at - since <= allowance.allowed:
        return None
    how_long = (
        f"for {human_duration((view.observed_at - since).total_seconds())}"
        if since is not None
        else "(since an unknown time)"
    )
    fact = f"not Ready {how_long}, {allowance.stage}"
    if ready is not None:
        fact += f" — Ready={ready.status}" + (f" reason {ready.reason}" if ready.reason else "")
        fact += f": {ready.message}" if ready.message else ""
    state = "Pending" if pod.phase == "Pending" else "not Ready"
    return Signal(f"pod {state} {how_long}", _pod_status(pod, "status.conditions[Ready]", fact))


def _allowance(pod: Pod, unready_since: datetime | None) -> _Allowance:
    """An init step may run long; started containers have their probes; the rest five minutes."""
    statuses = pod.container_statuses
    initializing = [
        s
        for s in pod.init_container_statuses
        if s.state.is_running and not _is_sidecar(pod, s.name)
    ]
    if initializing:
        return _Allowance(
            INIT_STUCK_AFTER,
            _latest(unready_since, initializing[0].state.running_since),
            f"while init container {initializing[0].name} runs "
            f"(allowed {human_duration(INIT_STUCK_AFTER.total_seconds())})",
        )
    if statuses and all(s.state.is_running for s in statuses):
        allowed = _probe_allowance(pod) + PROBE_SLACK
        return _Allowance(
            allowed,
            _latest(unready_since, *(s.state.running_since for s in statuses)),
            f"longer than its probes allow ({int(allowed.total_seconds())}s)",
        )
    stage = "while its containers start"
    if pod.phase == "Pending" and not pod.node_name:
        stage = "while it waits for a node" if pod.containers else _UNPLACED
    return _Allowance(
        SETTLE,
        _latest(unready_since, pod.start_time or pod.created_at),
        f"{stage} (allowed {human_duration(SETTLE.total_seconds())})",
    )


def _is_sidecar(pod: Pod, name: str) -> bool:
    spec = pod.container(name)
    return spec is not None and spec.restart_policy == "Always"


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _probe_allowance(pod: Pod) -> timedelta:
    """The longest a container may take to pass its startup and readiness probes."""
    longest = 0
    for spec in pod.containers:
        total = 0
        for kind in ("startup", "readiness"):
            probe = spec.probe(kind)
            if probe is not None:
                total += (
                    probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold
                )
        longest = max(longest, total)
    return timedelta(seconds=longest)


def recent_warnings(view: ClusterView, pod: Pod) -> list[Event]:
    """Warning events about the pod within :data:`WINDOW` (undated ones count: never dropped)."""
    return recent_warnings_about(view, pod.ref)


def recent_warnings_about(view: ClusterView, ref: ObjectRef) -> list[Event]:
    """:func:`recent_warnings` of an object the input may not hold (only events name it)."""
    horizon = view.observed_at - WINDOW
    return [
        e
        for e in view.events_for(ref)
        if e.type == "Warning" and (e.last_seen is None or e.last_seen >= horizon)
    ]


def current_warnings(view: ClusterView, pod: Pod) -> list[Event]:
    """Recent warnings, except those from before a Ready pod became Ready (it moved past them)."""
    ready = pod.condition("Ready")
    since = ready.last_transition if ready is not None and ready.is_true else None
    return [
        e
        for e in recent_warnings(view, pod)
        if since is None or e.last_seen is None or e.last_seen > since
    ]


def row_evidence(pod: Pod, column: str, fact: str) -> Evidence:
    """A fact a ``kubectl get pods`` row shows in ``column`` (STATUS, RESTARTS, READY)."""
    return _pod_status(pod, f"(kubectl get pods {column})", fact)


def _pod_status(pod: Pod, path: str, fact: str) -> Evidence:
    return Evidence(fact, EvidenceSource.STATUS, pod_location(pod, path))
