"""``kubectl get pvc``, ``pv``, ``nodes`` and workload tables as objects.

A table row shows a few fields of its object, each in a column kubectl names (printers.go):
a claim's phase, volume and class; a node's readiness and whether it is cordoned; how many of a
workload's replicas are ready, up to date and available. Each row becomes the object with just
those fields, so the analyzers see a Pending claim, a NotReady node or a Deployment with no
available replica; what the table does not print (a claim's events, why a node is NotReady,
a workload's template) stays absent, and a warning says so. A column kubemedic does not know is
not guessed at: it is named in a warning.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubemedic.adapters.kubernetes.columns import Columns, is_rule
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_age
from kubemedic.adapters.kubernetes.row_fields import COLUMNS, READERS, Cells
from kubemedic.adapters.kubernetes.table_kinds import (
    GENERATED,
    header_cells,
    kind_of_resource,
    table_kind,
)
from kubemedic.adapters.kubernetes.transcript import Command, Line, table_resource
from kubemedic.models.findings import ObjectRef
from kubemedic.models.scan_warning import ScanWarning

Raw = dict[str, Any]

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
_REPLICA_SET = re.compile(rf"(?P<deployment>.+)-(?P<hash>[{GENERATED}]{{6,10}})")
"""A ReplicaSet named ``<deployment>-<pod-template-hash>``."""
_API = {
    "PersistentVolumeClaim": "v1",
    "PersistentVolume": "v1",
    "Node": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "StorageClass": "storage.k8s.io/v1",
}
_UNSHOWN = {
    "PersistentVolumeClaim": "a claim's requested size, the access modes of an unbound claim",
    "PersistentVolume": "a volume's source and node affinity",
    "Node": "why a node is NotReady (its conditions' reasons), its taints, labels and "
    "allocatable resources",
    "Deployment": "pod template, selector and conditions",
    "StatefulSet": "pod template, selector and update revisions",
    "ReplicaSet": "pod template and selector",
    "DaemonSet": "pod template and selector",
    "StorageClass": "parameters and allowed topologies",
}
"""What a table of each kind never prints, and stays unknown."""


@dataclass(frozen=True, slots=True)
class TableObject:
    """One row of a table, as the object it shows; dated once the paste's date is known."""

    raw: Raw
    age: float | None
    line: int
    terminating: bool = False
    """STATUS ``Terminating``: being deleted (since when is unknown), its phase not shown."""

    def dated(self, clock: Clock) -> Raw:
        raw = copy.deepcopy(self.raw)
        meta = raw["metadata"]
        if (created := clock.ago(self.age)) is not None:
            meta["creationTimestamp"] = created
        if self.terminating:
            meta["deletionTimestamp"] = clock.ago(0)
        return raw


@dataclass(frozen=True, slots=True)
class TableRead:
    objects: tuple[TableObject, ...]
    warnings: tuple[ScanWarning, ...]
    complete: str = ""
    """The kind of which the table lists every object of the cluster ("" when it may not):
    a StorageClass table printed whole by ``kubectl get sc``, so a class it lacks is absent."""


def read_table(lines: Sequence[Line], command: Command | None, path: Path) -> TableRead:
    """The objects of one table (header first), and what it leaves unknown."""
    rows = [(n, text) for n, text in lines if text.strip() and not is_rule(text.strip())]
    names = header_cells(rows[0][1]) if rows else None
    if names is None:
        return TableRead((), ())
    kind = table_kind(names, table_resource([text for _, text in rows[1:2]], command))
    reader = READERS.get(kind)
    if reader is None:
        return TableRead((), ())
    columns = Columns.of(rows[0][1])
    found: list[TableObject] = []
    unread: list[int] = []
    for number, text in rows[1:]:
        cells = columns.cells(text, _optional(kind, columns, text))
        if cells is None or not cells.get("NAME"):
            unread.append(number)
            continue
        found.append(_object(kind, reader, cells, command, number))
    warnings = tuple(_warnings(path, rows[0][0], kind, columns, found, unread))
    whole = kind == "StorageClass" and not unread and _whole_listing(command)
    return TableRead(tuple(found), warnings, kind if whole else "")


def _whole_listing(command: Command | None) -> bool:
    """``kubectl get sc``: no names, no selector, nothing piped through (``| grep``)."""
    return (
        command is not None
        and kind_of_resource(command.resource) == "StorageClass"
        and not command.names
        and not command.selector
    )


def _optional(kind: str, columns: Columns, row: str) -> tuple[str, ...]:
    """Columns a row may leave empty: a claim's volume, size and modes until it binds, and
    its class when it names none."""
    if kind == "PersistentVolumeClaim":
        words = row.split()
        at = columns.names.index("STATUS")
        if len(words) > at and words[at] == "Bound":
            return ("STORAGECLASS",)
        return ("VOLUME", "CAPACITY", "ACCESSMODES", "STORAGECLASS")
    if kind == "PersistentVolume":
        return ("CLAIM", "STORAGECLASS", "REASON")
    return ()


def _object(
    kind: str, reader: Callable[[Cells], Raw], cells: Cells, command: Command | None, line: int
) -> TableObject:
    raw = reader(cells)
    name = cells["NAME"]
    prefix, _, rest = name.partition("/")
    name = rest if rest and kind_of_resource(prefix) == kind else name
    meta: Raw = {"name": name}
    if kind == "StorageClass" and name.endswith(" (default)"):
        meta["name"] = name.removesuffix(" (default)")
        meta["annotations"] = {DEFAULT_CLASS: "true"}
    elif kind not in ("Node", "PersistentVolume", "StorageClass"):
        meta["namespace"] = cells.get("NAMESPACE") or (command.namespace if command else "")
    meta.update(raw.pop("metadata", {}))
    body = {"apiVersion": _API[kind], "kind": kind, "metadata": meta, **raw}
    if kind == "ReplicaSet":
        body["metadata"].update(_deployment_of(name))
    terminating = cells.get("STATUS") == "Terminating" and kind.startswith("Persistent")
    return TableObject(body, parse_age(cells.get("AGE", "")), line, terminating)


def _warnings(
    path: Path,
    header: int,
    kind: str,
    columns: Columns,
    found: Sequence[TableObject],
    unread: Sequence[int],
) -> Iterable[ScanWarning]:
    where = str(path)
    unknown = [name for name in columns.names if name not in COLUMNS[kind]]
    if unknown:
        yield ScanWarning(
            f"column(s) {', '.join(unknown)} of a {kind} table are not ones kubemedic reads: "
            "what they show is unknown",
            file=where,
            line=header,
        )
    for number in unread:
        yield ScanWarning(
            f"a row of a {kind} table could not be cut into its columns: skipped",
            file=where,
            line=number,
        )
    if found:
        yield ScanWarning(
            f"{len(found)} {kind}(s) read from a kubectl get table, which does not show "
            f"{_UNSHOWN[kind]}: unknown",
            file=where,
            line=header,
        )
    for row in found:
        status = row.raw.get("status", {})
        ready = [c for c in status.get("conditions", ()) if c["type"] == "Ready"]
        if kind == "Node" and (not ready or ready[0]["status"] != "True"):
            yield ScanWarning(
                "the table shows this node is not Ready but not why (the Ready condition's "
                "reason and message, or whether the kubelet stopped reporting): "
                f"kubectl describe node {row.raw['metadata']['name']} shows it",
                file=where,
                line=row.line,
                object=ObjectRef("Node", row.raw["metadata"]["name"], ""),
                field="status.conditions",
            )


def _deployment_of(name: str) -> Raw:
    """A ReplicaSet named ``<deployment>-<hash>`` belongs to that Deployment."""
    shown = _REPLICA_SET.fullmatch(name)
    if shown is None:
        return {}
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": shown["deployment"]}
    return {
        "labels": {"pod-template-hash": shown["hash"]},
        "ownerReferences": [{**owner, "controller": True}],
    }


_NAMED_AFTER = {
    "StatefulSet": re.compile(r"(?P<owner>.+)-\d+"),
    "DaemonSet": re.compile(rf"(?P<owner>.+)-[{GENERATED}]{{5}}"),
}
"""How each controller names its pods: ``<set>-<ordinal>``, ``<set>-<5 generated characters>``."""


def adopt(objects: Sequence[Raw]) -> None:
    """Give each pod that shows no owner the StatefulSet or DaemonSet of the paste its name
    was made from, so it counts among that workload's replicas (``kubectl get pods`` rows
    name no owner; a description's ``Controlled By`` does, and is kept)."""
    owners = {
        (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        for obj in objects
        if obj["kind"] in _NAMED_AFTER
    }
    if not owners:
        return
    for pod in objects:
        meta = pod["metadata"]
        if pod["kind"] != "Pod" or meta.get("ownerReferences"):
            continue
        for kind, pattern in _NAMED_AFTER.items():
            named = pattern.fullmatch(meta["name"])
            if named and (kind, meta.get("namespace", ""), named["owner"]) in owners:
                owner = {"apiVersion": "apps/v1", "kind": kind, "name": named["owner"]}
                meta["ownerReferences"] = [{**owner, "controller": True}]
                break
