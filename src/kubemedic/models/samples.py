"""The rows ``kubemedic collect`` appends to the embedded metrics store, read from raw objects.

A usage sample is one container's CPU and memory as metrics.k8s.io measured them at the
moment the PodMetrics ``timestamp`` names; a status sample is what the pod's status said about
that container when collect looked: its restart count, its last termination and the memory
limit in force. Both are built here from the objects as the API serves them, so the store and
its tests never parse Kubernetes JSON themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import parse_time
from kubemedic.models.k8s import Pod, dig


@dataclass(frozen=True, slots=True)
class UsageSample:
    """One container's usage at one moment: CPU in cores, memory working set in bytes."""

    namespace: str
    pod: str
    container: str
    at: datetime
    cpu_cores: float | None
    memory_bytes: float | None


@dataclass(frozen=True, slots=True)
class StatusSample:
    """What a container's status said at ``at``: restarts, last termination, memory limit."""

    namespace: str
    pod: str
    container: str
    at: datetime
    restarts: int
    last_termination_reason: str | None = None
    """Why the latest instance ended (``OOMKilled``, ``Error``, ...), None before any: from
    ``state.terminated`` while the container is down, else ``lastState.terminated``."""
    last_termination_id: str | None = None
    """Which instance ended: its containerID (else its finishedAt), to tell terminations apart."""
    last_terminated_at: datetime | None = None
    memory_limit_bytes: float | None = None
    """The container's memory limit when the status was read (pod limits rarely change)."""


def usage_samples(pod_metrics: Iterable[Mapping[str, Any]]) -> list[UsageSample]:
    """The container samples of metrics.k8s.io PodMetrics objects (undated ones are skipped)."""
    samples = []
    for item in pod_metrics:
        at = parse_time(item.get("timestamp"))
        if at is None:
            continue
        namespace, pod = str(dig(item, "metadata", "namespace")), str(dig(item, "metadata", "name"))
        for container in item.get("containers") or ():
            usage = container.get("usage") or {}
            samples.append(
                UsageSample(
                    namespace=namespace,
                    pod=pod,
                    container=str(container.get("name")),
                    at=at,
                    cpu_cores=parse_quantity(usage.get("cpu")),
                    memory_bytes=parse_quantity(usage.get("memory")),
                )
            )
    return samples


def status_samples(pods: Iterable[Mapping[str, Any]], at: datetime) -> list[StatusSample]:
    """Restart count, latest termination and memory limit of every app container of ``pods``."""
    samples = []
    for raw in pods:
        pod = Pod(raw)
        for status in pod.container_statuses:
            spec = pod.container(status.name)
            ended = status.state.terminated or status.last_termination
            samples.append(
                StatusSample(
                    namespace=pod.namespace,
                    pod=pod.name,
                    container=status.name,
                    at=at,
                    restarts=status.restart_count,
                    last_termination_reason=(ended.reason or None) if ended else None,
                    last_termination_id=_termination_id(ended.raw) if ended else None,
                    last_terminated_at=ended.finished_at if ended else None,
                    memory_limit_bytes=spec.resources.limit("memory") if spec else None,
                )
            )
    return samples


def _termination_id(terminated: Mapping[str, Any]) -> str | None:
    """The ended instance's containerID, else its finish time: equal ids are one termination."""
    return str(terminated.get("containerID") or terminated.get("finishedAt") or "") or None


@dataclass(frozen=True, slots=True)
class Stored:
    """What one write to the store did: samples added, those it already had, and the span."""

    added: int
    duplicates: int
    """Samples the store already had (same container, same time): left as they were."""
    containers: int
    """Distinct pod containers the write carried samples (or statuses) of."""
    status_changes: int = 0
    """Containers whose restart count, last termination or memory limit changed."""
    first: datetime | None = None
    last: datetime | None = None
