"""Node-pressure eviction: when a node runs low on memory its kubelet evicts the biggest user.

A node's available memory is its capacity minus the system's share minus what its
containers use. Below the 100Mi hard threshold the node reports MemoryPressure, takes the
``memory-pressure`` taint, and evicts the pod using most above its request, with the kubelet's
exact message. Pressure lifts five minutes after memory is available again. A node found with
no memory left at all was too late for that: its kernel has OOM-killed the process with the
highest ``oom_score`` (``SystemOOM``).

Nodes are looked at every 10 seconds (the kubelet's housekeeping period) only while they are
at risk. Containers' memory is a plan known in advance, so a node whose containers cannot
reach the threshold is left alone until a container starts or stops or its growth could get
there: an idle cluster of thousands of pods costs nothing here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.quantities import format_memory, parse_quantity
from kubemedic._internal.timeutils import format_time, parse_time
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.kubelet.kubelet import Kubelet
from kubemedic.sandbox.kubelet.oom import oom_score_adj
from kubemedic.sandbox.kubelet.state import Instance, NodeOomKill, PodRuntime
from kubemedic.sandbox.kubelet.usage import MEMORY_NOISE, working_set, working_set_ceiling
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

Obj = dict[str, Any]
Running = tuple[PodRuntime, str, Instance]
HOUSEKEEPING = 10.0
THRESHOLD = 100 * 2**20
SYSTEM_SHARE = 0.08  # of capacity: the OS, the kubelet and the container runtime
TRANSITION = timedelta(minutes=5)
PRESSURE_TAINT = {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}


class EvictionManager:
    """Watches memory on every node and evicts when it runs out."""

    def __init__(
        self,
        store: Store,
        clock: SimClock,
        queue: WorkQueue,
        recorder: EventRecorder,
        kubelet: Kubelet,
    ) -> None:
        self._store = store
        self._clock = clock
        self._queue = queue
        self._recorder = recorder
        self._kubelet = kubelet
        queue.register("eviction", self.check)

    def start(self) -> None:
        self._queue.add_after("eviction", "", HOUSEKEEPING)

    def on_change(self, event_type: str, obj: Obj) -> None:
        """A container started or stopped somewhere, or a node changed: look within a period."""
        kind = obj.get("kind")
        if kind == "Node" or (kind == "Pod" and (obj.get("spec") or {}).get("nodeName")):
            self._queue.add_after("eviction", "", HOUSEKEEPING)

    def check(self, _: str = "") -> None:
        """One housekeeping pass; sleeps until the next change unless some node is at risk.

        A node whose containers cannot reach the threshold even at their peak (fully warm,
        highest noise) is skipped without sampling; a node with growing containers is looked
        at again when that peak could first cross it.
        """
        now = self._clock.now()
        running: dict[str, list[Running]] = defaultdict(list)
        for entry in self._kubelet.running():
            running[entry[0].node].append(entry)
        next_check: float | None = None
        for node in self._store.list("Node")[0]:
            name = node["metadata"]["name"]
            capacity = (node.get("status") or {}).get("capacity") or {}
            room = (parse_quantity(capacity.get("memory")) or 0.0) * (1 - SYSTEM_SHARE) - THRESHOLD
            entries = running.get(name, [])
            peak = sum(working_set_ceiling(i.process, i.age(now)) for _, _, i in entries)
            growth = sum(i.process.usage.memory_growth for _, _, i in entries) * (1 + MEMORY_NOISE)
            if peak < room and not _under_pressure(node):
                if growth > 0:
                    next_check = _earliest(next_check, (room - peak) / growth)
                continue
            next_check = _earliest(next_check, self._check_node(node, entries, room, now))
        if next_check is not None:
            self._queue.add_after("eviction", "", max(next_check, 0.05))

    def _check_node(self, node: Obj, entries: list[Running], room: float, now: datetime) -> float:
        """Sample a node at risk, set its pressure and evict; seconds until it needs a look."""
        used: list[tuple[Obj, str, float]] = []  # what the kubelet measures (with noise)
        held: list[tuple[Obj, str, float]] = []  # what the processes really hold
        pods: dict[str, Obj | None] = {}
        growth = 0.0
        for rt, container, instance in entries:
            if rt.uid not in pods:
                pod = self._store.try_get("Pod", rt.namespace, rt.name)
                pods[rt.uid] = pod if pod and pod["metadata"]["uid"] == rt.uid else None
            pod = pods[rt.uid]
            if pod is None:
                continue
            seed = f"{rt.uid}/{container}"
            memory = working_set(instance.process, age=instance.age(now), at=now, seed=seed)
            used.append((pod, container, memory))
            process = instance.process
            real = process.usage.memory_at(instance.age(now), process.ramp_seconds)
            held.append((pod, container, real))
            growth += instance.process.usage.memory_growth
        above = room - sum(u for _, _, u in used)  # memory left above the threshold
        if sum(h for _, _, h in held) > room + THRESHOLD:  # out of memory before any eviction
            self._pressure(node, True, now)
            self._kernel_oom_kill(held, node, now)
        elif above < 0 and used:
            self._pressure(node, True, now)
            self._evict(used, above + THRESHOLD, now)
        else:
            self._pressure(node, False, now)
        if growth > 0 and above > 0:  # look again just after it crosses
            return min(HOUSEKEEPING, above / growth + 0.05)
        return HOUSEKEEPING

    def _evict(self, used: list[tuple[Obj, str, float]], available: float, now: datetime) -> None:
        by_pod: dict[str, list[tuple[Obj, str, float]]] = defaultdict(list)
        for entry in used:
            by_pod[entry[0]["metadata"]["uid"]].append(entry)

        def excess(entries: list[tuple[Obj, str, float]]) -> float:
            pod = entries[0][0]
            request = sum(
                parse_quantity(((c.get("resources") or {}).get("requests") or {}).get("memory"))
                or 0.0
                for c in pod["spec"].get("containers") or []
            )
            return sum(u for _, _, u in entries) - request

        victim = max(by_pod.values(), key=excess)
        pod, container, usage = max(victim, key=lambda e: e[2])
        spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
        request = ((spec.get("resources") or {}).get("requests") or {}).get("memory", "0")
        message = (
            "The node was low on resource: memory. Threshold quantity: "
            f"{format_memory(THRESHOLD)}, "
            f"available: {int(max(available, 0) // 1024)}Ki. Container {container} was using "
            f"{int(usage // 1024)}Ki, request is {request}, has larger consumption of memory."
        )
        self._kubelet.evict(pod["metadata"]["namespace"], pod["metadata"]["name"], message, now)

    def _kernel_oom_kill(
        self, used: list[tuple[Obj, str, float]], node: Obj, now: datetime
    ) -> None:
        """The kernel's choice when the node is out of memory: the highest ``oom_score``,
        which is the process's share of memory plus the ``oom_score_adj`` of its QoS class."""
        capacity = (node.get("status") or {}).get("capacity") or {}
        memory = parse_quantity(capacity.get("memory")) or 0.0

        def badness(entry: tuple[Obj, str, float]) -> float:
            pod, container, usage = entry
            spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
            return usage + oom_score_adj(pod, spec, memory) * memory / 1000

        pod, container, usage = max(used, key=badness)
        others = sum(u for _, _, u in used) - usage
        held = min(usage, max(memory * (1 - SYSTEM_SHARE) - others, 0.0))  # all it could get
        self._kubelet.oom_kill(pod["metadata"]["uid"], container, NodeOomKill(now, held))

    def _pressure(self, node: Obj, under: bool, now: datetime) -> None:
        conditions = (node.get("status") or {}).get("conditions") or []
        current = next((c for c in conditions if c.get("type") == "MemoryPressure"), None)
        was = bool(current and current.get("status") == "True")
        if was == under:
            if under:
                self._touch(node, now)
            return
        if not under and current is not None:
            since = parse_time(current.get("lastHeartbeatTime")) or now
            if now - since < TRANSITION:
                return
        stamp = format_time(now)
        reason = "KubeletHasInsufficientMemory" if under else "KubeletHasSufficientMemory"
        message = (
            "kubelet has insufficient memory available"
            if under
            else "kubelet has sufficient memory available"
        )

        def write(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            others = [
                c for c in status.get("conditions") or [] if c.get("type") != "MemoryPressure"
            ]
            entry = {
                "type": "MemoryPressure",
                "status": "True" if under else "False",
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp,
            }
            status["conditions"] = [entry, *others]
            spec = obj.setdefault("spec", {})
            taints = [t for t in spec.get("taints") or [] if t.get("key") != PRESSURE_TAINT["key"]]
            if under:
                taints.append({**PRESSURE_TAINT, "timeAdded": stamp})
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints", None)

        updated = self._store.mutate("Node", "", node["metadata"]["name"], write)
        if updated is not None:
            event = "NodeHasInsufficientMemory" if under else "NodeHasSufficientMemory"
            self._recorder.record(
                updated,
                "Normal",
                event,
                f"Node {node['metadata']['name']} status is now: {event}",
                component="kubelet",
                host=node["metadata"]["name"],
            )

    def _touch(self, node: Obj, now: datetime) -> None:
        stamp = format_time(now)

        def beat(obj: Obj) -> None:
            for condition in (obj.get("status") or {}).get("conditions") or []:
                if condition.get("type") == "MemoryPressure":
                    condition["lastHeartbeatTime"] = stamp

        self._store.mutate("Node", "", node["metadata"]["name"], beat)


def _under_pressure(node: Obj) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "MemoryPressure" and c.get("status") == "True" for c in conditions)


def _earliest(current: float | None, candidate: float) -> float:
    return candidate if current is None else min(current, candidate)
