"""The scheduler's FailedScheduling verdict, parsed into what blocked how many nodes.

``0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.`` is a
histogram of per-node filter failures. Reading it as data (blocker kind, node count, the
resource or taint named) is what lets the pending analyzer pick the fixable cause instead of
echoing the message. Older wordings (``had taint {k: v}, that the pod didn't tolerate``,
``didn't match node selector``) and whole-cluster failures (``pod has unbound immediate
PersistentVolumeClaims``) are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Blocker(StrEnum):
    """Why the scheduler rejected a node, in the order its filters run."""

    CORDONED = "cordoned"
    TAINT = "taint"
    NODE_AFFINITY = "node-affinity"
    HOST_PORTS = "host-ports"
    RESOURCES = "resources"
    VOLUME_LIMIT = "volume-limit"
    VOLUME_BINDING = "volume-binding"
    VOLUME_NODE_AFFINITY = "volume-node-affinity"
    TOPOLOGY_SPREAD = "topology-spread"
    POD_AFFINITY = "pod-affinity"
    NO_NODES = "no-nodes"
    OTHER = "other"


CORDON_TAINT = "node.kubernetes.io/unschedulable"

_PREFIX = re.compile(r"^(?:\(combined from similar events\):\s*)?")
_HEAD = re.compile(r"^0/(?P<total>\d+) nodes are available:?\s*(?P<body>.*)$", re.DOTALL)
_PREEMPTION = re.compile(r"\.?\s*preemption:\s*", re.IGNORECASE)
_REPEATED = re.compile(r"\s*\(repeated \d+ times\)")
_ITEM_SPLIT = re.compile(r",\s+(?=\d+ )")
_COUNTED = re.compile(r"^(?P<count>\d+) (?P<text>.+)$", re.DOTALL)
_RESOURCE = re.compile(r"^Insufficient (?P<resource>\S+)$")
_TAINT = re.compile(r"taint(?:s|\(s\))?\s*(?:\{(?P<key>[^:}]*):\s*(?P<value>[^}]*)\})?")

# First match wins: volume node affinity before node affinity, pod affinity before both.
_KINDS: tuple[tuple[re.Pattern[str], Blocker], ...] = (
    (re.compile(r"were unschedulable|node\(s\) unschedulable"), Blocker.CORDONED),
    (re.compile(r"had (?:untolerated )?taint"), Blocker.TAINT),
    (
        re.compile(r"volume node affinity|PersistentVolume's node affinity|volume zone"),
        Blocker.VOLUME_NODE_AFFINITY,
    ),
    (re.compile(r"topology spread"), Blocker.TOPOLOGY_SPREAD),
    (re.compile(r"pod affinity|pod anti-affinity|anti-affinity rules"), Blocker.POD_AFFINITY),
    (
        re.compile(r"node affinity|node selector|requested hostname|NodeAffinity"),
        Blocker.NODE_AFFINITY,
    ),
    (re.compile(r"free ports"), Blocker.HOST_PORTS),
    (re.compile(r"max volume count"), Blocker.VOLUME_LIMIT),
    (
        re.compile(
            r"persistentvolumeclaim|persistent volumes? |binding volumes|ephemeral volume",
            re.IGNORECASE,
        ),
        Blocker.VOLUME_BINDING,
    ),
    (re.compile(r"^Insufficient \S+$|^Too many pods$"), Blocker.RESOURCES),
    (re.compile(r"no nodes available"), Blocker.NO_NODES),
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """One entry of the histogram: how many nodes failed, and why."""

    count: int
    text: str
    blocker: Blocker
    resource: str = ""
    taint_key: str = ""
    taint_value: str = ""

    @property
    def taint(self) -> str:
        """``key=value`` (or ``key``) of the taint the message names; empty if none."""
        if not self.taint_key:
            return ""
        return f"{self.taint_key}={self.taint_value}" if self.taint_value else self.taint_key


@dataclass(frozen=True, slots=True)
class SchedulerVerdict:
    """A parsed FailedScheduling message."""

    message: str
    total_nodes: int | None
    rejections: tuple[Rejection, ...]
    preemption: str = ""

    def of(self, *blockers: Blocker) -> tuple[Rejection, ...]:
        return tuple(r for r in self.rejections if r.blocker in blockers)

    def count(self, blocker: Blocker) -> int:
        return sum(r.count for r in self.of(blocker))

    @property
    def blockers(self) -> frozenset[Blocker]:
        return frozenset(r.blocker for r in self.rejections)

    @property
    def histogram(self) -> dict[str, int]:
        """``{"Insufficient cpu": 1, "node(s) had untolerated taint {...}": 2}``."""
        counts: dict[str, int] = {}
        for rejection in self.rejections:
            counts[rejection.text] = counts.get(rejection.text, 0) + rejection.count
        return counts

    @property
    def summary(self) -> str:
        """The histogram as one readable line, largest count first."""
        ordered = sorted(self.histogram.items(), key=lambda item: -item[1])
        return ", ".join(f"{text} ({count})" if count else text for text, count in ordered)


def parse_scheduler_message(message: str) -> SchedulerVerdict | None:
    """Parse a FailedScheduling / PodScheduled=False message; None when it is empty."""
    text = _REPEATED.sub("", _PREFIX.sub("", message.strip()))
    if not text:
        return None
    main, preemption = _split_preemption(text)
    head = _HEAD.match(main)
    total = int(head.group("total")) if head else None
    body = (head.group("body") if head else main).strip().rstrip(".").strip()
    items = [item.strip() for item in _ITEM_SPLIT.split(body) if item.strip()]
    rejections = tuple(_rejection(item, total) for item in items)
    return SchedulerVerdict(text, total, rejections, preemption.strip().rstrip("."))


def _split_preemption(text: str) -> tuple[str, str]:
    """The verdict, and what the preemption pass concluded (empty when absent)."""
    parts = _PREEMPTION.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


def _rejection(item: str, total: int | None) -> Rejection:
    counted = _COUNTED.match(item)
    count, text = (int(counted["count"]), counted["text"]) if counted else (total or 0, item)
    text = text.strip().rstrip(".")
    blocker = next((b for pattern, b in _KINDS if pattern.search(text)), Blocker.OTHER)
    if blocker is Blocker.RESOURCES:
        resource = _RESOURCE.match(text)
        return Rejection(
            count, text, blocker, resource=resource["resource"] if resource else "pods"
        )
    if blocker is Blocker.TAINT:
        taint = _TAINT.search(text)
        key = (taint["key"] or "").strip() if taint else ""
        value = (taint["value"] or "").strip() if taint else ""
        if key == CORDON_TAINT:
            blocker = Blocker.CORDONED
        return Rejection(count, text, blocker, taint_key=key, taint_value=value)
    return Rejection(count, text, blocker)
