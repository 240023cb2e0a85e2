"""A pod's ``kubectl describe`` output pasted without its head: which pod, and what it shows.

Reports often quote only the end of a description: its ``Events`` table, or its containers,
conditions and tolerations. The pod is then the one a command line of the paste describes, else
the one its ``Scheduled`` event assigns (``Successfully assigned shop/web-1 to node-a``), else
the only pod the paste names elsewhere (a ``get pods`` table, a command line), else the one
pod the kubelet's messages name (``in pod web-1_shop(<uid>)``); when nothing names it, it is
called ``POD``, the placeholder of the runbooks, and a warning says so. Its namespace comes from
the same places, or from the ``"<name>_<namespace>(<uid>)"`` older kubelets wrote into their
messages.

A pod named the way a ReplicaSet names its pods belongs to it, as in a ``get pods`` table.
What the missing head would say stays unknown, except what the events state outright: the node
its ``Scheduled`` event names; a pod whose last scheduling attempt failed and that no event
shows placed is Pending and unschedulable, with the scheduler's message, as the API would show
it; a pod whose latest event is a failure that keeps it from running (a volume that cannot be
mounted, an image that cannot be pulled, a container backing off or failing its probes) is not
Ready, and Pending while no container was created; containers the events name
(``excerpt_containers``) are what their events say.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic.adapters.kubernetes.describe_meta import events_of
from kubemedic.adapters.kubernetes.describe_pod import describe_pod
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.event_rows import EventRow
from kubemedic.adapters.kubernetes.excerpt_containers import BEFORE_START, containers_from_events
from kubemedic.adapters.kubernetes.kubectl_time import Clock
from kubemedic.adapters.kubernetes.tables import replica_set_pod
from kubemedic.adapters.kubernetes.transcript import Command

Raw = dict[str, Any]

PLACEHOLDER = "POD"
_POD_RESOURCES = frozenset({"pod", "pods", "po"})
_ASSIGNED = re.compile(r"Successfully assigned (?:(?P<namespace>[^/\s]+)/)?(?P<name>[^/\s]+) to ")
"""The scheduler's ``Scheduled`` message (older schedulers left the namespace out)."""
_SCHEDULING = frozenset({"Scheduled", "FailedScheduling"})
_NOT_READY = frozenset(
    {
        "FailedMount",
        "FailedAttachVolume",
        "FailedCreatePodSandBox",
        "Failed",
        "BackOff",
        "FailedSync",
        "InspectFailed",
        "ErrImageNeverPull",
        "Unhealthy",
    }
)
"""Warnings that, while they are the latest, mean the pod cannot be Ready."""


@dataclass(frozen=True, slots=True)
class ExcerptPod:
    """Which pod an excerpt describes, and whether the paste named it at all."""

    name: str
    namespace: str
    """"" when the paste does not show it."""
    named: bool


def pod_of_excerpt(doc: Field, command: Command | None, mentioned: Collection[str]) -> ExcerptPod:
    """The pod ``doc`` describes; ``mentioned``: the pods the rest of the paste names."""
    rows = events_of(doc)
    name, namespace = "", command.namespace if command is not None else ""
    if command is not None and command.verb == "describe" and command.resource in _POD_RESOURCES:
        name = command.names[0] if len(command.names) == 1 else ""
    for row in rows:
        assigned = _ASSIGNED.match(row.message) if row.reason == "Scheduled" else None
        if assigned is not None:
            name = name or assigned["name"]
            namespace = namespace or assigned["namespace"] or ""
    if not name and len(set(mentioned)) == 1:
        name = next(iter(mentioned))
    if not name:
        name, namespace = _kubelet_named(rows) or (name, namespace)
    if name and not namespace:
        namespace = kubelet_namespace(name, rows)
    return ExcerptPod(name or PLACEHOLDER, namespace, bool(name))


def name_excerpt(doc: Field, pod: ExcerptPod) -> None:
    """Give ``doc`` the ``Name`` (and ``Namespace``) lines its paste left out."""
    line = doc.children[0].line if doc.children else 0
    head = [Field("Name", pod.name, line, 0)]
    if pod.namespace:
        head.append(Field("Namespace", pod.namespace, line, 0))
    doc.children[:0] = head


def describe_excerpt(doc: Field, clock: Clock) -> list[Raw]:
    """The pod and its events, with the status its events state outright."""
    found = describe_pod(doc, clock)
    status, spec = found[0]["status"], found[0]["spec"]
    rows = events_of(doc)
    _place(found[0], rows)
    unschedulable = _unschedulable(doc, rows)
    shown = status.get("conditions", [])
    if doc.text("Status") or shown:  # the excerpt shows the state: the events only explain it
        for condition in shown:
            if unschedulable is not None and condition == {
                "type": "PodScheduled",
                "status": "False",
            }:
                condition.update(unschedulable)
                status.setdefault("phase", "Pending")  # an unscheduled pod is Pending
        return found
    named = containers_from_events(rows)
    if doc.child("Containers") is None and doc.child("Init Containers") is None:
        for group, specs in named.specs.items():
            spec[group] = specs
        status.update(named.statuses)
    if unschedulable is not None:
        status["phase"] = "Pending"
        status["conditions"] = [unschedulable]
    elif any(reason in BEFORE_START for reason in named.waiting):
        status["phase"] = "Pending"
        status["conditions"] = [
            {"type": kind, "status": "False", "reason": "ContainersNotReady"}
            for kind in ("Ready", "ContainersReady")
        ]
    elif (failing := _failing(rows)) is not None:
        started = any(row.reason in ("Created", "Started") for row in rows)
        status.setdefault("phase", "Running" if started else "Pending")
        status["conditions"] = [
            {"type": kind, "status": "False", "reason": failing.reason}
            for kind in ("Ready", "ContainersReady")
        ]
    return found


def _place(pod: Raw, rows: list[EventRow]) -> None:
    """The ReplicaSet its name says it belongs to, and the node its ``Scheduled`` event names
    (else the node whose kubelet reported its events)."""
    meta, spec = pod["metadata"], pod["spec"]
    inferred = replica_set_pod(meta["name"])
    if inferred and "ownerReferences" not in meta:
        meta["ownerReferences"] = inferred["ownerReferences"]
        meta["labels"] = {**inferred["labels"], **meta.get("labels", {})}
    for row in rows:
        assigned = _ASSIGNED.match(row.message) if row.reason == "Scheduled" else None
        if assigned is not None and "nodeName" not in spec:
            spec["nodeName"] = row.message[assigned.end() :].split()[0]
    hosts = {row.host for row in rows if row.component == "kubelet" and row.host}
    if "nodeName" not in spec and len(hosts) == 1:  # a kubelet only reports its own pods
        spec["nodeName"] = hosts.pop()


def _failing(rows: list[EventRow]) -> EventRow | None:
    """The latest event, when it is a failure that keeps a pod from being Ready: its volumes
    cannot be mounted, its image pulled, its containers created, or they crash or fail their
    probes."""
    newest = max(map(_recency, rows), default=None)
    latest = [row for row in rows if _recency(row) == newest]
    return next((r for r in latest if r.type == "Warning" and r.reason in _NOT_READY), None)


def _recency(row: EventRow) -> float:
    last = row.last if row.last is not None else row.first
    if isinstance(last, datetime):
        return last.timestamp()
    return -last if last is not None else float("-inf")


def _unschedulable(doc: Field, rows: list[EventRow]) -> Raw | None:
    """The PodScheduled condition of a pod whose last scheduling event is a failure."""
    scheduling = [row for row in rows if row.reason in _SCHEDULING]
    if doc.text("Node") or not scheduling:
        return None
    last = scheduling[-1]
    if last.reason != "FailedScheduling":
        return None
    return {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": last.message,
    }


_KUBELET_POD = re.compile(
    r"\bpod[= ]\"?(?P<name>[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)"
    r"_(?P<namespace>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\("
)
"""How the kubelet names a pod in its messages: ``... in pod web-1_shop(<uid>)``, and in
older ones ``pod=web-1_shop(<uid>)``."""


def _kubelet_named(rows: list[EventRow]) -> tuple[str, str] | None:
    """The one pod (name, namespace) the kubelet's messages name, if they name exactly one."""
    named = {
        (m["name"], m["namespace"]) for row in rows for m in _KUBELET_POD.finditer(row.message)
    }
    return next(iter(named)) if len(named) == 1 else None


def kubelet_namespace(name: str, rows: list[EventRow]) -> str:
    """The namespace in ``"<name>_<namespace>(<uid>)"`` (or ``pod=<name>_<namespace>(<uid>)``),
    how older kubelets named pods."""
    pattern = re.compile(rf'(?:"|\bpod[= ]"?){re.escape(name)}_(?P<namespace>[a-z0-9-]+)\(')
    found = (pattern.search(row.message) for row in rows)
    return next((m["namespace"] for m in found if m is not None), "")
