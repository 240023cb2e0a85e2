"""The read-only cluster view every analyzer receives, whatever the source.

A live cluster, a directory of YAML files and the sandbox all end up here: objects by kind,
events indexed by the object they are about, container logs, what was listed (so an analyzer
can tell "this ConfigMap does not exist" from "ConfigMaps were not collected"), and the moment
the view was taken (analyzers never read the clock).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar, cast

from kubemedic.models.findings import AffectedPod, ObjectRef
from kubemedic.models.k8s import Event, KObject, Node, OwnerReference, Pod, Raw, Workload, wrap
from kubemedic.models.scan_warning import ScanWarning

T = TypeVar("T", bound=KObject)
D = TypeVar("D")

ALL_NAMESPACES = "*"


@dataclass(frozen=True, slots=True)
class LogTail:
    """The last lines of one container's log, and which instance they came from."""

    lines: tuple[str, ...]
    previous: bool | None
    source: str

    @property
    def instance(self) -> str:
        if self.previous is None:
            return "log"
        return "previous instance log" if self.previous else "current log"


@dataclass(frozen=True, slots=True)
class LogKey:
    namespace: str
    pod: str
    container: str


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where an object read from files was written: the file, and the line it starts on."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_data(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line}


Locate = Callable[[Raw], SourceLocation | None]
"""Tells where a raw object of the view was read, when its source knows (files do)."""


class ClusterView:
    """An immutable snapshot of the part of a cluster that was scanned."""

    def __init__(
        self,
        objects: Iterable[Raw],
        *,
        observed_at: datetime,
        source: str,
        listed: Iterable[tuple[str, str]] = (),
        logs: Mapping[LogKey, tuple[LogTail, ...]] | None = None,
        namespaces: tuple[str, ...] = (ALL_NAMESPACES,),
        warnings: tuple[ScanWarning, ...] = (),
        locate: Locate | None = None,
    ) -> None:
        self.observed_at = observed_at
        self._locate = locate
        self.warnings = warnings  # what could not be read as it should, e.g. a kind RBAC refused
        self.source = source
        self.namespaces = namespaces
        self._listed = frozenset(listed)
        self._logs: Mapping[LogKey, tuple[LogTail, ...]] = dict(logs or {})
        self._pods_with_logs = frozenset((key.namespace, key.pod) for key in self._logs)
        by_kind: dict[str, list[KObject]] = defaultdict(list)
        by_key: dict[tuple[str, str, str], KObject] = {}
        by_uid: dict[str, KObject] = {}
        events = by_kind["Event"]
        for raw in objects:  # every object of the cluster: raw reads, no wrapper properties
            kind = raw.get("kind") or ""
            if kind == "Event":  # never an owner, and several may share a name
                events.append(Event(raw))
                continue
            meta = raw.get("metadata") or _NO_META
            key = (kind, meta.get("namespace") or "", meta.get("name") or "")
            if key in by_key:
                continue
            obj = by_key[key] = wrap(raw)
            by_kind[kind].append(obj)
            uid = meta.get("uid")
            if uid:
                by_uid[uid] = obj
        if not events:
            del by_kind["Event"]
        self._by_kind: dict[str, tuple[KObject, ...]] = {k: tuple(v) for k, v in by_kind.items()}
        self._of_kind: dict[tuple[str, type], tuple[KObject, ...]] = {}
        self._by_key = by_key
        self._by_uid = by_uid
        self._events = self._index_events()
        self._sorted_events: dict[tuple[str, str, str], tuple[Event, ...]] = {}
        self._workload_cache: dict[tuple[str, str, str, str, str], ObjectRef] = {}
        self._workload_of: dict[KObject, ObjectRef] = {}
        self._derived: dict[Callable[[ClusterView], object], object] = {}

    def _index_events(self) -> dict[tuple[str, str, str], list[Event]]:
        """Group events by the object they concern, dropping those about a deleted namesake."""
        index: dict[tuple[str, str, str], list[Event]] = defaultdict(list)
        by_key = self._by_key
        for event in self.of_kind("Event", Event):
            involved = event.raw.get("involvedObject") or event.raw.get("regarding") or _NO_META
            key = (
                involved.get("kind") or "",
                involved.get("namespace") or "",
                involved.get("name") or "",
            )
            involved_uid = involved.get("uid")
            target = by_key.get(key) if involved_uid else None
            if target is not None:
                target_uid = (target.raw.get("metadata") or _NO_META).get("uid")
                if (
                    isinstance(target_uid, str)
                    and target_uid
                    and involved_uid != target_uid
                    and involved_uid != key[2]  # the kubelet reports Nodes with uid = node name
                ):
                    continue  # about an earlier object of the same name, now deleted
            index[key].append(event)
        return index

    # -- objects -------------------------------------------------------------------------

    def of_kind(self, kind: str, cls: type[T]) -> tuple[T, ...]:
        """All objects of a kind, as the given view class."""
        key = (kind, cls)
        found = self._of_kind.get(key)
        if found is None:  # asked for again and again (``pods``): filtered once
            objects = self._by_kind.get(kind, ())
            found = self._of_kind[key] = tuple(o for o in objects if isinstance(o, cls))
        return cast(tuple[T, ...], found)

    def objects(self, kind: str, namespace: str | None = None) -> tuple[KObject, ...]:
        """All objects of a kind, optionally in one namespace."""
        objects = self._by_kind.get(kind, ())
        if namespace is None:
            return objects
        return tuple(o for o in objects if o.namespace == namespace)

    def get(self, kind: str, namespace: str, name: str) -> KObject | None:
        return self._by_key.get((kind, namespace, name))

    def location(self, ref: ObjectRef) -> SourceLocation | None:
        """The file and line an object was read from; None for a live cluster's objects."""
        obj = self._by_key.get((ref.kind, ref.namespace, ref.name))
        if obj is None or self._locate is None:
            return None
        return self._locate(obj.raw)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_kind))

    @property
    def pods(self) -> tuple[Pod, ...]:
        return self.of_kind("Pod", Pod)

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self.of_kind("Node", Node)

    def workloads(self, kind: str) -> tuple[Workload, ...]:
        return self.of_kind(kind, Workload)

    def knows(self, kind: str, namespace: str = "") -> bool:
        """True when every object of ``kind`` in ``namespace`` was collected.

        Only then may an analyzer conclude that an object of that kind is absent.
        """
        return (kind, namespace) in self._listed or (kind, ALL_NAMESPACES) in self._listed

    def derived(self, build: Callable[[ClusterView], D]) -> D:
        """What ``build`` derives from the whole view, built on first use and then shared.

        For the indexes an analyzer consults once per pod (the ReplicaSets of each
        Deployment, where each workload's image runs): rebuilt per pod, they would make a scan
        quadratic in the replicas of a workload. ``build`` is the key, so pass a module-level
        function; it must be pure, like the view.
        """
        if build in self._derived:
            return cast(D, self._derived[build])
        value = self._derived[build] = build(self)
        return value

    # -- events and logs -------------------------------------------------------------------

    def events_for(self, obj: KObject | ObjectRef) -> tuple[Event, ...]:
        """Events about an object, oldest first, undated ones last (events about a deleted
        namesake excluded)."""
        ref = obj.ref if isinstance(obj, KObject) else obj
        key = (ref.kind, ref.namespace, ref.name)
        cached = self._sorted_events.get(key)
        if cached is None:
            events = self._events.get(key, ())
            cached = tuple(sorted(events, key=_event_order) if len(events) > 1 else events)
            self._sorted_events[key] = cached
        return cached

    def log_tails(self, namespace: str, pod: str, container: str) -> tuple[LogTail, ...]:
        """All log tails collected for a container (previous instance first when known)."""
        if (namespace, pod) not in self._pods_with_logs:
            return ()
        tails = self._logs.get(LogKey(namespace, pod, container), ())
        if not tails:
            tails = self._logs.get(LogKey(namespace, pod, ""), ())
        return tuple(
            sorted(tails, key=lambda t: 0 if t.previous else 1 if t.previous is None else 2)
        )

    def crash_log(self, namespace: str, pod: str, container: str) -> LogTail | None:
        """The log most likely to show why the container died: the previous instance's."""
        tails = self.log_tails(namespace, pod, container)
        return tails[0] if tails else None

    # -- ownership -------------------------------------------------------------------------

    def owner(self, obj: KObject) -> KObject | None:
        ctrl = obj.controller
        return None if ctrl is None else self._controller_of(obj, ctrl)

    def _controller_of(self, obj: KObject, ctrl: OwnerReference) -> KObject | None:
        found = self._by_uid.get(ctrl.uid) if ctrl.uid else None
        return found or self.get(ctrl.kind, obj.namespace, ctrl.name)

    def workload_of(self, obj: KObject) -> ObjectRef:
        """The top-level owner: Pod → ReplicaSet → Deployment, Pod → Job → CronJob, ...

        When the ReplicaSet itself was not collected, its Deployment is inferred from the
        ``pod-template-hash`` naming rule (``<deployment>-<hash>``). Answers are remembered
        per direct owner, since every replica of a ReplicaSet resolves the same way.
        """
        known = self._workload_of.get(obj)  # by the object itself: analyzers ask many times
        if known is not None:
            return known
        known = self._workload_of[obj] = self._top_owner(obj)
        return known

    def _top_owner(self, obj: KObject) -> ObjectRef:
        meta = obj.raw.get("metadata") or _NO_META
        owners = meta.get("ownerReferences")
        if not owners:
            return obj.ref
        ctrl = _controller_reference(owners)
        if ctrl.get("kind") == "Node":
            return obj.ref  # a static pod's mirror: the node runs it, it is its own workload
        labels = meta.get("labels") or _NO_META
        key = (
            meta.get("namespace") or "",
            ctrl.get("kind") or "",
            ctrl.get("name") or "",
            ctrl.get("uid") or "",
            labels.get("pod-template-hash") or "",
        )
        cached = self._workload_cache.get(key)
        if cached is None:
            cached = self._resolve_workload(obj)
            self._workload_cache[key] = cached
        return cached

    def _resolve_workload(self, obj: KObject) -> ObjectRef:
        current = obj
        for _ in range(4):
            ctrl = current.controller
            if ctrl is None:
                return current.ref
            parent = self._controller_of(current, ctrl)
            if parent is None:
                return _inferred_owner(current, ctrl.kind, ctrl.name)
            current = parent
        return current.ref

    def affected_pod(self, pod: Pod, containers: Iterable[str] = ()) -> AffectedPod:
        return AffectedPod(pod.namespace, pod.name, tuple(containers))

    def pods_of(self, workload: KObject | ObjectRef) -> tuple[Pod, ...]:
        """Pods whose top-level owner is this workload."""
        ref = workload.ref if isinstance(workload, KObject) else workload
        return self._pods_by_workload.get(ref, ())

    @cached_property
    def _pods_by_workload(self) -> dict[ObjectRef, tuple[Pod, ...]]:
        index: dict[ObjectRef, list[Pod]] = defaultdict(list)
        for pod in self.pods:
            index[self.workload_of(pod)].append(pod)
        return {ref: tuple(pods) for ref, pods in index.items()}

    @cached_property
    def troubled_pods(self) -> tuple[Pod, ...]:
        """Pods showing any sign of trouble; healthy running pods are skipped by pod analyzers.

        A pod is troubled when it is not Running/Succeeded, is being deleted, has a reason
        set, is not Ready, or has a container that is not ready or has restarted — unless it
        belongs to a Job that completed (its failed attempts were retried to success: history).
        """
        return tuple(
            p
            for p in self.pods
            if _looks_troubled(p) and (p.deletion_timestamp or not self.of_completed_job(p))
        )

    def of_completed_job(self, pod: Pod) -> bool:
        """True when the pod's Job reports ``Complete`` (or ``SuccessCriteriaMet``), or is a run
        of a CronJob that a later run completed after (a failed run kept by
        ``failedJobsHistoryLimit`` while the schedule succeeds again is history)."""
        ctrl = pod.controller
        if ctrl is None or ctrl.kind != "Job":
            return False
        job = self._controller_of(pod, ctrl)
        return job is not None and (_completed(job) or job.ref in self.superseded_runs)

    @cached_property
    def superseded_runs(self) -> frozenset[ObjectRef]:
        """Jobs of a CronJob created before a run of the same CronJob that completed."""
        superseded: set[ObjectRef] = set()
        completed: set[str] = set()
        jobs = sorted(self.objects("Job"), key=lambda j: j.created_at or self.observed_at)
        for job in reversed(jobs):
            owner = job.controller
            if owner is None:
                continue
            key = owner.uid or owner.name
            if key in completed:
                superseded.add(job.ref)
            elif _completed(job):
                completed.add(key)
        return frozenset(superseded)


def _completed(job: KObject) -> bool:
    return any(c.is_true and c.type in ("Complete", "SuccessCriteriaMet") for c in job.conditions)


_NO_META: Mapping[str, Any] = {}


_CURRENT = datetime.max.replace(tzinfo=UTC)


def _event_order(event: Event) -> datetime:
    """When an event was last seen; one that carries no time is taken as current (it is
    still in the snapshot), so it sorts after every dated one."""
    return event.last_seen or _CURRENT


def _looks_troubled(pod: Pod) -> bool:
    # Reads raw JSON directly: this runs for every pod of the cluster before any analyzer.
    raw = pod.raw
    status = raw.get("status") or _NO_META
    if (raw.get("metadata") or _NO_META).get("deletionTimestamp"):
        return True  # even a Succeeded pod can be stuck behind a finalizer
    phase = status.get("phase")
    if phase == "Succeeded":
        return False
    if phase != "Running" or status.get("reason"):
        return True
    for cs in status.get("containerStatuses") or ():
        if cs.get("ready") is not True or cs.get("restartCount"):
            return True
    for cs in status.get("initContainerStatuses") or ():
        if cs.get("restartCount") or "waiting" in (cs.get("state") or _NO_META):
            return True
    for cond in status.get("conditions") or ():  # e.g. a readiness gate that never turns True
        if cond.get("type") == "Ready" and cond.get("status") != "True":
            return True
    return False


def _controller_reference(owners: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The owner reference marked ``controller: true`` (else the first one), read raw."""
    for owner in owners:
        if owner.get("controller") is True:
            return owner
    return owners[0]


def _inferred_owner(child: KObject, kind: str, name: str) -> ObjectRef:
    pod_hash = child.labels.get("pod-template-hash", "")
    if kind == "ReplicaSet" and pod_hash and name.endswith(f"-{pod_hash}"):
        return ObjectRef("Deployment", name[: -len(pod_hash) - 1], child.namespace)
    return ObjectRef(kind, name, child.namespace)
