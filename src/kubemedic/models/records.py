"""The record format: one Markdown file per record, YAML front-matter, append-only sections.

A record starts with a header (front-matter, a title and an introduction) written once. Every
later event appends a section: a sentinel comment, a heading a person reads, a fenced YAML block
that machines read (sequence number, event, time, actor, state after, data, and the SHA-256 of
the previous section's exact text), then free text. Nothing is ever rewritten, so the file of
any earlier commit is a prefix of the file now, and the hash chain shows an edit that git
history alone would not (``records verify``). The format is documented in docs/records.md and
docs/schema/record-v1.schema.json.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml

from kubemedic._internal.timeutils import format_time, parse_time
from kubemedic.errors import RecordsError
from kubemedic.models.identity import Author

SCHEMA = "kubemedic.record/v1"
SENTINEL = "<!-- kubemedic:section "
_SENTINEL_LINE = re.compile(r"^<!-- kubemedic:section (\d+) -->$", re.MULTILINE)
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)\n```", re.DOTALL)


class RecordKind(StrEnum):
    INCIDENT = "incident"
    OPERATION = "operation"
    REPORT = "report"

    @property
    def prefix(self) -> str:
        return {"incident": "INC", "operation": "OP", "report": "RPT"}[self.value]

    @property
    def directory(self) -> str:
        return f"{self.value}s"


@dataclass(frozen=True, slots=True)
class Section:
    """One appended event of a record."""

    seq: int
    event: str
    at: datetime
    actor: Author
    state: str | None
    data: Mapping[str, Any]
    text: str
    prev_sha256: str
    raw: str

    @property
    def sha256(self) -> str:
        return sha256(self.raw)


@dataclass(frozen=True, slots=True)
class Record:
    """A parsed record: its header and every section, in order."""

    header: Mapping[str, Any]
    header_raw: str
    sections: tuple[Section, ...]
    path: str = ""

    @property
    def id(self) -> str:
        return str(self.header["id"])

    @property
    def kind(self) -> RecordKind:
        return RecordKind(self.header["kind"])

    @property
    def title(self) -> str:
        return str(self.header.get("title", ""))

    @property
    def created_at(self) -> datetime:
        return _time(self.header.get("created_at"), f"{self.path}: created_at")

    @property
    def state(self) -> str:
        """The state the last stateful section left the record in."""
        for section in reversed(self.sections):
            if section.state:
                return section.state
        return str(self.header.get("initial_state", ""))

    @property
    def last_sha256(self) -> str:
        return self.sections[-1].sha256 if self.sections else sha256(self.header_raw)

    def events(self, *names: str) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.event in names)

    def first(self, *names: str) -> Section | None:
        return next((s for s in self.sections if s.event in names), None)

    def last(self, *names: str) -> Section | None:
        return next((s for s in reversed(self.sections) if s.event in names), None)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_header(header: Mapping[str, Any], title: str, intro: str) -> str:
    """The text a new record starts with: front-matter, title and an introduction."""
    front = _dump({"schema": SCHEMA, **header, "title": title})
    return f"---\n{front}---\n\n# {_escape(title)}\n\n{_escape(intro).rstrip()}\n\n"


def render_section(
    record_text: str,
    *,
    event: str,
    at: datetime,
    actor: Author,
    state: str | None,
    data: Mapping[str, Any],
    text: str,
) -> str:
    """The section to append to ``record_text`` (chained to its last section)."""
    record = parse(record_text)
    seq = len(record.sections) + 1
    machine = {
        "seq": seq,
        "event": event,
        "at": format_time(at),
        "actor": {"name": actor.name, "email": actor.email},
        "state": state,
        "prev_sha256": record.last_sha256,
        "data": dict(data),
    }
    heading = _escape(f"## {seq}. {event} — {format_time(at)} — {actor.name}")
    body = _escape(text).rstrip()
    return f"{SENTINEL}{seq} -->\n{heading}\n\n```yaml\n{_dump(machine)}```\n\n{body}\n\n"


def parse(text: str, path: str = "", known: MutableMapping[str, Section] | None = None) -> Record:
    """Parse a record file; ``RecordsError`` names the file and what is malformed.

    ``known`` maps section texts already parsed to their sections (and gains this file's): a
    section is a function of its text alone, so a reader that meets one text twice parses it once.
    """
    where = path or "record"
    if not text.startswith("---\n"):
        raise RecordsError(f"{where}: not a kubemedic record (no front-matter)")
    starts = [m.start() for m in _SENTINEL_LINE.finditer(text)]
    header_raw = text[: starts[0]] if starts else text
    end = header_raw.find("\n---\n", 3)
    if end < 0:
        raise RecordsError(f"{where}: front-matter is not closed with ---")
    header = _load(header_raw[4 : end + 1], f"{where}: front-matter")
    if not isinstance(header, Mapping) or "id" not in header or "kind" not in header:
        raise RecordsError(f"{where}: front-matter lacks id or kind")
    return Record(header, header_raw, _sections(text, starts, where, known), path)


def sections_of(
    text: str, where: str = "record", known: MutableMapping[str, Section] | None = None
) -> tuple[Section, ...]:
    """The sections in a piece of a record file (such as what one commit appended)."""
    return _sections(text, [m.start() for m in _SENTINEL_LINE.finditer(text)], where, known)


def _sections(
    text: str, starts: list[int], where: str, known: MutableMapping[str, Section] | None
) -> tuple[Section, ...]:
    sections = []
    for number, start in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else len(text)
        raw = text[start:stop]
        section = None if known is None else known.get(raw)
        if section is None:
            section = _section(raw, f"{where} section {number + 1}")
            if known is not None:
                known[raw] = section
        sections.append(section)
    return tuple(sections)


def _section(raw: str, where: str) -> Section:
    block = _YAML_BLOCK.search(raw)
    if block is None:
        raise RecordsError(f"{where}: no yaml block")
    data = _load(block.group(1), where)
    if not isinstance(data, Mapping):
        raise RecordsError(f"{where}: the yaml block is not a mapping")
    actor = data.get("actor") or {}
    try:
        return Section(
            seq=int(data["seq"]),
            event=str(data["event"]),
            at=_time(data.get("at"), f"{where}: at"),
            actor=Author(str(actor.get("name", "")), str(actor.get("email", ""))),
            state=str(data["state"]) if data.get("state") else None,
            data=data.get("data") or {},
            text=raw[block.end() :].strip(),
            prev_sha256=str(data.get("prev_sha256", "")),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordsError(f"{where}: missing or bad field {exc}") from None


def _time(value: object, where: str) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise RecordsError(f"{where}: not a time: {value!r}")
    return moment


def _escape(text: str) -> str:
    """Keep free text from forging a section boundary."""
    return text.replace(SENTINEL, "&lt;!-- kubemedic:section ")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml when present: reading a trail of thousands of records stays fast."""


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.dump(dict(data), Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def _load(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise RecordsError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
