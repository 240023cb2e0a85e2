"""Read a large YAML file a piece at a time, in memory a small multiple of its size.

libyaml composes a whole document into a node graph (about 40 bytes per byte of YAML) before any
object is built, so a 150 MB ``kubectl get -A -o yaml`` List, one document, took 7 GB. Here the
file is read line by line and cut where a piece parses alone: at document markers, and between
the entries of a document's top-level ``items:`` list (or of a top-level sequence, as ``jq
.items`` writes). libyaml parses each piece of at most about ``PIECE_BYTES``; the entries are
joined back into the document, which gets ``items: []`` in their place while its other keys are
parsed. Equal strings share one object (a dump repeats the same keys, reasons and timestamps
thousands of times), so do equal mappings and lists within objects' spec and status (replicas
repeat their template: ``SharedShapes``), and the line where each document and list entry
starts is noted on the way, so warnings can name lines without parsing the file again.

Cutting is exact for what kubectl writes. Anything it cannot vouch for — a piece that does not
parse alone or gives another number of entries, directives, a document whose ``items`` turn out
to be something else — makes :func:`load_documents` answer None, and the caller parses the
whole file at once as before: same objects, same errors.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PIECE_BYTES = 256 * 1024
_SHARED_STRINGS = 1 << 16  # strings remembered to be shared, at most
_STR = "tag:yaml.org,2002:str"
_MARKER = re.compile(rb"(?:---|\.\.\.)(?:[ \t\r\n]|$)")
_ITEMS_KEY = re.compile(rb"items:[ \t]*(?:#[^\n]*)?\r?\n?")
_ITEMS_AGAIN = re.compile(rb"[\"']?items\b")
_ENTRY = re.compile(rb"( *)-(?:[ \t\r\n]|$)")
_EMPTY_ITEMS = b"items: []\n"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Start:
    """Where a document starts (0-based line), and each entry of its ``items`` or sequence."""

    line: int
    items: Sequence[int] = ()


@dataclass(frozen=True, slots=True)
class Streamed:
    """The documents of a file, and where each starts."""

    documents: tuple[Any, ...]
    starts: tuple[Start, ...]

    def line(self, document: int, item: int | None) -> int:
        """The 1-based line where a document, or an entry of its list, starts."""
        start = self.starts[document]
        if item is not None and item < len(start.items):
            return start.items[item] + 1
        return start.line + 1


class CompactLoader(yaml.CSafeLoader):
    """libyaml's safe loader, giving equal strings one object and telling plain strings by
    their first character; its objects are those of ``CSafeLoader``."""

    def __init__(self, stream: bytes, strings: dict[str, str]) -> None:
        super().__init__(stream)
        self._strings = strings

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        """``Resolver.resolve``, answering at once for a scalar no implicit tag (int, bool,
        null, timestamp, ...) can start like, or a quoted one, when only tags by first
        character are registered (as for the safe loader)."""
        resolvers = self.yaml_implicit_resolvers
        if (
            kind is ScalarNode
            and (not implicit[0] or value[:1] not in resolvers)
            and None not in resolvers
            and not self.yaml_path_resolvers
        ):
            return _STR
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if node.tag == _STR and type(node) is ScalarNode:
            value: str = node.value
            strings = self._strings
            if len(strings) >= _SHARED_STRINGS:
                strings.clear()  # mostly names and uids by now; the repeated ones come back
            return strings.setdefault(value, value)
        return super().construct_object(node, deep)

    def documents(self) -> Iterator[tuple[Node, Any]]:
        """Each document's node and object."""
        try:
            while self.check_node():
                node = self.get_node()
                if node is not None:
                    yield node, self.construct_document(node)
        finally:
            self.dispose()


def load_documents(path: Path) -> Streamed | None:
    """The documents of a YAML file, read piece by piece; None when it must be read whole.

    Raises OSError when the file cannot be read.
    """
    reader = _Reader()
    try:
        with path.open("rb") as file:
            for number, line in enumerate(file):
                reader.add(line.removeprefix(_BOM) if number == 0 else line, number)
        reader.end_document()
    except (_Unsure, yaml.YAMLError):
        return None
    return Streamed(tuple(reader.documents), tuple(reader.starts))


class _Unsure(Exception):
    """The file cannot be cut with certainty: parse it whole."""


class _Reader:
    """Documents read so far, and the one being read."""

    def __init__(self) -> None:
        self.documents: list[Any] = []
        self.starts: list[Start] = []
        self._strings: dict[str, str] = {}
        self._shapes = SharedShapes()
        self._first = 0  # the line the current document's text starts at
        self._lines: list[bytes] = []  # the document, less the entries of its streamed list
        self._significant = False  # a line of content (not blank, comment or marker) was read
        self._items_key: list[tuple[int, bytes]] | None = None  # ``items:``, awaiting entries
        self._list: _List | None = None
        self._listed: _List | None = None  # the streamed list, once it ended
        self._root_list = False
        self._ended = False  # by ``...``: the next document must start with ``---``

    def add(self, line: bytes, number: int) -> None:
        if line.startswith(b"%"):
            raise _Unsure  # directives apply to the document after them
        if _MARKER.match(line):
            if line.startswith(b"---"):
                self.end_document(first=number)
                self._lines.append(line)
                self._significant = bool(line[3:].strip())
                self._ended = False
            elif not self._ended:  # a second ``...`` ends nothing
                self._lines.append(line)
                self.end_document(first=number + 1)
                self._ended = True
            return
        if self._ended and not _blank(line):
            raise _Unsure  # libyaml wants ``---`` before the next document
        if self._list is not None:
            if self._list.takes(line, number):
                return
            self._listed, self._list = self._list.finish(), None
        if self._items_key is not None:
            self._after_items_key(line, number)
        elif _blank(line):
            self._lines.append(line)
        elif self._listed is None and not self._significant and _root_entry(line):
            self._start_list([(number, line)], indent=0, root=True)
        elif self._listed is None and _ITEMS_KEY.fullmatch(line):
            self._items_key = [(number, line)]
            self._significant = True
        else:
            if self._root_list or (self._listed is not None and _ITEMS_AGAIN.match(line)):
                raise _Unsure  # content after a top-level sequence; a second ``items`` key
            self._lines.append(line)
            self._significant = True

    def _after_items_key(self, line: bytes, number: int) -> None:
        assert self._items_key is not None
        if _blank(line):
            self._items_key.append((number, line))
            return
        entry = _ENTRY.match(line)
        pending, self._items_key = self._items_key, None
        if entry is None:  # ``items:`` holds no block sequence: leave the document as it is
            self._lines.extend(text for _, text in pending)
            self.add(line, number)
            return
        self._lines.append(_EMPTY_ITEMS)
        self._start_list([*pending[1:], (number, line)], indent=len(entry[1]), root=False)

    def _start_list(self, lines: list[tuple[int, bytes]], *, indent: int, root: bool) -> None:
        self._list = _List(indent, self._strings, self._shapes)
        self._root_list = root
        self._significant = True
        for number, text in lines:
            self._list.takes(text, number)

    def end_document(self, first: int = 0) -> None:
        if self._list is not None:
            self._listed, self._list = self._list.finish(), None
        if self._items_key is not None:
            self._lines.extend(text for _, text in self._items_key)
            self._items_key = None
        text = b"".join(self._lines)
        if self._listed is None:
            for node, document in CompactLoader(text, self._strings).documents():
                self._shapes.share((document,))
                self.documents.append(document)
                self.starts.append(_start(node, self._first))
        elif self._root_list:
            self.documents.append(self._listed.items)
            self.starts.append(Start(self._listed.first_line, self._listed.lines))
        else:
            self._with_items(text, self._listed)
        self._lines, self._listed, self._root_list, self._significant = [], None, False, False
        self._first = first

    def _with_items(self, text: bytes, listed: _List) -> None:
        """The document, parsed with ``items: []``, given the streamed entries."""
        found = list(CompactLoader(text, self._strings).documents())
        if len(found) != 1 or not isinstance(found[0][1], dict):
            raise _Unsure
        node, document = found[0]
        keys = [key.value for key, _ in node.value] if isinstance(node, MappingNode) else []
        if keys.count("items") != 1 or document.get("items") != []:
            raise _Unsure  # the ``items:`` line was not the document's own key
        document["items"] = listed.items
        self.documents.append(document)
        self.starts.append(Start(self._first + node.start_mark.line, listed.lines))


class _List:
    """The entries of one block sequence, parsed a piece of about ``PIECE_BYTES`` at a time."""

    def __init__(self, indent: int, strings: dict[str, str], shapes: SharedShapes) -> None:
        self._indent = indent
        self._strings = strings
        self._shapes = shapes
        self._piece: list[bytes] = []
        self._piece_line = 0
        self._size = 0
        self._entries = 0  # in the piece
        self.items: list[Any] = []
        self.lines = array("q")  # where each entry starts
        self.first_line = 0  # where the sequence starts

    def takes(self, line: bytes, number: int) -> bool:
        """Add ``line`` when it belongs to the sequence; False when the sequence has ended."""
        if not self._piece:
            self._piece_line = number
        if _blank(line):
            self._piece.append(line)
            return True
        indent = len(line) - len(line.lstrip(b" "))
        if indent > self._indent:
            self._piece.append(line)
            self._size += len(line)
            return True
        if indent < self._indent or not _ENTRY.match(line, indent):
            return False
        if self._size >= PIECE_BYTES:
            self._parse_piece()
            self._piece_line = number
        self._piece.append(line)
        self._size += len(line)
        self._entries += 1
        return True

    def finish(self) -> _List:
        self._parse_piece()
        return self

    def _parse_piece(self) -> None:
        if not self._entries:
            return
        found = list(CompactLoader(b"".join(self._piece), self._strings).documents())
        if len(found) != 1 or not isinstance(found[0][0], SequenceNode):
            raise _Unsure
        node, entries = found[0]
        if len(entries) != self._entries:
            raise _Unsure
        if not self.items:
            self.first_line = self._piece_line + node.start_mark.line
        self._shapes.share(entries)
        self.items.extend(entries)
        self.lines.extend(self._piece_line + entry.start_mark.line for entry in node.value)
        self._piece, self._size, self._entries = [], 0, 0


_SHARED_FIELDS = ("spec", "status")
_SHARED_SHAPES = 1 << 16  # shapes remembered to be shared, at most
_CONTAINER = object()
"""Marks a nested mapping or list (by the identity of its shared copy) in a shape's key."""


class SharedShapes:
    """Equal mappings and lists within objects' ``spec`` and ``status`` made one object.

    Replicas of a workload repeat their template's containers, probes, ports, resources,
    tolerations and volumes, and a dump repeats them by the thousand: built once each, they
    cost the view a fraction of the memory. Only what the view only reads is shared: never
    ``metadata`` (namespaces are filled in when inferred) nor anything outside spec and status
    (an Event's ``involvedObject`` may be given its namespace). Order and types count: a
    mapping is shared only with one that has the same keys, in the same order, with values of
    the same types.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[object, ...], Any] = {}

    def share(self, objects: Iterable[Any]) -> None:
        for obj in objects:
            if type(obj) is dict:
                for field in _SHARED_FIELDS:
                    value = obj.get(field)
                    if type(value) is dict or type(value) is list:
                        obj[field] = self._one(value)

    def _one(self, value: dict[Any, Any] | list[Any]) -> Any:
        """``value``, or the equal one seen before; its own nested values shared first."""
        parts: list[object] = [type(value)]
        pairs = value.items() if type(value) is dict else enumerate(value)
        for key, item in pairs:
            kind = type(item)
            if kind is dict or kind is list:
                item = value[key] = self._one(item)
                parts += (key, _CONTAINER, id(item))  # shared copies live as long as the view
            else:
                parts += (key, kind, item)
        shape = tuple(parts)
        seen = self._seen
        found = seen.get(shape)
        if found is not None:
            return found
        if len(seen) >= _SHARED_SHAPES:
            seen.clear()  # the common shapes come back
        seen[shape] = value
        return value


def _start(node: Node, first: int) -> Start:
    """Where a document parsed from text starting at line ``first`` starts, and its entries
    (of its ``items``, or its own when it is a sequence)."""
    entries = node if isinstance(node, SequenceNode) else None
    if isinstance(node, MappingNode):
        listed = (v for k, v in node.value if k.value == "items" and isinstance(v, SequenceNode))
        entries = next(listed, None)
    items = [first + entry.start_mark.line for entry in entries.value] if entries else []
    return Start(first + node.start_mark.line, items)


def _root_entry(line: bytes) -> bool:
    """An entry of a sequence at column 0."""
    return line.startswith(b"-") and _ENTRY.match(line) is not None


def _blank(line: bytes) -> bool:
    """Nothing but spaces, or a comment."""
    stripped = line.strip()
    return not stripped or stripped.startswith(b"#")
