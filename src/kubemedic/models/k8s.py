"""Thin, typed, read-only views over raw Kubernetes JSON objects.

kubemedic keeps objects as the JSON the API returned (no per-object model deserialisation:
that is what keeps a 10,000-pod scan fast) and reads them through these wrappers, which name
the fields analyzers need and give them types. ``raw`` stays available for anything rarer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import parse_time
from kubemedic.models.findings import ObjectRef

Raw = Mapping[str, Any]
_EMPTY: Mapping[str, Any] = {}
_T = TypeVar("_T")


class once(Generic[_T]):  # noqa: N801 - used as a decorator, like property
    """A property read from ``raw`` on first use and then kept on the object.

    The JSON of a view never changes, and analyzers read the same few fields of a pod many
    times (a 100,000-replica workload: millions of reads). Unlike ``functools.cached_property``
    on Python 3.11 it takes no lock, and once set the value is an attribute lookup.
    """

    __slots__ = ("_name", "_read")

    def __init__(self, read: Callable[[Any], _T]) -> None:
        self._read = read
        self._name = read.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> once[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object, owner: type | None = None) -> _T | once[_T]:
        if obj is None:
            return self
        value = obj.__dict__[self._name] = self._read(obj)
        return value


def dig(raw: object, *path: str | int) -> Any:
    """Follow keys and indexes through nested JSON; None as soon as one is missing."""
    node: Any = raw
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
            node = node[step]
        else:
            if type(node) is not dict and not isinstance(node, Mapping):  # dict: no ABC check
                return None
            node = node.get(step)
            if node is None:
                return None
    return node


def _map(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # the common case, without the slower ABC check
        return value
    return value if isinstance(value, Mapping) else _EMPTY


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, list) else ()


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class KObject:
    """Any Kubernetes object: identity, metadata and ownership."""

    __slots__ = ("__dict__", "raw")

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"<{self.kind} {self.namespace}/{self.name}>"

    @once
    def metadata(self) -> Mapping[str, Any]:
        return _map(self.raw.get("metadata"))

    @once
    def spec(self) -> Mapping[str, Any]:
        return _map(self.raw.get("spec"))

    @once
    def status(self) -> Mapping[str, Any]:
        return _map(self.raw.get("status"))

    @once
    def kind(self) -> str:
        return _str(self.raw.get("kind"))

    @property
    def api_version(self) -> str:
        return _str(self.raw.get("apiVersion"))

    @once
    def name(self) -> str:
        return _str(self.metadata.get("name"))

    @once
    def namespace(self) -> str:
        return _str(self.metadata.get("namespace"))

    @once
    def uid(self) -> str:
        return _str(self.metadata.get("uid"))

    @once
    def labels(self) -> Mapping[str, str]:
        return _map(self.metadata.get("labels"))

    @property
    def annotations(self) -> Mapping[str, str]:
        return _map(self.metadata.get("annotations"))

    @property
    def generation(self) -> int:
        return _int(self.metadata.get("generation"))

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.metadata.get("creationTimestamp"))

    @once
    def deletion_timestamp(self) -> datetime | None:
        return parse_time(self.metadata.get("deletionTimestamp"))

    @property
    def finalizers(self) -> tuple[str, ...]:
        return tuple(_str(f) for f in _list(self.metadata.get("finalizers")))

    @once
    def owner_references(self) -> tuple[OwnerReference, ...]:
        return tuple(OwnerReference(_map(o)) for o in _list(self.metadata.get("ownerReferences")))

    @once
    def controller(self) -> OwnerReference | None:
        """The owner reference marked ``controller: true`` (else the first one)."""
        owners = self.owner_references
        for owner in owners:
            if owner.is_controller:
                return owner
        return owners[0] if owners else None

    @once
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)

    @once
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(Condition(_map(c)) for c in _list(self.status.get("conditions")))

    def condition(self, type_: str) -> Condition | None:
        """The status condition of this type, if the object reports one."""
        entry = self._conditions_by_type.get(type_)
        return None if entry is None else Condition(entry)  # only the match is wrapped

    @once
    def _conditions_by_type(self) -> Mapping[str, Raw]:
        """The first condition of each type (asked of each pod several times: is it Ready)."""
        by_type: dict[str, Raw] = {}
        for raw in _list(self.status.get("conditions")):
            entry = _map(raw)
            by_type.setdefault(_str(entry.get("type")), entry)
        return by_type


class OwnerReference:
    """One entry of ``metadata.ownerReferences``."""

    __slots__ = ("raw",)

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    @property
    def kind(self) -> str:
        return _str(self.raw.get("kind"))

    @property
    def name(self) -> str:
        return _str(self.raw.get("name"))

    @property
    def uid(self) -> str:
        return _str(self.raw.get("uid"))

    @property
    def is_controller(self) -> bool:
        return self.raw.get("controller") is True


class Condition:
    """A ``status.conditions[]`` entry."""

    __slots__ = ("raw",)

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    @property
    def type(self) -> str:
        return _str(self.raw.get("type"))

    @property
    def status(self) -> str:
        return _str(self.raw.get("status"))

    @property
    def is_true(self) -> bool:
        return self.raw.get("status") == "True"

    @property
    def reason(self) -> str:
        return _str(self.raw.get("reason"))

    @property
    def message(self) -> str:
        return _str(self.raw.get("message"))

    @property
    def last_transition(self) -> datetime | None:
        return parse_time(self.raw.get("lastTransitionTime")) or parse_time(
            self.raw.get("lastUpdateTime")
        )


class Resources:
    """A container's ``resources``: requests and limits parsed to cores and bytes."""

    __slots__ = ("raw",)

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    def request(self, resource: str) -> float | None:
        return parse_quantity(dig(self.raw, "requests", resource))

    def limit(self, resource: str) -> float | None:
        return parse_quantity(dig(self.raw, "limits", resource))

    def request_text(self, resource: str) -> str | None:
        value = dig(self.raw, "requests", resource)
        return None if value is None else str(value)

    def limit_text(self, resource: str) -> str | None:
        value = dig(self.raw, "limits", resource)
        return None if value is None else str(value)


class Probe:
    """A liveness, readiness or startup probe and where it points."""

    __slots__ = ("kind", "raw")

    def __init__(self, kind: str, raw: Raw) -> None:
        self.kind = kind
        self.raw = raw

    @property
    def handler(self) -> str:
        """``httpGet``, ``tcpSocket``, ``exec`` or ``grpc``."""
        for key in ("httpGet", "tcpSocket", "exec", "grpc"):
            if key in self.raw:
                return key
        return "unknown"

    @property
    def port(self) -> int | str | None:
        port = dig(self.raw, self.handler, "port")
        return port if isinstance(port, int | str) else None

    @property
    def path(self) -> str:
        return _str(dig(self.raw, "httpGet", "path"))

    @property
    def endpoint(self) -> str:
        """A person-readable target: ``HTTP GET :8080/healthz``, ``TCP :5432``, ``exec [cat x]``."""
        if self.handler == "httpGet":
            scheme = _str(dig(self.raw, "httpGet", "scheme")) or "HTTP"
            return f"{scheme} GET :{self.port}{self.path or '/'}"
        if self.handler == "tcpSocket":
            return f"TCP :{self.port}"
        if self.handler == "exec":
            command = " ".join(str(c) for c in _list(dig(self.raw, "exec", "command")))
            return f"exec [{command}]"
        if self.handler == "grpc":
            return f"gRPC :{self.port}"
        return "unknown"

    def _seconds(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        return value if isinstance(value, int) else default

    @property
    def initial_delay_seconds(self) -> int:
        return self._seconds("initialDelaySeconds", 0)

    @property
    def period_seconds(self) -> int:
        return self._seconds("periodSeconds", 10)

    @property
    def timeout_seconds(self) -> int:
        return self._seconds("timeoutSeconds", 1)

    @property
    def failure_threshold(self) -> int:
        return self._seconds("failureThreshold", 3)

    @property
    def timing(self) -> str:
        return (
            f"delay={self.initial_delay_seconds}s timeout={self.timeout_seconds}s "
            f"period={self.period_seconds}s #failure={self.failure_threshold}"
        )


class ContainerSpec:
    """A container (or init container) as the pod spec declares it."""

    __slots__ = ("__dict__", "is_init", "raw")

    def __init__(self, raw: Raw, *, is_init: bool = False) -> None:
        self.raw = raw
        self.is_init = is_init

    @once
    def name(self) -> str:
        return _str(self.raw.get("name"))

    @property
    def image(self) -> str:
        return _str(self.raw.get("image"))

    @property
    def image_pull_policy(self) -> str:
        return _str(self.raw.get("imagePullPolicy"))

    @property
    def command(self) -> tuple[str, ...]:
        return tuple(str(c) for c in _list(self.raw.get("command")))

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(str(c) for c in _list(self.raw.get("args")))

    @property
    def env(self) -> Sequence[Mapping[str, Any]]:
        return [_map(e) for e in _list(self.raw.get("env"))]

    @property
    def env_from(self) -> Sequence[Mapping[str, Any]]:
        return [_map(e) for e in _list(self.raw.get("envFrom"))]

    @property
    def ports(self) -> Sequence[Mapping[str, Any]]:
        return [_map(p) for p in _list(self.raw.get("ports"))]

    @property
    def volume_mounts(self) -> Sequence[Mapping[str, Any]]:
        return [_map(v) for v in _list(self.raw.get("volumeMounts"))]

    @property
    def resources(self) -> Resources:
        return Resources(_map(self.raw.get("resources")))

    @property
    def security_context(self) -> Mapping[str, Any]:
        return _map(self.raw.get("securityContext"))

    @property
    def restart_policy(self) -> str:
        """``Always`` marks a native sidecar when set on an init container."""
        return _str(self.raw.get("restartPolicy"))

    def probe(self, kind: str) -> Probe | None:
        """``liveness``, ``readiness`` or ``startup``."""
        raw = self.raw.get(f"{kind}Probe")
        return Probe(kind, raw) if isinstance(raw, Mapping) else None


class TerminatedState:
    """``state.terminated`` / ``lastState.terminated`` of a container."""

    __slots__ = ("raw",)

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    @property
    def exit_code(self) -> int:
        return _int(self.raw.get("exitCode"))

    @property
    def signal(self) -> int:
        return _int(self.raw.get("signal"))

    @property
    def reason(self) -> str:
        return _str(self.raw.get("reason"))

    @property
    def message(self) -> str:
        return _str(self.raw.get("message"))

    @property
    def started_at(self) -> datetime | None:
        return parse_time(self.raw.get("startedAt"))

    @property
    def finished_at(self) -> datetime | None:
        return parse_time(self.raw.get("finishedAt"))

    @property
    def run_seconds(self) -> float | None:
        """How long the instance ran before it ended, when both times are known."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ContainerState:
    """``state`` or ``lastState``: exactly one of waiting / running / terminated, or empty."""

    __slots__ = ("__dict__", "raw")

    def __init__(self, raw: Raw) -> None:
        self.raw = raw

    @property
    def waiting_reason(self) -> str:
        return _str(dig(self.raw, "waiting", "reason"))

    @property
    def waiting_message(self) -> str:
        return _str(dig(self.raw, "waiting", "message"))

    @property
    def is_waiting(self) -> bool:
        return "waiting" in self.raw

    @property
    def is_running(self) -> bool:
        return "running" in self.raw

    @property
    def running_since(self) -> datetime | None:
        return parse_time(dig(self.raw, "running", "startedAt"))

    @once
    def terminated(self) -> TerminatedState | None:
        raw = self.raw.get("terminated")
        return TerminatedState(raw) if type(raw) is dict or isinstance(raw, Mapping) else None


class ContainerStatus:
    """An entry of ``status.containerStatuses`` (or ``initContainerStatuses``)."""

    __slots__ = ("__dict__", "is_init", "raw")

    def __init__(self, raw: Raw, *, is_init: bool = False) -> None:
        self.raw = raw
        self.is_init = is_init

    @once
    def name(self) -> str:
        return _str(self.raw.get("name"))

    @property
    def ready(self) -> bool:
        return self.raw.get("ready") is True

    @property
    def started(self) -> bool:
        return self.raw.get("started") is True

    @property
    def restart_count(self) -> int:
        return _int(self.raw.get("restartCount"))

    @property
    def image(self) -> str:
        return _str(self.raw.get("image"))

    @once
    def state(self) -> ContainerState:
        return ContainerState(_map(self.raw.get("state")))

    @once
    def last_state(self) -> ContainerState:
        return ContainerState(_map(self.raw.get("lastState")))

    @property
    def last_termination(self) -> TerminatedState | None:
        """The most telling termination: the current one if terminated, else the previous one."""
        return self.state.terminated or self.last_state.terminated

    @property
    def field_path(self) -> str:
        """Where this status lives, for evidence: ``status.containerStatuses[app]``."""
        group = "initContainerStatuses" if self.is_init else "containerStatuses"
        return f"status.{group}[{self.name}]"


class Pod(KObject):
    """A pod: spec, status, and the container statuses analyzers read most."""

    @once
    def is_ready(self) -> bool:
        """Its ``Ready`` condition is True (asked of every replica by several analyzers)."""
        entry = self._conditions_by_type.get("Ready")
        return entry is not None and entry.get("status") == "True"

    @once
    def phase(self) -> str:
        return _str(self.status.get("phase"))

    @property
    def reason(self) -> str:
        return _str(self.status.get("reason"))

    @property
    def message(self) -> str:
        return _str(self.status.get("message"))

    @once
    def node_name(self) -> str:
        return _str(self.spec.get("nodeName"))

    @property
    def is_static(self) -> bool:
        """A static pod's mirror: the kubelet runs it from a manifest file on its node and only
        reflects it in the API (``kubernetes.io/config.mirror``, owned by the Node)."""
        controller = self.controller
        return "kubernetes.io/config.mirror" in self.annotations or (
            controller is not None and controller.kind == "Node"
        )

    @property
    def restart_policy(self) -> str:
        return _str(self.spec.get("restartPolicy")) or "Always"

    @property
    def service_account(self) -> str:
        return _str(self.spec.get("serviceAccountName")) or "default"

    @property
    def start_time(self) -> datetime | None:
        return parse_time(self.status.get("startTime"))

    @once
    def containers(self) -> tuple[ContainerSpec, ...]:
        return tuple(ContainerSpec(_map(c)) for c in _list(self.spec.get("containers")))

    @once
    def init_containers(self) -> tuple[ContainerSpec, ...]:
        return tuple(
            ContainerSpec(_map(c), is_init=True) for c in _list(self.spec.get("initContainers"))
        )

    @once
    def container_statuses(self) -> tuple[ContainerStatus, ...]:
        return tuple(ContainerStatus(_map(c)) for c in _list(self.status.get("containerStatuses")))

    @once
    def init_container_statuses(self) -> tuple[ContainerStatus, ...]:
        return tuple(
            ContainerStatus(_map(c), is_init=True)
            for c in _list(self.status.get("initContainerStatuses"))
        )

    @property
    def all_container_statuses(self) -> tuple[ContainerStatus, ...]:
        return self.init_container_statuses + self.container_statuses

    def container(self, name: str) -> ContainerSpec | None:
        """The spec of a container or init container by name."""
        for spec in self.init_containers + self.containers:
            if spec.name == name:
                return spec
        return None

    def container_status(self, name: str) -> ContainerStatus | None:
        for status in self.all_container_statuses:
            if status.name == name:
                return status
        return None

    @property
    def volumes(self) -> Sequence[Mapping[str, Any]]:
        return [_map(v) for v in _list(self.spec.get("volumes"))]

    @property
    def image_pull_secrets(self) -> tuple[str, ...]:
        return tuple(_str(_map(s).get("name")) for s in _list(self.spec.get("imagePullSecrets")))

    @property
    def node_selector(self) -> Mapping[str, str]:
        return _map(self.spec.get("nodeSelector"))

    @property
    def tolerations(self) -> Sequence[Mapping[str, Any]]:
        return [_map(t) for t in _list(self.spec.get("tolerations"))]

    @property
    def affinity(self) -> Mapping[str, Any]:
        return _map(self.spec.get("affinity"))

    @property
    def is_finished(self) -> bool:
        """Succeeded pods (and Failed ones of run-to-completion pods) are history, not problems."""
        return self.phase == "Succeeded"

    def total_request(self, resource: str) -> float:
        """The scheduler's view of a pod's request: max(largest init, sum of containers)."""
        app = sum(c.resources.request(resource) or 0.0 for c in self.containers)
        init = max((c.resources.request(resource) or 0.0 for c in self.init_containers), default=0)
        return max(app, init)


class Event(KObject):
    """A core/v1 Event (or events.k8s.io/v1, read through the same names)."""

    @once
    def type(self) -> str:
        return _str(self.raw.get("type")) or "Normal"

    @once
    def reason(self) -> str:
        return _str(self.raw.get("reason"))

    @once
    def message(self) -> str:
        return _str(self.raw.get("message")) or _str(self.raw.get("note"))

    @property
    def count(self) -> int:
        series = _int(dig(self.raw, "series", "count"))
        return max(_int(self.raw.get("count")), _int(self.raw.get("deprecatedCount")), series, 1)

    @once
    def involved(self) -> Mapping[str, Any]:
        return _map(self.raw.get("involvedObject") or self.raw.get("regarding"))

    @property
    def involved_ref(self) -> ObjectRef:
        inv = self.involved
        return ObjectRef(_str(inv.get("kind")), _str(inv.get("name")), _str(inv.get("namespace")))

    @property
    def involved_uid(self) -> str:
        return _str(self.involved.get("uid"))

    @property
    def field_path(self) -> str:
        return _str(self.involved.get("fieldPath"))

    @once
    def first_seen(self) -> datetime | None:
        return (
            parse_time(self.raw.get("firstTimestamp"))
            or parse_time(self.raw.get("deprecatedFirstTimestamp"))
            or parse_time(self.raw.get("eventTime"))
            or self.created_at
        )

    @once
    def last_seen(self) -> datetime | None:
        return (
            parse_time(self.raw.get("lastTimestamp"))
            or parse_time(dig(self.raw, "series", "lastObservedTime"))
            or parse_time(self.raw.get("deprecatedLastTimestamp"))
            or parse_time(self.raw.get("eventTime"))
            or self.created_at
        )

    @property
    def describe(self) -> str:
        """``Warning BackOff (x14)``: how kubectl describe would head this event."""
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.type} {self.reason}{times}"


class Node(KObject):
    """A node: allocatable capacity, conditions and taints."""

    def allocatable(self, resource: str) -> float | None:
        return parse_quantity(dig(self.status, "allocatable", resource))

    @property
    def taints(self) -> Sequence[Mapping[str, Any]]:
        return [_map(t) for t in _list(self.spec.get("taints"))]

    @property
    def unschedulable(self) -> bool:
        return self.spec.get("unschedulable") is True

    @property
    def ready(self) -> bool:
        cond = self.condition("Ready")
        return cond is not None and cond.is_true


class Workload(KObject):
    """Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob, read generically."""

    @property
    def replicas(self) -> int:
        value = self.spec.get("replicas")
        return value if isinstance(value, int) else 1

    @property
    def pod_template(self) -> Mapping[str, Any]:
        if self.kind == "CronJob":
            return _map(dig(self.spec, "jobTemplate", "spec", "template"))
        return _map(self.spec.get("template"))

    @property
    def selector(self) -> Mapping[str, Any]:
        return _map(self.spec.get("selector"))

    @property
    def revision(self) -> int:
        value = self.annotations.get("deployment.kubernetes.io/revision", "")
        return int(value) if str(value).isdigit() else 0

    def status_int(self, key: str) -> int:
        return _int(self.status.get(key))


KIND_WRAPPERS: dict[str, type[KObject]] = {
    "Pod": Pod,
    "Event": Event,
    "Node": Node,
    "Deployment": Workload,
    "ReplicaSet": Workload,
    "StatefulSet": Workload,
    "DaemonSet": Workload,
    "Job": Workload,
    "CronJob": Workload,
}


def wrap(raw: Raw) -> KObject:
    """Wrap raw JSON in the view class for its kind."""
    return KIND_WRAPPERS.get(_str(raw.get("kind")), KObject)(raw)
