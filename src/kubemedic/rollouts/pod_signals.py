"""What the new pods themselves say, with or without Prometheus: the failures that halt a rollout.

A new pod fails the rollout when one of its containers waits in a state the kubelet reaches only
after failing itself (``CrashLoopBackOff``, ``ImagePullBackOff``, ...), restarted, was
OOMKilled, lost its readiness after having had it, or is not Ready ``ready_within`` seconds after
the guard first saw it. The Deployment fails it when its progress deadline passed or the API
server refuses its pods. Terminating pods are the controller's business and are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import human_duration
from kubemedic.models.k8s import ContainerStatus, Pod
from kubemedic.rollouts.revisions import Progress

FAILING_WAITING = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "InvalidImageName",
        "ErrImageNeverPull",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
"""Waiting reasons the kubelet reports only after a start failed (``ErrImagePull`` alone may be
a registry hiccup: its back-off, ``ImagePullBackOff``, is the failure)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """One reason to halt: which pod (or the Deployment), what, and the facts behind it."""

    subject: str
    """``pod NAME container C``, ``pod NAME`` or ``deployment NAME``."""
    reason: str
    detail: str

    def describe(self) -> str:
        return f"{self.subject}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class Seen:
    """What the guard remembers of one new pod between two looks."""

    first_seen: datetime
    was_ready: bool = False


def remember(
    pods: Sequence[Mapping[str, Any]], seen: Mapping[str, Seen], now: datetime
) -> dict[str, Seen]:
    """The memory after looking at ``pods`` (the live new pods) at ``now``."""
    memory = {}
    for raw in _judged(pods):
        pod = Pod(raw)
        before = seen.get(pod.name, Seen(now))
        memory[pod.name] = Seen(before.first_seen, before.was_ready or _ready(pod))
    return memory


def pod_failures(
    pods: Sequence[Mapping[str, Any]],
    seen: Mapping[str, Seen],
    now: datetime,
    *,
    ready_within: float,
) -> tuple[Failure, ...]:
    """The failures of the new pods, in pod order."""
    found: list[Failure] = []
    for raw in sorted(_judged(pods), key=lambda p: Pod(p).name):
        pod = Pod(raw)
        memory = seen.get(pod.name, Seen(now))
        container_failures = [f for s in pod.all_container_statuses for f in _container(pod, s)]
        found += container_failures
        if container_failures or _ready(pod):
            continue
        if memory.was_ready:
            found.append(Failure(f"pod {pod.name}", "lost readiness", _not_ready_why(pod)))
        elif (now - memory.first_seen).total_seconds() >= ready_within:
            found.append(
                Failure(
                    f"pod {pod.name}",
                    f"not Ready after {human_duration(ready_within)}",
                    _not_ready_why(pod),
                )
            )
    return tuple(found)


def deployment_failures(name: str, progress: Progress) -> tuple[Failure, ...]:
    """The rollout timed out, or the API server refuses its pods."""
    found = []
    if progress.stalled:
        found.append(Failure(f"deployment {name}", "ProgressDeadlineExceeded", progress.stalled))
    if progress.replica_failure:
        found.append(Failure(f"deployment {name}", "ReplicaFailure", progress.replica_failure))
    return tuple(found)


def _container(pod: Pod, status: ContainerStatus) -> list[Failure]:
    subject = f"pod {pod.name} container {status.name}"
    waiting = status.state.waiting_reason
    if waiting in FAILING_WAITING:
        return [Failure(subject, waiting, status.state.waiting_message)]
    terminated = status.state.terminated
    if terminated is not None and terminated.reason == "OOMKilled":
        return [Failure(subject, "OOMKilled", f"exit code {terminated.exit_code}")]
    if status.restart_count > 0:
        last = status.last_state.terminated
        oom = last is not None and last.reason == "OOMKilled"
        times = "once" if status.restart_count == 1 else f"{status.restart_count} times"
        how = f"; last exit: {last.reason or 'Error'}, code {last.exit_code}" if last else ""
        return [Failure(subject, "OOMKilled" if oom else "restarted", f"restarted {times}{how}")]
    return []


def _judged(pods: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [p for p in pods if not Pod(p).deletion_timestamp and Pod(p).phase != "Succeeded"]


def _ready(pod: Pod) -> bool:
    ready = pod.condition("Ready")
    return ready is not None and ready.is_true


def _not_ready_why(pod: Pod) -> str:
    """The most specific reason the pod gives for not being Ready."""
    scheduled = pod.condition("PodScheduled")
    if scheduled is not None and not scheduled.is_true:
        return f"{pod.phase or 'Pending'}: {scheduled.reason}: {scheduled.message}".rstrip(": ")
    waiting = [
        f"{s.name}: {s.state.waiting_reason}"
        for s in pod.all_container_statuses
        if s.state.is_waiting
    ]
    if waiting:
        return ", ".join(waiting)
    ready = pod.condition("Ready")
    detail = ready.message if ready is not None and ready.message else "readiness probe failing"
    return f"{pod.phase or 'Pending'}: {detail}"
