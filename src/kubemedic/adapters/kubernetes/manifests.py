"""Parse one YAML or JSON file into documents, with errors that point at the line.

JSON (whatever the file is called) goes through orjson, which is what keeps a 10,000-pod
``cluster-info dump`` fast; YAML goes through libyaml's C loader a piece at a time
(``yaml_stream``), so a large file needs memory for its objects, not for a whole-file node
graph. A file that cannot be read that way is parsed whole, which is also what names the line
of a syntax error. When a document turns out not to be a Kubernetes object, the file is read
and composed again (only then, so the fast path pays nothing) to find the line where that
document or list item starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from kubemedic.errors import InputError

if TYPE_CHECKING:
    from kubemedic.adapters.kubernetes.yaml_stream import Streamed

_FIRST_CHARACTER = re.compile(rb"\S")
_BLOCK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Manifest:
    """The documents of one file, in order (empty YAML documents kept as None)."""

    path: Path
    documents: tuple[Any, ...]
    streamed: Streamed | None = None  # a YAML file read piece by piece, with where each starts

    def place(self, document: int, item: int | None) -> str:
        """``items[2] of document 3``: where an object sits ("" for a file's one document)."""
        where = ""
        if item is not None:
            where = f"[{item}]" if isinstance(self.documents[document], list) else f"items[{item}]"
        if len(self.documents) > 1:
            where = f"{where} of document {document + 1}" if where else f"document {document + 1}"
        return where

    def lines(self, places: Sequence[tuple[int, int | None]]) -> list[int | None]:
        """The 1-based lines where these documents (or list items) start, where it can be told.

        Noted while reading a YAML file piece by piece; otherwise the file is composed once
        for all of them: only a file with something to point at pays for it.
        """
        if self.streamed is not None:
            return [self.streamed.line(document, item) for document, item in places]
        import yaml

        wanted: dict[int, list[int | None]] = {}
        for document, item in places:
            wanted.setdefault(document, []).append(item)
        found: dict[tuple[int, int | None], int] = {}
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return [None for _ in places]  # gone since it was read: the lines cannot be told
        try:
            for index, node in enumerate(yaml.compose_all(text, Loader=yaml.CSafeLoader)):
                for item in wanted.get(index, ()):
                    start = _items_entry(node, item) if item is not None else node
                    found[(index, item)] = start.start_mark.line + 1
        except yaml.YAMLError:
            pass  # lines found before the error stand; the rest cannot be told
        return [found.get(place) for place in places]


def unreadable(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot read: {exc.strerror or exc}", path=str(path))


def parse(path: Path) -> Manifest:
    """Read and parse a manifest file; InputError (with file and line) when it cannot be."""
    try:
        first = _first_character(path)
        if first is None:
            return Manifest(path, ())
        if first in b"{[":
            data = path.read_bytes()
            parsed = _load_json(path, data)
            if parsed is not None:
                return Manifest(path, (parsed,))
        from kubemedic.adapters.kubernetes.yaml_stream import load_documents  # imports yaml

        streamed = load_documents(path)
        if streamed is not None:
            return Manifest(path, streamed.documents, streamed)
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}): not a YAML or JSON file", path=str(path)
        ) from exc
    return Manifest(path, _load_yaml(path, text))


def _first_character(path: Path) -> int | None:
    """The file's first byte that is not white space, if any."""
    with path.open("rb") as file:
        while block := file.read(_BLOCK_BYTES):
            found = _FIRST_CHARACTER.search(block)
            if found is not None:
                return block[found.start()]
    return None


def _load_json(path: Path, data: bytes) -> Any:
    """The JSON value of ``data``; None when it is not JSON (then it may be YAML) unless the
    file is named ``.json``, which makes it an InputError."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if path.suffix.lower() == ".json":
            raise InputError(
                f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
                f"(character {exc.pos})",
                path=str(path),
                line=exc.lineno,
            ) from exc
    return None


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


def _items_entry(node: Any, item: int) -> Any:
    """The node of ``items[item]`` in a list object (or of entry ``item`` of a bare sequence);
    the document's own node when there is no such entry."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return node.value[item] if item < len(node.value) else node
    if not isinstance(node, yaml.MappingNode):
        return node
    for key, value in node.value:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return value.value[item] if item < len(value.value) else node
    return node
