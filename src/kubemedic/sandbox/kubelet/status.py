"""Pod status as a kubelet reports it: phase, conditions and container statuses.

The kubelet keeps its own state per pod (``state.PodRuntime``); this module renders that state
into ``pod.status`` — the phase rules for each restartPolicy, the Initialized / Ready /
ContainersReady conditions with their real reasons and messages — and writes it.
"""

from __future__ import annotations

from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.kubelet.state import ContainerRuntime, PodRuntime
from kubemedic.sandbox.kubelet.sync import Sync

Obj = dict[str, Any]
TERMINAL = ("Succeeded", "Failed")


def pod_phase(spec: Obj, rt: PodRuntime) -> str:
    """The phase the kubelet computes (``getPhase``): a pod whose containers all stopped for
    good is Succeeded or Failed, one with a container still waiting for its first start is
    Pending, and one whose containers restart stays Running."""
    if rt.phase in TERMINAL:
        return rt.phase
    inits = [rt.containers.get(c["name"]) for c in spec.get("initContainers") or []]
    if any(c is None or not (c.succeeded or (c.instance and c.instance.started)) for c in inits):
        return "Pending"
    apps = [rt.containers.get(c["name"]) for c in spec.get("containers") or []]
    if not apps or any(c is None or (c.instance is None and c.last_exit is None) for c in apps):
        return "Pending"
    if any(c is not None and c.instance is not None for c in apps):
        return "Running"
    policy = spec.get("restartPolicy") or "Always"
    if policy == "Always":
        return "Running"
    if all(c is not None and c.succeeded and "terminated" in c.state for c in apps):
        rt.phase = "Succeeded"
    elif policy == "Never":
        rt.phase = "Failed"
    return rt.phase if rt.phase in TERMINAL else "Running"


def write_status(sync: Sync) -> None:
    """Render the pod's status from the kubelet's state and store it."""
    rt, pod = sync.runtime, sync.pod
    spec = pod.get("spec") or {}
    phase = pod_phase(spec, rt)
    now = sync.now
    rt.set_condition("PodReadyToStartContainers", "True", rt.started_at)
    inits = [c for c in spec.get("initContainers") or []]
    pending = [c["name"] for c in inits if not _init_done(rt, c)]
    if pending:
        rt.set_condition(
            "Initialized",
            "False",
            now,
            "ContainersNotInitialized",
            f"containers with incomplete status: [{' '.join(pending)}]",
        )
    else:
        rt.set_condition("Initialized", "True", now)
    unready = [c["name"] for c in spec.get("containers") or [] if not _ready(rt, c["name"])]
    if phase in TERMINAL:
        reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
        rt.set_condition("Ready", "False", now, reason)
        rt.set_condition("ContainersReady", "False", now, reason)
    elif unready:
        message = f"containers with unready status: [{' '.join(unready)}]"
        rt.set_condition("Ready", "False", now, "ContainersNotReady", message)
        rt.set_condition("ContainersReady", "False", now, "ContainersNotReady", message)
    else:
        rt.set_condition("Ready", "True", now)
        rt.set_condition("ContainersReady", "True", now)
    host_ip = sync.node_ip
    status: Obj = {
        "phase": phase,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": rt.ip,
        "podIPs": [{"ip": rt.ip}],
        "startTime": format_time(rt.started_at),
    }
    if rt.reason:
        status["reason"], status["message"] = rt.reason, rt.message
    init_statuses = [_container_status(rt, c, init=True) for c in inits]
    app_statuses = [_container_status(rt, c, init=False) for c in spec.get("containers") or []]
    conditions = rt.condition_list()

    def apply(obj: Obj) -> None:
        current = obj.get("status") or {}
        scheduled = [c for c in current.get("conditions") or [] if c.get("type") == "PodScheduled"]
        merged: Obj = {**status, "conditions": conditions + scheduled}
        if current.get("qosClass"):
            merged["qosClass"] = current["qosClass"]
        if init_statuses:
            merged["initContainerStatuses"] = init_statuses
        merged["containerStatuses"] = app_statuses
        obj["status"] = merged

    sync.store.mutate("Pod", rt.namespace, rt.name, apply)


def _init_done(rt: PodRuntime, spec: Obj) -> bool:
    cr = rt.containers.get(spec["name"])
    return cr is not None and (
        cr.succeeded or (spec.get("restartPolicy") == "Always" and cr.instance is not None)
    )


def _ready(rt: PodRuntime, name: str) -> bool:
    cr = rt.containers.get(name)
    return cr is not None and cr.instance is not None and cr.instance.ready


def _container_status(rt: PodRuntime, spec: Obj, *, init: bool) -> Obj:
    cr = rt.containers.get(spec["name"]) or ContainerRuntime(spec["name"], init)
    return cr.status(str(spec.get("image") or ""))
