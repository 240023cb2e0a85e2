"""Parse one YAML or JSON file into documents, with errors that point at the line.

JSON (whatever the file is called) goes through orjson, which is what keeps a 10,000-pod
``cluster-info dump`` fast; YAML goes through libyaml's C loader. When a document turns out
not to be a Kubernetes object, the file is composed again (only then, so the fast path pays
nothing) to find the line where that document or list item starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from kubemedic.errors import InputError

_FIRST_CHARACTER = re.compile(rb"\S")


@dataclass(frozen=True, slots=True)
class Manifest:
    """The documents of one file, in order (empty YAML documents kept as None)."""

    path: Path
    documents: tuple[Any, ...]
    data: bytes

    def reject(self, document: int, item: int | None, problem: str) -> InputError:
        """An error naming the document (and list item) that is not a Kubernetes object."""
        where = f"items[{item}]" if item is not None else ""
        if len(self.documents) > 1:
            where = f"{where} of document {document + 1}" if where else f"document {document + 1}"
        message = f"{where}: {problem}" if where else problem
        text = self.data.decode("utf-8", errors="replace")
        return InputError(message, path=str(self.path), line=_line_of(text, document, item))


def unreadable(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot read: {exc.strerror or exc}", path=str(path))


def parse(path: Path) -> Manifest:
    """Read and parse a manifest file; InputError (with file and line) when it cannot be."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    first = _FIRST_CHARACTER.search(data)
    if first is None:
        return Manifest(path, (), data)
    if data[first.start()] in b"{[":
        try:
            return Manifest(path, (orjson.loads(data),), data)
        except orjson.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise InputError(
                    f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
                    f"(character {exc.pos})",
                    path=str(path),
                    line=exc.lineno,
                ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}): not a YAML or JSON file", path=str(path)
        ) from exc
    return Manifest(path, _load_yaml(path, text), data)


def _load_yaml(path: Path, text: str) -> tuple[Any, ...]:
    import yaml  # imported on first use: the CLI starts without it

    try:
        return tuple(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            context = f"{context} started at line {context_mark.line + 1}"
        detail = f"{problem} ({context})" if context else problem
        where = f" (column {mark.column + 1})" if mark is not None else ""
        raise InputError(
            f"not valid YAML{where}: {detail}",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from exc


def _line_of(text: str, document: int, item: int | None) -> int | None:
    """The 1-based line where a document (or one of its ``items``) starts, if it can be told."""
    import yaml

    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=yaml.CSafeLoader)):
            if index == document:
                found = _items_entry(node, item) if item is not None else node
                return found.start_mark.line + 1 if found is not None else None
    except yaml.YAMLError:
        return None
    return None


def _items_entry(node: Any, item: int) -> Any:
    """The node of ``items[item]`` in a mapping node, if there is one."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return node
    for key, value in node.value:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return value.value[item] if item < len(value.value) else node
    return node
