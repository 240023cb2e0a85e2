"""``kubectl describe`` output: which kind each described object is, and when it was printed.

Describe text never names the kind, so it is told by the sections only that kind prints
(``Containers``, or ``Start Time`` in an excerpt cut before them, without a ``Pod Template``
is a Pod; ``StrategyType`` a Deployment; ``System Info`` a Node; ``StorageClass`` with
``Access Modes`` a claim; ``Reference`` with replica bounds an HPA; ``Schedule`` with a
``Concurrency Policy`` a CronJob). Other kinds are skipped with a warning. Of a description
pasted without its head, the command line that printed it tells the kind.

It never says when it was printed either, and its event ages count back from that moment.
:func:`printed_at` estimates it from the text alone: no earlier than the latest date it shows,
and, where an age and a date describe the same happening, that date plus that age (a pod's
``Scheduled`` event and its ``Start Time``; a container's last ``Started`` event and the start
its state shows).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.kubectl_names import kind_named
from kubemedic.adapters.kubernetes.describe_cronjob import describe_cronjob
from kubemedic.adapters.kubernetes.describe_hpa import describe_hpa
from kubemedic.adapters.kubernetes.describe_kinds import (
    describe_claim,
    describe_deployment,
    describe_node,
)
from kubemedic.adapters.kubernetes.describe_meta import events_of, table
from kubemedic.adapters.kubernetes.describe_pod import describe_pod
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_date
from kubemedic.adapters.kubernetes.transcript import Command

Raw = dict[str, Any]
Builder = Callable[[Field, Clock], list[Raw]]

_BUILDERS: dict[str, Builder] = {
    "Pod": describe_pod,
    "Deployment": describe_deployment,
    "Node": describe_node,
    "PersistentVolumeClaim": describe_claim,
    "HorizontalPodAutoscaler": describe_hpa,
    "CronJob": describe_cronjob,
}
EVENTS_ALONE = frozenset({"HorizontalPodAutoscaler", "CronJob"})
"""Kinds whose description pasted as its events alone is still read as the object: their
analyzers rest on those events, and read nothing the missing head would show as absent (a
Deployment's would be taken for one of no available replicas)."""
_WORKLOAD_KEYS = frozenset({"Pod Template", "Parallelism", "Completions", "Pods Statuses"})
"""What a Job (which also prints ``Start Time``) or a pod-template owner shows, a Pod never."""
_DATE_KEYS = frozenset({"Start Time", "Started", "Finished", "CreationTimestamp", "RenewTime"})
_EXPIRES = re.compile(r"Terminating \(expires (?P<date>[^)]*)\)")
_TABLE_DATES = ("LASTHEARTBEATTIME", "LASTTRANSITIONTIME")


def kind_of(doc: Field) -> str:
    """The kind of a described object ("" when it is not one kubemedic reads)."""
    keys = {child.key for child in doc.children}
    shows_pod = "Containers" in keys or "Start Time" in keys  # an excerpt may stop early
    if shows_pod and not keys & _WORKLOAD_KEYS and keys & {"Node", "Status", "IP"}:
        return "Pod"
    if keys & {"StrategyType", "NewReplicaSet", "OldReplicaSets"}:
        return "Deployment"
    if keys & {"System Info", "Non-terminated Pods", "Allocatable", "Roles"}:
        return "Node"
    if {"StorageClass", "Access Modes"} <= keys and not keys & {"Claim", "Reclaim Policy"}:
        return "PersistentVolumeClaim"
    if "Reference" in keys and keys & {"Min replicas", "Max replicas", "Metrics"}:
        return "HorizontalPodAutoscaler"
    if "Schedule" in keys and keys & {"Concurrency Policy", "Suspend", "Last Schedule Time"}:
        return "CronJob"
    return ""


def described_kind(command: Command | None) -> str:
    """The kind a ``kubectl describe KIND NAME`` command line names ("" when another, or none)."""
    if command is None or command.verb != "describe":
        return ""
    kind = kind_named(command.resource)
    return kind if kind in _BUILDERS else ""


def build(doc: Field, clock: Clock) -> list[Raw]:
    """The object described and its events (nothing for a kind not read)."""
    builder = _BUILDERS.get(kind_of(doc))
    return builder(doc, clock) if builder is not None else []


def build_events_alone(doc: Field, clock: Clock, kind: str) -> list[Raw]:
    """A description of ``kind`` (told by the command that printed it) pasted as its events
    alone: the events, about that object, and the object itself if its kind is
    :data:`EVENTS_ALONE`."""
    found = _BUILDERS[kind](doc, clock)
    return found if kind in EVENTS_ALONE else found[1:]


def printed_at(docs: list[Field]) -> datetime | None:
    """When kubectl printed these objects, as far as the text tells (None: it does not)."""
    return max((m for doc in docs for m in _moments(doc)), default=None)


def _moments(doc: Field) -> Iterator[datetime]:
    yield from _dates(doc)
    expires = _EXPIRES.search(doc.text("Status"))
    if expires is not None and (moment := parse_date(expires["date"])) is not None:
        yield moment  # a deletion older kubectl shows by its deadline, already passed
    for condition in table(doc.child("Conditions")):
        for column in _TABLE_DATES:
            if (moment := parse_date(condition.get(column, ""))) is not None:
                yield moment
    rows = events_of(doc)
    yield from (m for row in rows for m in (row.last, row.first) if isinstance(m, datetime))
    if kind_of(doc) != "Pod":
        return
    started = parse_date(doc.text("Start Time"))
    for row in rows:
        if row.reason == "Scheduled" and started is not None and isinstance(row.first, float):
            yield started + timedelta(seconds=row.first)
    for container in (*doc.children_of("Init Containers"), *doc.children_of("Containers")):
        latest = _latest_start(container)
        for row in rows:
            if (
                latest is not None
                and row.reason == "Started"
                and isinstance(row.last, float)
                and row.message.split()[-1:] == [container.key]
            ):
                yield latest + timedelta(seconds=row.last)


def _dates(field: Field) -> Iterator[datetime]:
    for child in field.children:
        if child.key in _DATE_KEYS and (moment := parse_date(child.value)) is not None:
            yield moment
        yield from _dates(child)


def _latest_start(container: Field) -> datetime | None:
    """The most recent start of a container its state shows (what its last Started event saw)."""
    starts = [
        parse_date(state.text("Started"))
        for key in ("State", "Last State")
        if (state := container.child(key)) is not None
    ]
    return max((s for s in starts if s is not None), default=None)
