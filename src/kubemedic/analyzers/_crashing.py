"""Which containers count as crashing now, so that exactly one analyzer reports each.

A restart is not always a crash: an old one on a container that has run fine since is history,
a SIGTERM the kubelet sent for a spec change or a deletion is a stop, a container that went
down with its node (a reboot, ``minikube stop``) or its pod's sandbox was restarted by the
kubelet, an OOM kill or a probe kill has its own analyzer. The crash, probe and readiness
analyzers all ask these questions the same way, so a pod is never reported twice for one
cause, or not at all.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from kubemedic.analyzers._build import matching_events
from kubemedic.analyzers._exit_codes import SIGTERM_EXIT, during_instance
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerStatus, Pod, TerminatedState

STALE_AFTER = timedelta(hours=1)
"""A restart older than this, on a container running since, is history rather than a problem."""

CRASH_WAITING = frozenset({"CrashLoopBackOff", "RunContainerError"})
NODE_START_GRACE = timedelta(minutes=5)
"""How long after its node came back a container may still fail on what is not up yet (the API
server, DNS), as start-up races do; the crash back-off tops out at this too."""
BACKOFF_RESET = timedelta(minutes=10)
"""The kubelet forgets a container's crash back-off once it has run this long."""
_KUBELET_START = re.compile(r"^Starting kubelet")
_LOST_WITH_RUNTIME = 255
"""The exit code the runtime gives a container it lost (a reboot), with reason Unknown."""
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


def restarted_with_its_node(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """True when the container's last restart came from its node or sandbox starting again,
    not from the container: the previous instance ended before the node (or the pod's sandbox)
    came back, or failed in the minutes after it and has run past the kubelet's back-off reset
    since."""
    term, since = status.last_state.terminated, status.state.running_since
    if term is None or since is None:
        return False
    came_up = _came_back_at(view, pod, term)
    if came_up is None or since < came_up:
        return False
    ended = term.finished_at or since
    if ended <= came_up:
        return True
    return ended <= came_up + NODE_START_GRACE and view.observed_at - since >= BACKOFF_RESET


def _came_back_at(view: ClusterView, pod: Pod, term: TerminatedState) -> datetime | None:
    """When the pod's node last started its kubelet (the node's ``Starting kubelet.`` and
    ``Rebooted`` events) or the kubelet re-created the pod's sandbox (``SandboxChanged``); without
    events, when the node turned Ready if the runtime lost the container (exit 255, Unknown)."""
    node_events = (
        e
        for e in view.events_for(ObjectRef("Node", pod.node_name))
        if e.reason == "Rebooted" or (e.reason == "Starting" and _KUBELET_START.match(e.message))
    )
    sandbox = matching_events(view, pod, ("SandboxChanged",))
    moments = [e.last_seen for e in (*node_events, *sandbox) if e.last_seen is not None]
    if moments:
        return max(moments)
    node = view.get("Node", "", pod.node_name)
    ready = node.condition("Ready") if node is not None else None
    lost = (term.exit_code, term.reason) == (_LOST_WITH_RUNTIME, "Unknown")
    return ready.last_transition if lost and ready is not None and ready.is_true else None


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
    if restarted_long_ago(view, status) or restarted_with_its_node(view, pod, status):
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
