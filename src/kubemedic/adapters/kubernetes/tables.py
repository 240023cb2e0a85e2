"""``kubectl get pods`` (plain or ``-o wide``) and ``kubectl get events`` tables as objects.

A pods table names each pod, its node and IP, how many containers are ready, its restarts
and a one-word status; not which container is failing, nor why. So a pod known only from a
table gets the phase, readiness and pod-level reason its status word implies, and a word that
is a container's reason is kept as the table showed it (``models.table_status``). A pod of one
app container (READY ``x/1``) whose word is how a container crashes gets that container's
status, with the row's restarts and the state the word is (``CRASH_WORDS``), and no name
unless a pasted ``kubectl logs POD -c NAME`` of the pod gives it; of other pods nothing about
the containers is known (``pasted`` says so). A pod listed again by ``kubectl get pods -w``
is what its last row shows. A name built the way a ReplicaSet names its pods
(``<set>-<5 generated characters>``, the set being ``<deployment>-<template hash>``) gives the
pod its ReplicaSet, so it counts among its Deployment's replicas. An events table gives whole
events; the object each is about comes from its ``OBJECT`` (``pod/x``) or ``NAME`` and
``KIND`` columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.adapters.kubernetes.columns import Columns, is_rule
from kubemedic.adapters.kubernetes.event_rows import EventRow, event_rows
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_age
from kubemedic.adapters.kubernetes.transcript import HEADLESS_POD_ROW, Line
from kubemedic.models.table_status import CRASH_WORDS
from kubemedic.models.table_status import KEY as TABLE_STATUS

Raw = dict[str, Any]

_PHASES = {
    "Running": "Running",
    "Completed": "Succeeded",
    "Succeeded": "Succeeded",
    "Pending": "Pending",
    "Failed": "Failed",
    "Unknown": "Unknown",
}
"""Status words that are the pod's phase."""
_WAITING_TO_START = frozenset(
    {
        "ContainerCreating",
        "PodInitializing",
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "SchedulingGated",
    }
)
_POD_REASONS = frozenset(
    {
        "Evicted",
        "NodeLost",
        "NodeAffinity",
        "OutOfcpu",
        "OutOfmemory",
        "OutOfpods",
        "UnexpectedAdmissionError",
        "Shutdown",
        "Terminated",
    }
)
"""Status words that are the pod's own ``status.reason`` (the pod is Failed, or Unknown)."""
_GENERATED = "bcdfghjklmnpqrstvwxz2456789"
"""The alphabet of generated name suffixes and pod-template hashes."""
_POD_KIND = re.compile(r"^(?:pods?|po)/")
"""``kubectl get all`` names each row with its kind (``pod/web-0``; ``po/web-0`` before 1.10)."""
_READY = re.compile(r"\d+/\d+")
_REPLICASET_POD = re.compile(rf"(?P<set>.+-(?P<hash>[{_GENERATED}]{{6,10}}))-[{_GENERATED}]{{5}}")


@dataclass(frozen=True, slots=True)
class PodRow:
    """One row of a pods table."""

    namespace: str
    name: str
    ready: int
    containers: int
    status: str
    restarts: int
    age: float | None
    ip: str
    node: str
    line: int

    @property
    def container_level(self) -> bool:
        """The status word is about a container the table does not name."""
        return (
            self.status not in _PHASES
            and self.status not in _POD_REASONS
            and (self.status != "Terminating")
        )


def pod_rows(lines: Sequence[Line], namespace: str) -> list[PodRow]:
    """The rows of a pods table (header first); ``namespace`` when it has no such column."""
    rows = [(n, text) for n, text in lines if text.strip() and not is_rule(text.strip())]
    if not rows:
        return []
    headless = HEADLESS_POD_ROW.fullmatch(rows[0][1]) is not None
    columns = Columns.of(rows[0][1])
    found: list[PodRow] = []
    for number, text in rows if headless else rows[1:]:
        cells = _headless_cells(text) if headless else columns.cells(text)
        if not headless and not _fits(cells):  # a row ``-w`` printed, aligned on its own
            cells = _headless_cells(text) or cells
        if cells is None or not cells.get("NAME"):
            continue
        ready, _, total = cells.get("READY", "").partition("/")
        restarts = cells.get("RESTARTS", "").split(" ", 1)[0]
        found.append(
            PodRow(
                namespace=cells.get("NAMESPACE") or namespace,
                name=_POD_KIND.sub("", cells["NAME"]),
                ready=int(ready) if ready.isdigit() else 0,
                containers=int(total) if total.isdigit() else 0,
                status=cells.get("STATUS", ""),
                restarts=int(restarts) if restarts.isdigit() else 0,
                age=parse_age(cells.get("AGE", "")),
                ip=_shown(cells.get("IP", "")),
                node=_shown(cells.get("NODE", "")),
                line=number,
            )
        )
    return found


def pod_of(row: PodRow, clock: Clock, container: str = "") -> Raw:
    """The pod a row shows: phase, readiness and pod-level reason; the container a crash
    word is about when the pod has one (named ``container`` when the paste names it, as its
    ``kubectl logs -c`` does), else nothing of its containers."""
    meta: Raw = {"name": row.name, "namespace": row.namespace}
    if (created := clock.ago(row.age)) is not None:
        meta["creationTimestamp"] = created
    meta.update(replica_set_pod(row.name))
    status: Raw = {}
    phase = _PHASES.get(row.status, "")
    if row.status in _WAITING_TO_START or row.status.startswith("Init:"):
        phase = "Pending"
    if row.status in _POD_REASONS:
        status["reason"] = row.status
        phase = "Unknown" if row.status == "NodeLost" else "Failed"
    if row.status == "Terminating":
        meta["deletionTimestamp"] = clock.ago(0)
    if row.container_level:
        status[TABLE_STATUS] = row.status
    if row.containers == 1 and row.status in CRASH_WORDS:
        status["containerStatuses"] = [_one_container(row, container)]
    if phase:
        status["phase"] = phase
    if row.containers:
        ready = "True" if row.ready == row.containers else "False"
        status["conditions"] = [
            {"type": "Ready", "status": ready},
            {"type": "ContainersReady", "status": ready},
        ]
    if row.ip:
        status["podIP"] = row.ip
    spec: Raw = {"nodeName": row.node} if row.node else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def _one_container(row: PodRow, name: str) -> Raw:
    """The status of the one app container of a row whose word is how it crashes: its state,
    readiness and restarts; its name only if the paste gives it ("": unknown)."""
    state = {key: dict(value) for key, value in CRASH_WORDS[row.status].items()}
    ready = row.ready == row.containers
    return {"name": name, "ready": ready, "restartCount": row.restarts, "state": state}


def _fits(cells: dict[str, str] | None) -> bool:
    """The cells cut at the header's columns are what they are headed (``kubectl get pods -w``
    aligns each new row on its own widths, which may put blanks where the header cuts)."""
    if cells is None:
        return False
    restarts = cells.get("RESTARTS", "0")[:1]
    age = cells.get("AGE")
    return (
        _READY.fullmatch(cells.get("READY", "0/0")) is not None
        and restarts.isdigit()
        and (age is None or parse_age(age) is not None or age.startswith("<"))
    )


def _headless_cells(row: str) -> dict[str, str] | None:
    """The cells of a row pasted without its header, in the order kubectl prints them."""
    shown = HEADLESS_POD_ROW.fullmatch(row)
    return None if shown is None else {k: v for k, v in shown.groupdict().items() if v}


def replica_set_pod(name: str) -> Raw:
    """The label and owner of a pod named ``<replicaset>-<suffix>``, the set being
    ``<deployment>-<hash>`` (nothing for another name)."""
    generated = _REPLICASET_POD.fullmatch(name)
    if generated is None:
        return {}
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": generated["set"]}
    return {
        "labels": {"pod-template-hash": generated["hash"]},
        "ownerReferences": [{**owner, "controller": True}],
    }


def table_events(lines: Sequence[Line]) -> list[EventRow]:
    """The rows of an events table (header first)."""
    texts = [text for _, text in lines]
    first = lines[0][0] if lines else 0
    return list(event_rows(texts, first))


def _shown(text: str) -> str:
    return "" if text in ("<none>", "<unknown>", "<pending>") else text
