"""The kubelet's memory of each pod: container instances, back-offs, probes, and logs.

From this state the kubelet renders ``pod.status`` exactly as a real one reports it (phase,
conditions, ``containerStatuses`` with ``state`` / ``lastState`` / ``restartCount``) and serves
``kubectl logs`` for the current and the previous instance of each container.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.kubelet.images import Pulled
from kubemedic.sandbox.kubelet.process import Process

Obj = dict[str, Any]
MAX_LOG_LINES = 5000


@dataclass(frozen=True, slots=True)
class NodeOomKill:
    """The node itself ran out of memory and its kernel chose this process to kill."""

    at: datetime
    memory_bytes: float


@dataclass
class Instance:
    """One run of a container."""

    container_id: str
    started_at: datetime
    process: Process
    image_id: str
    ready: bool = False
    started: bool = False  # the startup probe passed (or there is none)
    failures: dict[str, int] = field(default_factory=dict)
    next_probe: dict[str, datetime] = field(default_factory=dict)
    steady: set[str] = field(default_factory=set)  # probes whose answer can no longer change
    comm: str = ""  # the process name the kernel reports (``ps -o comm``)
    node_oom: NodeOomKill | None = None  # the node ran out of memory and killed it

    def age(self, now: datetime) -> float:
        return (now - self.started_at).total_seconds()

    def log_lines(self, until: datetime) -> list[tuple[datetime, str]]:
        age = self.age(until)
        return [
            (self.started_at + timedelta(seconds=offset), text)
            for offset, text in self.process.lines_until(age, MAX_LOG_LINES)
        ]


@dataclass
class ContainerRuntime:
    """A container of a pod across its restarts."""

    name: str
    init: bool
    restart_count: int = 0
    state: Obj = field(default_factory=lambda: {"waiting": {"reason": "ContainerCreating"}})
    last_state: Obj = field(default_factory=dict)
    instance: Instance | None = None
    image_id: str = ""
    previous_logs: list[tuple[datetime, str]] = field(default_factory=list)
    crash_backoff: float = 0.0
    crash_backoff_until: datetime | None = None
    pull_backoff: float = 0.0
    pull_backoff_until: datetime | None = None
    pulling_until: datetime | None = None
    retry_backoff: float = 0.0  # config errors and the like
    ever_started: bool = False
    last_exit: Obj | None = None  # the latest ``terminated`` record
    exited_at: datetime | None = None  # when that instance ended
    backoff_noticed: bool = False  # the kubelet has decided to wait out this exit's back-off
    pulled: Pulled | None = None
    pull_started: datetime | None = None
    pull_error: str = ""

    @property
    def running(self) -> bool:
        return self.instance is not None

    @property
    def succeeded(self) -> bool:
        exit_record = self.last_exit
        return (
            self.instance is None and exit_record is not None and exit_record.get("exitCode") == 0
        )

    def wait(self, reason: str, message: str = "") -> None:
        """Show ``waiting``; an earlier run moves to ``lastState``, as the kubelet reports it."""
        waiting: Obj = {"reason": reason}
        if message:
            waiting["message"] = message
        self.state = {"waiting": waiting}
        if self.last_exit is not None:
            self.last_state = {"terminated": self.last_exit}

    def exited(self, record: Obj, at: datetime) -> None:
        """Show the run that just ended as ``terminated``, the one before it as ``lastState``."""
        self.last_state = {"terminated": self.last_exit} if self.last_exit is not None else {}
        self.last_exit, self.exited_at = record, at
        self.state = {"terminated": record}
        self.instance = None
        self.backoff_noticed = False

    def status(self, image: str) -> Obj:
        instance = self.instance
        out: Obj = {
            "name": self.name,
            "image": image,
            "imageID": self.image_id,
            "ready": bool(instance and instance.ready),
            "restartCount": self.restart_count,
            "started": bool(instance and instance.started),
            "state": self.state,
            "lastState": self.last_state,
        }
        if instance is not None:
            out["containerID"] = instance.container_id
        elif self.last_exit is not None:
            out["containerID"] = self.last_exit["containerID"]
        return out


@dataclass
class PodRuntime:
    """Everything the kubelet keeps about one pod it runs."""

    uid: str
    namespace: str
    name: str
    node: str
    ip: str
    started_at: datetime
    containers: dict[str, ContainerRuntime] = field(default_factory=dict)
    conditions: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    mounted: bool = False
    mount_retry: float = 0.0
    mount_failing_since: datetime | None = None
    contents: dict[str, str] = field(default_factory=dict)
    phase: str = "Pending"
    reason: str = ""
    message: str = ""
    extra_conditions: list[Obj] = field(default_factory=list)

    def container(self, name: str, *, init: bool) -> ContainerRuntime:
        if name not in self.containers:
            self.containers[name] = ContainerRuntime(name, init)
        return self.containers[name]

    def set_condition(
        self, type_: str, status: str, now: datetime, reason: str = "", message: str = ""
    ) -> None:
        previous = self.conditions.get(type_)
        since = format_time(now) if previous is None or previous[0] != status else previous[1]
        self.conditions[type_] = (status, since, reason, message)

    def condition_list(self) -> list[Obj]:
        order = (
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        )
        out: list[Obj] = []
        for type_ in order:
            if type_ not in self.conditions:
                continue
            status, since, reason, message = self.conditions[type_]
            entry: Obj = {
                "type": type_,
                "status": status,
                "lastProbeTime": None,
                "lastTransitionTime": since,
            }
            if reason:
                entry["reason"] = reason
            if message:
                entry["message"] = message
            out.append(entry)
        return out + self.extra_conditions
