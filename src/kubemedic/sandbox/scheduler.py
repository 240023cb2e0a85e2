"""The default-scheduler: binds pending pods to nodes, or says exactly why it cannot.

Filters run per node in the real scheduler's order (unschedulable, taints, node affinity and
selector, resources) and the first failing filter is that node's reason; the reasons are
counted into the real ``FailedScheduling`` message, ``0/3 nodes are available: 1 Insufficient
cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: ...``. Unbound PVCs stop a
pod before any node is looked at, as the VolumeBinding pre-filter does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

Obj = dict[str, Any]
COMPONENT = "default-scheduler"
RETRY_SECONDS = 60.0
_NO_VICTIMS = "No preemption victims found for incoming pod"
_NOT_HELPFUL = "Preemption is not helpful for scheduling"


@dataclass(frozen=True, slots=True)
class Placement:
    node: str
    cpu: float
    memory: float
    owner: str


def pod_requests(spec: Mapping[str, Any]) -> tuple[float, float]:
    """The scheduler's request of a pod: max(largest init container, sum of containers)."""

    def total(
        containers: list[Obj], combine: Callable[[list[float]], float]
    ) -> tuple[float, float]:
        values = [((c.get("resources") or {}).get("requests") or {}) for c in containers]
        cpu = combine([parse_quantity(v.get("cpu")) or 0.0 for v in values] or [0.0])
        memory = combine([parse_quantity(v.get("memory")) or 0.0 for v in values] or [0.0])
        return cpu, memory

    app = total(list(spec.get("containers") or []), sum)
    init = total(list(spec.get("initContainers") or []), max)
    return max(app[0], init[0]), max(app[1], init[1])


def tolerates(tolerations: list[Obj], taint: Mapping[str, Any]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration.get("key") == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and str(
            toleration.get("value") or ""
        ) == str(taint.get("value") or ""):
            return True
    return False


def _expression_matches(expression: Mapping[str, Any], values: Mapping[str, str]) -> bool:
    key, operator = str(expression.get("key")), str(expression.get("operator"))
    wanted = [str(v) for v in expression.get("values") or []]
    present = key in values
    if operator == "In":
        return present and values[key] in wanted
    if operator == "NotIn":
        return not present or values[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and wanted and values[key].lstrip("-").isdigit():
        number, bound = int(values[key]), int(wanted[0])
        return number > bound if operator == "Gt" else number < bound
    return False


def matches_node(spec: Mapping[str, Any], node: Obj) -> bool:
    """nodeSelector and required node affinity (matchExpressions and matchFields)."""
    labels = node["metadata"].get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    return any(
        all(_expression_matches(e, labels) for e in term.get("matchExpressions") or [])
        and all(_expression_matches(e, fields) for e in term.get("matchFields") or [])
        for term in terms
    )


def _taint_text(taint: Mapping[str, Any]) -> str:
    return f"{{{taint.get('key')}: {taint.get('value') or ''}}}"


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
        self._placed: dict[str, Placement] = {}
        self._totals: dict[str, list[float]] = {}  # node → [cpu, memory, pods]
        self._siblings: Counter[tuple[str, str]] = Counter()  # (node, owner uid) → pods
        queue.register("scheduler", self.schedule)
        queue.register("scheduler-retry", self.retry_pending)

    def reset(self) -> None:
        self._placed.clear()
        self._totals.clear()
        self._siblings.clear()

    def _account(self, placement: Placement, sign: int) -> None:
        totals = self._totals.setdefault(placement.node, [0.0, 0.0, 0.0])
        totals[0] += sign * placement.cpu
        totals[1] += sign * placement.memory
        totals[2] += sign
        self._siblings[(placement.node, placement.owner)] += sign

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
            if gone is not None:
                self._account(gone, -1)
                self._queue.add_after("scheduler-retry", "", 0.5)
            return
        if uid not in self._placed:
            cpu, memory = pod_requests(pod.get("spec") or {})
            owner = ((pod["metadata"].get("ownerReferences") or [{}])[0]).get("uid", "")
            self._placed[uid] = Placement(str(node), cpu, memory, str(owner))
            self._account(self._placed[uid], 1)

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
        best: tuple[float, str] | None = None
        reasons: Counter[str] = Counter()
        preemption: Counter[str] = Counter()
        for node in nodes:
            failure = self._filter(pod, node)
            if failure is None:
                score = self._score(pod, node)
                if best is None or score > best[0]:
                    best = (score, node["metadata"]["name"])
                continue
            for reason in failure[0]:
                reasons[reason] += 1
            preemption[_NO_VICTIMS if failure[1] else _NOT_HELPFUL] += 1
        if best is not None:
            self._bind(pod, best[1])
            return
        if not nodes:
            self._unschedulable(pod, "no nodes available to schedule pods")
            return
        total = len(nodes)
        listed = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
        victims = ", ".join(sorted(f"{count} {reason}" for reason, count in preemption.items()))
        self._unschedulable(
            pod,
            f"0/{total} nodes are available: {listed}. preemption: 0/{total} nodes are available: "
            f"{victims}.",
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

    def _filter(self, pod: Obj, node: Obj) -> tuple[list[str], bool] | None:
        """None if the pod fits; else (reasons, whether preemption could help)."""
        spec = pod.get("spec") or {}
        tolerations = list(spec.get("tolerations") or [])
        if (node.get("spec") or {}).get("unschedulable"):
            taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
            if not tolerates(tolerations, taint):
                return ["node(s) were unschedulable"], False
        for taint in (node.get("spec") or {}).get("taints") or []:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
                tolerations, taint
            ):
                return [f"node(s) had untolerated taint {_taint_text(taint)}"], False
        if not matches_node(spec, node):
            return ["node(s) didn't match Pod's node affinity/selector"], False
        cpu, memory = pod_requests(spec)
        used = self._used(node["metadata"]["name"])
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        reasons = []
        if cpu > (parse_quantity(allocatable.get("cpu")) or 0.0) - used[0] + 1e-9:
            reasons.append("Insufficient cpu")
        if memory > (parse_quantity(allocatable.get("memory")) or 0.0) - used[1] + 1:
            reasons.append("Insufficient memory")
        if used[2] + 1 > (parse_quantity(allocatable.get("pods")) or 110):
            reasons.append("Too many pods")
        return (reasons, True) if reasons else None

    def _used(self, node: str) -> tuple[float, float, int]:
        totals = self._totals.get(node, [0.0, 0.0, 0.0])
        return totals[0], totals[1], int(totals[2])

    def _score(self, pod: Obj, node: Obj) -> float:
        name = node["metadata"]["name"]
        cpu, memory = pod_requests(pod.get("spec") or {})
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        used = self._used(name)
        free_cpu = 1 - (used[0] + cpu) / max(parse_quantity(allocatable.get("cpu")) or 1.0, 1e-9)
        free_memory = 1 - (used[1] + memory) / max(
            parse_quantity(allocatable.get("memory")) or 1.0, 1.0
        )
        owner = ((pod["metadata"].get("ownerReferences") or [{}])[0]).get("uid")
        siblings = self._siblings[(name, str(owner))] if owner else 0
        return (free_cpu + free_memory) / 2 - siblings * 0.5

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
        self._recorder.record(pod, "Warning", "FailedScheduling", message, component=COMPONENT)
        self._queue.add_after("scheduler", f"{meta['namespace']}/{meta['name']}", RETRY_SECONDS)
