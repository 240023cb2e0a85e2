"""A pod's READY, STATUS and RESTARTS, worked out the way kubectl's pod printer does.

STATUS is the first thing a person reads (``CrashLoopBackOff``, ``Init:0/1``,
``ImagePullBackOff``, ``Terminating``), so it follows the Kubernetes printer rule by rule:
init containers first, then the app containers from last to first, then deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import parse_time
from kubemedic.sandbox.tables_workloads import age

Obj = Mapping[str, Any]


@dataclass(slots=True)
class _PodTally:
    """What kubectl's pod printer accumulates while walking the container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None

    def count_restarts(self, container: Mapping[str, Any]) -> None:
        self.restarts += int(container.get("restartCount") or 0)
        finished = _last_termination(container)
        if finished is not None and (self.last_restart is None or finished > self.last_restart):
            self.last_restart = finished


def pod_status_cells(pod: Obj, now: datetime) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed the way kubectl's pod printer does."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + len(sidecars)
    tally = _PodTally(str(status.get("reason") or status.get("phase") or ""))
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            tally.reason = "SchedulingGated"
    initializing = _tally_init_containers(tally, status, sidecars, len(init_specs))
    if not initializing or _condition_true(status, "Initialized"):
        sidecar_tally = _PodTally(tally.reason, ready=tally.ready)
        for container in status.get("initContainerStatuses") or []:
            if container.get("name") in sidecars:
                sidecar_tally.count_restarts(container)
        tally = sidecar_tally
        _tally_containers(tally, status)
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        tally.reason = "Unknown"
    elif meta.get("deletionTimestamp") and status.get("phase") not in ("Succeeded", "Failed"):
        tally.reason = "Terminating"
    restarts_text = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        restarts_text = f"{tally.restarts} ({age(tally.last_restart, now)} ago)"
    return f"{tally.ready}/{total}", tally.reason, restarts_text


def _tally_init_containers(
    tally: _PodTally, status: Mapping[str, Any], sidecars: set[Any], init_count: int
) -> bool:
    """Walk init containers; True while the pod is still initializing (reason says how)."""
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        tally.count_restarts(container)
        state = container.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting") or {}
        if terminated and terminated.get("exitCode") == 0:
            continue
        if container.get("name") in sidecars and container.get("started"):
            tally.ready += 1 if container.get("ready") else 0
            continue
        if terminated:
            tally.reason = "Init:" + _terminated_reason(terminated)
        elif waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            tally.reason = "Init:" + str(waiting["reason"])
        else:
            tally.reason = f"Init:{index}/{init_count}"
        return True
    return False


def _tally_containers(tally: _PodTally, status: Mapping[str, Any]) -> None:
    has_running = False
    for container in reversed(status.get("containerStatuses") or []):
        tally.count_restarts(container)
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        terminated = state.get("terminated")
        if waiting.get("reason"):
            tally.reason = str(waiting["reason"])
        elif terminated:
            tally.reason = _terminated_reason(terminated)
        elif container.get("ready") and state.get("running") is not None:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and has_running:
        tally.reason = "Running" if _condition_true(status, "Ready") else "NotReady"


def _terminated_reason(terminated: Mapping[str, Any]) -> str:
    if terminated.get("reason"):
        return str(terminated["reason"])
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _last_termination(container: Mapping[str, Any]) -> datetime | None:
    terminated = (container.get("lastState") or {}).get("terminated") or {}
    return parse_time(terminated.get("finishedAt"))


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or []
    )
