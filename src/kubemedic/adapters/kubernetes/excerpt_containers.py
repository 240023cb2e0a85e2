"""The containers of a pod known only from its events, when the events name them.

An event about one container carries its path (``spec.containers{web}``), which old event
tables print in a column and recent kubectl before the message. When a pasted excerpt shows the
events but not the containers, each container so named is what its events say: its image (the
one the kubelet pulled or failed to pull) and, when its latest event is a failure, the reason
it waits in, with the message the kubelet gave, as the container's status would show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubemedic.adapters.kubernetes.event_rows import EventRow

Raw = dict[str, Any]

_PATH = re.compile(r"spec\.(?P<group>initContainers|containers)\{(?P<name>[^}]+)\}")
_IMAGE = re.compile(
    r"(?:Pulling image|Failed to pull image|Successfully pulled image|Back-off pulling image|"
    r'Container image) "(?P<image>[^"]+)"'
)
_WAITING = (
    (re.compile(r"Back-off pulling image|Error: ImagePullBackOff"), "ImagePullBackOff"),
    (re.compile(r"Failed to pull image|Error: ErrImagePull"), "ErrImagePull"),
    (re.compile(r"Error: InvalidImageName|Failed to apply default image tag"), "InvalidImageName"),
    (
        re.compile(r"Error: (?:configmaps? |secrets? |couldn't find key )"),
        "CreateContainerConfigError",
    ),
    (re.compile(r"Back-off restarting failed container"), "CrashLoopBackOff"),
)
_BARE = frozenset({"Error: ErrImagePull", "Error: ImagePullBackOff"})
"""Failures that only repeat the reason: the message to keep is the one before them."""
BEFORE_START = frozenset(
    {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError"}
)
"""Reasons a container waits in before it ever ran: its pod is still Pending."""


@dataclass(frozen=True, slots=True)
class EventContainers:
    """Containers named by events: their spec entries and, where known, their statuses."""

    specs: dict[str, list[Raw]]
    """By group: ``containers`` and ``initContainers``."""
    statuses: dict[str, list[Raw]]
    """By group: ``containerStatuses`` and ``initContainerStatuses``."""

    @property
    def waiting(self) -> list[str]:
        return [
            s["state"]["waiting"]["reason"]
            for group in self.statuses.values()
            for s in group
            if "waiting" in s["state"]
        ]


def containers_from_events(rows: Iterable[EventRow]) -> EventContainers:
    """The containers the events name, in the order they first appear."""
    named: dict[tuple[str, str], list[EventRow]] = {}
    for row in rows:
        path = _PATH.fullmatch(row.field_path)
        if path is not None:
            named.setdefault((path["group"], path["name"]), []).append(row)
    specs: dict[str, list[Raw]] = {}
    statuses: dict[str, list[Raw]] = {}
    for (group, name), events in named.items():
        images = [m["image"] for e in events if (m := _IMAGE.search(e.message))]
        spec: Raw = {"name": name, **({"image": images[-1]} if images else {})}
        specs.setdefault(group, []).append(spec)
        waiting = _waiting(events)
        if waiting is not None:
            status: Raw = {"name": name, "ready": False, "restartCount": 0, "state": waiting}
            if images:
                status["image"] = images[-1]
            key = "initContainerStatuses" if group == "initContainers" else "containerStatuses"
            statuses.setdefault(key, []).append(status)
    return EventContainers(specs, statuses)


def _waiting(events: list[EventRow]) -> Raw | None:
    """The waiting state the latest failure of a container puts it in (None: not failing)."""
    latest = events[-1]
    if latest.type != "Warning":
        return None
    reason = next((r for pattern, r in _WAITING if pattern.search(latest.message)), None)
    if reason is None:
        return None
    detail = next(
        (e.message for e in reversed(events) if e.type == "Warning" and e.message not in _BARE),
        latest.message,
    )
    return {"waiting": {"reason": reason, "message": detail}}
