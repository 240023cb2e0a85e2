"""``kubectl get ... -o yaml`` output pasted among the rest, whole or cut short.

Pasted under its command line, such output is the objects themselves. People often paste only
its end, from ``status:`` (or ``spec:``) down, the head being long and "not interesting"; when
the command line names the one pod it printed (``kubectl get pod web-0 -n shop -o yaml``), the
fragment is that pod with the rest unknown, and a warning says so. A fragment the command line
does not name is not guessed at: a warning names its file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from kubemedic.adapters.kubernetes.transcript import Command, Line
from kubemedic.models.findings import ObjectRef
from kubemedic.models.scan_warning import ScanWarning

Raw = dict[str, Any]
_PARTS = {
    "metadata": "labels and owner",
    "spec": "containers, volumes and node",
    "status": "phase and container states",
}
"""The top-level fields a cut ``-o yaml`` may start at, and what each would have shown."""
_POD = frozenset({"pod", "pods", "po"})


@dataclass(frozen=True, slots=True)
class YamlRead:
    objects: tuple[Raw, ...]
    warnings: tuple[ScanWarning, ...]


def read_yaml(lines: Sequence[Line], command: Command, path: Path) -> YamlRead:
    """The objects a pasted ``-o yaml`` (or ``-o json``) output holds."""
    first = lines[0][0] if lines else 0
    shown = f"`kubectl get {' '.join((command.resource, *command.names)).strip()} -o yaml`"
    try:
        documents = list(yaml.load_all("\n".join(t for _, t in lines), Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not YAML"
        line = first + mark.line if mark is not None else first
        said = f"{shown} output could not be read ({problem}): skipped"
        return YamlRead((), (ScanWarning(said, file=str(path), line=line),))
    objects: list[Raw] = []
    warnings: list[ScanWarning] = []
    for document in documents:
        for item in _items(document):
            if _is_object(item):
                objects.append(item)
            elif isinstance(item, dict) and item and set(item) <= _PARTS.keys():
                found = _fragment(item, command, path, first, shown)
                objects.extend(found.objects)
                warnings.extend(found.warnings)
            elif item is not None:
                said = f"{shown} output holds something that is not an object: skipped"
                warnings.append(ScanWarning(said, file=str(path), line=first))
    return YamlRead(tuple(objects), tuple(warnings))


def _items(document: object) -> Iterable[object]:
    """A List's items, or the document itself."""
    if isinstance(document, dict) and str(document.get("kind", "")).endswith("List"):
        items = document.get("items")
        return items if isinstance(items, list) else ()
    return (document,)


def _is_object(item: object) -> TypeGuard[Raw]:
    if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
        return False
    meta = item.get("metadata")
    return isinstance(meta, dict) and isinstance(meta.get("name"), str)


def _fragment(item: Raw, command: Command, path: Path, line: int, shown: str) -> YamlRead:
    """``status:`` (and maybe ``spec:``) of the one pod the command line names."""
    keys = ", ".join(f"`{key}:`" for key in item)
    if command.resource not in _POD or len(command.names) != 1:
        said = (
            f"only part of {shown} output was pasted (from {keys}) and the command line names "
            "no single pod it belongs to: skipped (paste the whole output, or run "
            "kubectl get pod NAME -o yaml)"
        )
        return YamlRead((), (ScanWarning(said, file=str(path), line=line),))
    name = command.names[0]
    meta = item.get("metadata")
    metadata: Raw = {**(meta if isinstance(meta, dict) else {}), "name": name}
    metadata.setdefault("namespace", command.namespace)
    pod = {"apiVersion": "v1", "kind": "Pod", **item, "metadata": metadata}
    unknown = " or ".join(shown for part, shown in _PARTS.items() if part not in item)
    said = f"only {keys} of {shown} was pasted: the pod's {unknown} are unknown"
    ref = ObjectRef("Pod", name, command.namespace or "default")
    return YamlRead((pod,), (ScanWarning(said, file=str(path), line=line, object=ref),))
