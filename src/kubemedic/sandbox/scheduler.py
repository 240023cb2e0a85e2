"""The default-scheduler: binds pending pods to nodes, or says exactly why it cannot.

Filters run per node in the real scheduler's order — unschedulable, taints, node affinity and
selector, resources (CPU, memory, ephemeral storage and extended resources such as
``nvidia.com/gpu``), topology spread constraints, inter-pod affinity and anti-affinity — and
the first failing filter is that node's reason. The reasons are counted into the real
``FailedScheduling`` message, ``0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had
untolerated taint {dedicated: gpu}. preemption: ...``. Unbound PVCs stop a pod before any node
is looked at, as the VolumeBinding pre-filter does. Among the nodes that pass, the scores
prefer free resources, preferred node and pod (anti-)affinity, soft spread constraints and
nodes without the pod's siblings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.scheduling import affinity, spread
from kubemedic.sandbox.scheduling.fit import allocatable, requests_of, shortfalls
from kubemedic.sandbox.scheduling.nodeaffinity import (
    matches_node,
    preferred_weight,
    tolerates,
    untolerated_taint,
)
from kubemedic.sandbox.scheduling.placed import PlacedPod
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

__all__ = ["COMPONENT", "Scheduler", "matches_node", "tolerates"]

Obj = dict[str, Any]
COMPONENT = "default-scheduler"
RETRY_SECONDS = 60.0
_NO_VICTIMS = "No preemption victims found for incoming pod"
_NOT_HELPFUL = "Preemption is not helpful for scheduling"
_UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
Verdict = tuple[list[str], bool]  # the node's reasons, and whether preemption could help


@dataclass(frozen=True, slots=True)
class _Cycle:
    """What one scheduling attempt knows about the pod against the pods already placed."""

    pod: Obj
    requests: Mapping[str, float]
    affinity: affinity.AffinityCheck
    spread: spread.SpreadCheck
    preference: Counter[tuple[str, str]]


class Scheduler:
    """Binds pods; keeps its own tally of what each node has promised to bound pods."""

    def __init__(
        self,
        store: Store,
        clock: SimClock,
        queue: WorkQueue,
        recorder: EventRecorder,
        on_bind: Callable[[Obj, str], None],
    ) -> None:
        self._store = store
        self._clock = clock
        self._queue = queue
        self._recorder = recorder
        self._on_bind = on_bind
        self._placed: dict[str, PlacedPod] = {}
        self._affine: dict[str, PlacedPod] = {}  # placed pods with pod (anti-)affinity terms
        self._used: dict[str, dict[str, float]] = {}  # node → resource → requested by bound pods
        self._pods: Counter[str] = Counter()  # node → bound pods
        self._siblings: Counter[tuple[str, str]] = Counter()  # (node, owner uid) → pods
        queue.register("scheduler", self.schedule)
        queue.register("scheduler-retry", self.retry_pending)

    def reset(self) -> None:
        self._placed.clear()
        self._affine.clear()
        self._used.clear()
        self._pods.clear()
        self._siblings.clear()

    def _account(self, placed: PlacedPod, sign: int) -> None:
        used = self._used.setdefault(placed.node, {})
        for name, amount in placed.requests.items():
            used[name] = used.get(name, 0.0) + sign * amount
        self._pods[placed.node] += sign
        self._siblings[(placed.node, placed.owner)] += sign

    def on_change(self, event_type: str, obj: Obj) -> None:
        kind = obj.get("kind")
        if kind == "Pod":
            self._track(event_type, obj)
            spec = obj.get("spec") or {}
            meta = obj["metadata"]
            mine = spec.get("schedulerName", COMPONENT) == COMPONENT
            if event_type == "ADDED" and not spec.get("nodeName") and mine:
                self._queue.add("scheduler", f"{meta['namespace']}/{meta['name']}")
        elif kind in ("Node", "PersistentVolumeClaim", "StorageClass"):
            self._queue.add_after("scheduler-retry", "", 0.5)

    def _track(self, event_type: str, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        node = (pod.get("spec") or {}).get("nodeName")
        done = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        if event_type == "DELETED" or done or not node:
            gone = self._placed.pop(uid, None)
            self._affine.pop(uid, None)
            if gone is not None:
                self._account(gone, -1)
                self._queue.add_after("scheduler-retry", "", 0.5)
            return
        known = self._placed.get(uid)
        placed = PlacedPod.of(
            pod, str(node), known.requests if known else requests_of(pod.get("spec") or {})
        )
        if known is None:
            self._account(placed, 1)
        if known is None or (placed.terminating and not known.terminating):
            # a pod placed or leaving changes what affinity and spread rules see
            self._queue.add_after("scheduler-retry", "", 0.5)
        self._placed[uid] = placed
        if affinity.has_pod_terms(placed.affinity):
            self._affine[uid] = placed

    def retry_pending(self, _: str = "") -> None:
        pending, _rv = self._store.list("Pod", field_selector="spec.nodeName=")
        for pod in pending:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            self._queue.add(
                "scheduler", f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
            )

    def schedule(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        pod = self._store.try_get("Pod", namespace, name)
        if (
            pod is None
            or (pod.get("spec") or {}).get("nodeName")
            or pod["metadata"].get("deletionTimestamp")
        ):
            return
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        nodes, _rv = self._store.list("Node")
        problem = self._volume_problem(pod)
        if problem is not None:
            not_helpful = f"{len(nodes)} {_NOT_HELPFUL}" if nodes else ""
            self._unschedulable(
                pod,
                f"0/{len(nodes)} nodes are available: {problem}. preemption: 0/{len(nodes)} nodes "
                f"are available: {not_helpful}.",
            )
            return
        if not nodes:
            self._unschedulable(pod, "no nodes available to schedule pods")
            return
        cycle = self._cycle(pod, nodes)
        feasible: list[Obj] = []
        reasons: Counter[str] = Counter()
        preemption: Counter[str] = Counter()
        for node in nodes:
            failure = self._filter(cycle, node)
            if failure is None:
                feasible.append(node)
                continue
            reasons.update(failure[0])
            preemption[_NO_VICTIMS if failure[1] else _NOT_HELPFUL] += 1
        if feasible:
            self._bind(pod, self._best(cycle, feasible))
            return
        total = len(nodes)
        listed = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
        victims = ", ".join(sorted(f"{count} {reason}" for reason, count in preemption.items()))
        self._unschedulable(
            pod,
            f"0/{total} nodes are available: {listed}. preemption: 0/{total} nodes are available: "
            f"{victims}.",
        )

    def _cycle(self, pod: Obj, nodes: Sequence[Obj]) -> _Cycle:
        placed = list(self._placed.values())
        # a pod without terms of its own only meets the terms of pods that have some
        others = placed if affinity.has_pod_terms(_affinity(pod)) else list(self._affine.values())
        labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in nodes}
        namespaces: dict[str, Mapping[str, str]] = {}

        def namespace_labels(name: str) -> Mapping[str, str]:
            if name not in namespaces:
                found = self._store.try_get("Namespace", "", name) or {"metadata": {}}
                namespaces[name] = found["metadata"].get("labels") or {}
            return namespaces[name]

        return _Cycle(
            pod=pod,
            requests=requests_of(pod.get("spec") or {}),
            affinity=affinity.check(pod, others, labels, namespace_labels),
            spread=spread.check(pod, nodes, placed),
            preference=affinity.preference(pod, others, labels, namespace_labels),
        )

    def _volume_problem(self, pod: Obj) -> str | None:
        namespace = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim:
                continue
            pvc = self._store.try_get("PersistentVolumeClaim", namespace, str(claim))
            if pvc is None:
                return f'persistentvolumeclaim "{claim}" not found'
            if (pvc.get("status") or {}).get("phase") == "Bound":
                continue
            if self._waits_for_consumer(pvc):
                continue
            return "pod has unbound immediate PersistentVolumeClaims"
        return None

    def _waits_for_consumer(self, pvc: Obj) -> bool:
        name = (pvc.get("spec") or {}).get("storageClassName")
        classes, _rv = self._store.list("StorageClass")
        for sc in classes:
            default = (sc["metadata"].get("annotations") or {}).get(
                "storageclass.kubernetes.io/is-default-class"
            ) == "true"
            if sc["metadata"]["name"] == name or (not name and default):
                return bool(sc.get("volumeBindingMode") == "WaitForFirstConsumer")
        return False

    def _filter(self, cycle: _Cycle, node: Obj) -> Verdict | None:
        """None if the pod fits ``node``; else the first failing filter's verdict."""
        spec = cycle.pod.get("spec") or {}
        if (node.get("spec") or {}).get("unschedulable") and not tolerates(
            list(spec.get("tolerations") or []), _UNSCHEDULABLE_TAINT
        ):
            return ["node(s) were unschedulable"], False
        taint = untolerated_taint(spec, node)
        if taint is not None:
            text = f"{{{taint.get('key')}: {taint.get('value') or ''}}}"
            return [f"node(s) had untolerated taint {text}"], False
        if not matches_node(spec, node):
            return ["node(s) didn't match Pod's node affinity/selector"], False
        name = node["metadata"]["name"]
        short = shortfalls(cycle.requests, self._used.get(name, {}), self._pods[name], node)
        if short:
            return short, True
        labels = node["metadata"].get("labels") or {}
        for verdict in (cycle.spread.verdict(labels), cycle.affinity.verdict(labels)):
            if verdict is not None:
                return [verdict[0]], verdict[1]
        return None

    def _best(self, cycle: _Cycle, nodes: Sequence[Obj]) -> str:
        """The feasible node with the highest score (the first one on a tie)."""
        spec = cycle.pod.get("spec") or {}
        owner = ((cycle.pod["metadata"].get("ownerReferences") or [{}])[0]).get("uid")
        labels = [n["metadata"].get("labels") or {} for n in nodes]
        wanted = _normalised([preferred_weight(spec, n) for n in nodes])
        liked = _normalised([sum(cycle.preference[p] for p in lbl.items()) for lbl in labels])
        crowded = _normalised([-cycle.spread.crowding(lbl) for lbl in labels])
        scores = []
        for index, node in enumerate(nodes):
            siblings = self._siblings[(node["metadata"]["name"], str(owner))] if owner else 0
            scores.append(
                self._free_share(cycle.requests, node)
                + 2 * (wanted[index] + liked[index] + crowded[index])
                - siblings * 0.5
            )
        best = max(range(len(nodes)), key=lambda i: (scores[i], -i))
        return str(nodes[best]["metadata"]["name"])

    def _free_share(self, requests: Mapping[str, float], node: Obj) -> float:
        """How much CPU and memory stays free on ``node`` with the pod on it (0 to 1)."""
        free = allocatable(node)
        used: Mapping[str, float] = self._used.get(node["metadata"]["name"], {})
        shares = [
            1 - (used.get(name, 0.0) + requests.get(name, 0.0)) / max(free.get(name, 1.0), 1e-9)
            for name in ("cpu", "memory")
        ]
        return sum(shares) / len(shares)

    def _bind(self, pod: Obj, node: str) -> None:
        now = format_time(self._clock.now())
        meta = pod["metadata"]

        def bind(obj: Obj) -> None:
            obj.setdefault("spec", {})["nodeName"] = node
            status = obj.setdefault("status", {})
            others = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            status["conditions"] = [
                *others,
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                },
            ]

        self._on_bind(pod, node)
        bound = self._store.mutate("Pod", meta["namespace"], meta["name"], bind)
        if bound is None:
            return
        self._track("MODIFIED", bound)
        self._recorder.record(
            bound,
            "Normal",
            "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {node}",
            component=COMPONENT,
        )

    def _unschedulable(self, pod: Obj, message: str) -> None:
        now = format_time(self._clock.now())
        meta = pod["metadata"]

        def mark(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            conditions = status.get("conditions") or []
            current = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
            if current and current.get("status") == "False" and current.get("message") == message:
                return
            others = [c for c in conditions if c.get("type") != "PodScheduled"]
            status["conditions"] = [
                *others,
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                    "reason": "Unschedulable",
                    "message": message,
                },
            ]

        self._store.mutate("Pod", meta["namespace"], meta["name"], mark)
        self._recorder.record(
            pod, "Warning", "FailedScheduling", message, component=COMPONENT, combine_similar=False
        )
        self._queue.add_after("scheduler", f"{meta['namespace']}/{meta['name']}", RETRY_SECONDS)


def _affinity(pod: Obj) -> Obj:
    return dict((pod.get("spec") or {}).get("affinity") or {})


def _normalised(values: list[int]) -> list[float]:
    """Scores scaled to 0..1 across the candidate nodes (all 0 when they are equal)."""
    low, high = min(values), max(values)
    if high == low:
        return [0.0] * len(values)
    return [(v - low) / (high - low) for v in values]
