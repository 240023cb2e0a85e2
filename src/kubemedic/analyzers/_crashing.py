"""Which containers count as crashing now, so that exactly one analyzer reports each.

A restart is not always a crash: an old one on a container that has run fine since is history,
a SIGTERM the kubelet sent for a spec change or a deletion is a stop, an OOM kill or a probe
kill has its own analyzer. The crash, probe and readiness analyzers all ask these questions the
same way, so a pod is never reported twice for one cause, or not at all.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from kubemedic.analyzers._build import matching_events
from kubemedic.analyzers._exit_codes import SIGTERM_EXIT, during_instance
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import ContainerStatus, Pod, TerminatedState

STALE_AFTER = timedelta(hours=1)
"""A restart older than this, on a container running since, is history rather than a problem."""

CRASH_WAITING = frozenset({"CrashLoopBackOff", "RunContainerError"})
_KUBELET_STOP = re.compile(r"definition changed|Stopping container|preStop")


def long_running(pod: Pod) -> tuple[ContainerStatus, ...]:
    """Statuses of the containers meant to run for good: app containers and native sidecars."""
    sidecars = tuple(
        status
        for status in pod.init_container_statuses
        if (spec := pod.container(status.name)) is not None and spec.restart_policy == "Always"
    )
    return sidecars + pod.container_statuses


def restarted_long_ago(view: ClusterView, status: ContainerStatus) -> bool:
    """True when the container runs now and its last end is older than :data:`STALE_AFTER`."""
    ended = last_end(status)
    return status.state.is_running and ended is not None and view.observed_at - ended > STALE_AFTER


def last_end(status: ContainerStatus) -> datetime | None:
    """When the previous instance ended: its ``finishedAt``, else (a dump that strips it) no
    later than the start of the instance running now."""
    term = status.last_state.terminated
    if term is None:
        return None
    return term.finished_at or status.state.running_since


def is_crashing(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """True when the container's last end was a crash worth reporting now."""
    term = status.last_termination
    waiting = status.state.waiting_reason
    if term is not None and term.reason == "OOMKilled":
        return False
    if waiting in CRASH_WAITING:
        return True
    if term is None or status.state.is_waiting:
        return False  # image pulls, config errors and start-up belong to other analyzers
    if status.state.terminated is not None:
        return term.exit_code != 0 or pod.restart_policy == "Always"
    if restarted_long_ago(view, status):
        return False
    return term.exit_code != SIGTERM_EXIT and not _stopped_by_kubelet(view, pod, status, term)


def _stopped_by_kubelet(
    view: ClusterView, pod: Pod, status: ContainerStatus, term: TerminatedState
) -> bool:
    """A restart the kubelet asked for (spec change, preStop), not a crash."""
    kills = matching_events(view, pod, ("Killing",), container=status.name)
    return any(
        _KUBELET_STOP.search(e.message) and during_instance(e.last_seen, e.last_seen, term)
        for e in kills
    )


def failed_elsewhere(pod: Pod) -> bool:
    """Failed pods with a reason (Evicted, NodeLost ...) or of a Job: other analyzers own them."""
    if pod.phase != "Failed":
        return False
    return bool(pod.reason) or (pod.controller is not None and pod.controller.kind == "Job")
