"""Which kind of object a pasted ``kubectl get`` table lists, from its header.

Each kind has its own columns (``STATUS VOLUME CAPACITY`` for claims, ``ROLES VERSION`` for
nodes, ``UP-TO-DATE AVAILABLE`` for Deployments); kubectl has printed a few of them under other
names over the years (``DESIRED CURRENT`` before ``READY``). Where a header fits several kinds
(``NAME READY AGE``), the command line or the ``kind/`` prefix ``kubectl get all`` writes before
each name settles it. Kept apart from the readers so that ``transcript`` can cut a paste at each
table cheaply.
"""

from __future__ import annotations

import re

from kubemedic._internal.kubectl_names import kind_named

_READ = frozenset(
    {
        "PersistentVolumeClaim",
        "PersistentVolume",
        "Node",
        "Deployment",
        "StatefulSet",
        "ReplicaSet",
        "DaemonSet",
        "StorageClass",
        "Job",
    }
)
"""The kinds whose ``kubectl get`` tables are read (pods and events have their own readers)."""
GENERATED = "bcdfghjklmnpqrstvwxz2456789"
"""The alphabet of the suffixes controllers generate for names, and of pod-template hashes."""
_HEADER_CELL = re.compile(r"[A-Z][A-Z0-9()-]*(?: [A-Z][A-Z0-9()-]*)?")
_GAP = re.compile(r"\s{2,}|\t+")


def kind_of_resource(word: str) -> str:
    """``deploy``, ``deployment.apps``, ``pvc``, ...: the kind the word names ("" if none read)."""
    kind = kind_named(word)
    return kind if kind in _READ else ""


def header_cells(line: str) -> frozenset[str] | None:
    """The column names of a table header (upper case, without spaces); None if not one.

    A header is upper-case words in columns, the first being ``NAME`` (or ``NAMESPACE``).
    """
    cells = [cell for cell in _GAP.split(line.strip()) if cell]
    if len(cells) < 3 or cells[0] not in ("NAME", "NAMESPACE"):
        return None
    if not all(_HEADER_CELL.fullmatch(cell) for cell in cells):
        return None
    return frozenset(cell.replace(" ", "") for cell in cells)


def table_kind(names: frozenset[str], resource: str = "") -> str:
    """The kind of objects a table with these columns lists ("" when not one read here).

    ``resource`` is what the command line asked for, or the prefix of the first row's name.
    """
    asked = kind_of_resource(resource)
    if {"VOLUME", "CAPACITY"} <= names and "STATUS" in names:
        return "PersistentVolumeClaim"
    if {"CAPACITY", "RECLAIMPOLICY", "CLAIM"} <= names:
        return "PersistentVolume"
    if "PROVISIONER" in names:
        return "StorageClass"
    if "STATUS" in names and ({"ROLES", "VERSION"} & names or asked == "Node"):
        return "" if "READY" in names else "Node"
    if "NODESELECTOR" in names and {"DESIRED", "CURRENT"} <= names:
        return "DaemonSet"
    if {"UP-TO-DATE", "AVAILABLE"} <= names and "STATUS" not in names:
        return "Deployment"
    if {"DESIRED", "CURRENT", "READY"} <= names:
        return "ReplicaSet"
    if names - {"NAMESPACE", "CONTAINERS", "IMAGES"} == {"NAME", "READY", "AGE"}:
        return "StatefulSet"
    if names - {"NAMESPACE"} == {"NAME", "DESIRED", "CURRENT", "AGE"}:
        # a StatefulSet, or a ReplicaSet before kubectl 1.6 printed READY
        return asked if asked in ("StatefulSet", "ReplicaSet") else ""
    return ""
