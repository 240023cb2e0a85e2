"""kubectl output pasted into files: ``describe`` text, ``get`` tables and ``-o yaml``, logs.

Users share what they saw in the terminal. A file is taken as such text by its content (see
``transcript``), whatever its name, and read into the same raw objects a cluster would
return, with only what the text shows: anything it does not print stays absent, and the view
carries a warning naming what is unknown.

Ages in the text count back from the moment kubectl printed it, which the text does not
state. Each file is dated by what it shows (``describe.printed_at``); a file that shows no date
at all takes the date of the other pasted files, else the latest moment of the other input,
else the time of reading: its ages are then only relative to one another, which is all a
diagnosis of such a file can rest on. Files are read first and made into objects once all
are known, so one date can serve them all, a pod described in one file and listed in a table
in another is one pod (the description wins), and an event pasted twice counts once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubemedic._internal.timeutils import format_time
from kubemedic.adapters.kubernetes.transcript import looks_pasted
from kubemedic.models.findings import ObjectRef
from kubemedic.models.scan_warning import ScanWarning

if TYPE_CHECKING:  # the readers are imported once a pasted file is found: a dump needs none
    from kubemedic.adapters.kubernetes.describe_text import Field
    from kubemedic.adapters.kubernetes.event_rows import EventRow
    from kubemedic.adapters.kubernetes.kubectl_time import Clock
    from kubemedic.adapters.kubernetes.object_tables import TableObject
    from kubemedic.adapters.kubernetes.pasted_merge import Merged
    from kubemedic.adapters.kubernetes.tables import PodRow
    from kubemedic.adapters.kubernetes.transcript import Command

Raw = dict[str, Any]

SNIFF_BYTES = 8192
_JSON = re.compile(rb"\s*(\{|\[\s*[\[{\"\]\d-]|\[\s*$)")
"""JSON (not a ``[root@host ~]#`` prompt): never read as pasted text, whatever it holds."""


@dataclass(slots=True)
class _File:
    """One pasted file, read but not yet made into objects (its ages need a date)."""

    path: Path
    described: list[Field] = field(default_factory=list)
    excerpts: list[Field] = field(default_factory=list)
    """Pods' descriptions pasted without their head, named from elsewhere in the text."""
    kind_excerpts: list[tuple[Field, str]] = field(default_factory=list)
    """Other kinds' descriptions pasted without their head (their events), and the kind the
    command line that printed them names."""
    pods: list[PodRow] = field(default_factory=list)
    tables: list[TableObject] = field(default_factory=list)
    """Rows of ``kubectl get pvc``, ``pv``, ``sc``, ``nodes`` and workload tables."""
    complete: set[str] = field(default_factory=set)
    """Cluster-scoped kinds a table lists whole (``object_tables.TableRead.complete``)."""
    printed_objects: list[Raw] = field(default_factory=list)
    """What pasted ``kubectl get -o yaml`` output holds (``pasted_yaml``)."""
    events: list[tuple[EventRow, str]] = field(default_factory=list)
    printed: datetime | None = None
    warnings: list[ScanWarning] = field(default_factory=list)
    logs: list[PastedLog] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PastedLog:
    """What a pasted ``kubectl logs POD`` printed: the pod's log, as a log file would hold it."""

    pod: str
    namespace: str
    """"" when the command line does not say."""
    container: str
    """"" when the command line does not say (a pod of one container)."""
    previous: bool
    lines: tuple[str, ...]
    path: Path
    line: int
    """Where the command's output starts in the file."""
    asked: str = ""
    """What the command line asked for when it names no one pod (``deploy/web``, ``-l app=web``);
    ``pod`` is then "" unless kubectl's own note names it (``log_notes``)."""


@dataclass(frozen=True, slots=True)
class PastedObjects:
    """The objects of all pasted files, by the directory of their file."""

    objects: tuple[tuple[Path, tuple[Raw, ...]], ...]
    printed: tuple[str, ...]
    """When each file was printed (RFC 3339): the snapshot is no older than these."""
    warnings: tuple[ScanWarning, ...]
    logs: tuple[PastedLog, ...] = ()
    complete: frozenset[str] = frozenset()
    """Cluster-scoped kinds of which the text lists every object."""


@dataclass(slots=True)
class PastedText:
    """The pasted files of one load, collected by :meth:`add` and made into objects by
    :meth:`build`."""

    files: list[_File] = field(default_factory=list)

    def add(self, path: Path) -> bool:
        """Read ``path`` if it holds pasted kubectl output; False (and nothing read) if not."""
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
            if _JSON.match(head) or not looks_pasted(head.decode("utf-8", errors="replace")):
                return False
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False  # not ours to report: the manifest or log reader says why
        self.files.append(_read(path, text))
        return True

    def build(self, default_time: datetime | None) -> PastedObjects:
        """Every file's objects, dated (``default_time``, else now, for files showing none)."""
        if not self.files:
            return PastedObjects((), (), ())
        from kubemedic.adapters.kubernetes.describe import build, build_events_alone
        from kubemedic.adapters.kubernetes.describe_excerpt import describe_excerpt
        from kubemedic.adapters.kubernetes.kubectl_time import Clock
        from kubemedic.adapters.kubernetes.object_tables import adopt
        from kubemedic.adapters.kubernetes.pasted_merge import Merged
        from kubemedic.adapters.kubernetes.pasted_warnings import table_warnings, unplaced_events
        from kubemedic.adapters.kubernetes.tables import pod_of

        fallback, source = _fallback(self.files, default_time)
        merged = Merged()
        warnings: list[ScanWarning] = []
        for file in self.files:
            if file.printed is None:
                warnings.append(
                    ScanWarning(
                        f"the text shows no date: its ages are counted back from {source} "
                        f"({format_time(fallback)})",
                        file=str(file.path),
                    )
                )
            clock = Clock(file.printed or fallback)
            merged.add(file.path, [obj for doc in file.described for obj in build(doc, clock)])
            merged.add(
                file.path, [obj for doc in file.excerpts for obj in describe_excerpt(doc, clock)]
            )
            alone = [build_events_alone(doc, clock, kind) for doc, kind in file.kind_excerpts]
            merged.add(file.path, [obj for found in alone for obj in found])
            warnings.extend(file.warnings)
        for file in self.files:
            listed = [row.dated(Clock(file.printed or fallback)) for row in file.tables]
            for obj in [*file.printed_objects, *listed]:
                meta = obj["metadata"]
                if meta.get("namespace") == "":
                    meta["namespace"] = merged.namespace_of(obj["kind"], meta["name"])
            merged.add(file.path, [*file.printed_objects, *listed])
        logged = _logged_containers(self.files)
        for file in self.files:
            rows = [
                replace(row, namespace=row.namespace or merged.namespace_of("Pod", row.name))
                for row in file.pods
            ]
            clock = Clock(file.printed or fallback)
            for row in rows:
                merged.fill_from_table(pod_of(row, clock))
            named = [
                (row, logged.get((row.namespace, row.name)) or logged.get(("", row.name), ""))
                for row in rows
                if not merged.has("Pod", row.namespace, row.name)
            ]
            warnings.extend(table_warnings(file.path, named))
            merged.add(file.path, [pod_of(row, clock, container) for row, container in named])
        for file in self.files:
            events = _table_events(file, merged, Clock(file.printed or fallback))
            merged.add(file.path, events)
            warnings.extend(unplaced_events(file.path, events))
        printed = tuple(format_time(f.printed or fallback) for f in self.files)
        logs = tuple(log for file in self.files for log in file.logs)
        objects = merged.by_directory()
        adopt([obj for _, found in objects for obj in found])
        complete = frozenset(kind for file in self.files for kind in file.complete)
        return PastedObjects(objects, printed, tuple(warnings), logs, complete)


def _logged_containers(files: list[_File]) -> dict[tuple[str, str], str]:
    """The container a pod's pasted logs name (``kubectl logs POD -c NAME``, or kubectl's
    ``Defaulted container`` note), by the pod's namespace ("" when the command does not say)
    and name; none where they name several."""
    named: dict[tuple[str, str], set[str]] = {}
    for log in (log for file in files for log in file.logs):
        if log.pod and log.container:
            named.setdefault((log.namespace, log.pod), set()).add(log.container)
    return {key: names.pop() for key, names in named.items() if len(names) == 1}


def _fallback(files: list[_File], default_time: datetime | None) -> tuple[datetime, str]:
    """The date of files that show none, and where it comes from (for the warning)."""
    dated = [f.printed for f in files if f.printed is not None]
    if dated:
        return max(dated), "when the other pasted text was printed"
    if default_time is not None:
        return default_time, "the latest time in the other input"
    now = datetime.now(tz=UTC)
    return now, "the time of reading, so only their order and spacing count"


def _read(path: Path, text: str) -> _File:
    from kubemedic.adapters.kubernetes.describe import described_kind, printed_at
    from kubemedic.adapters.kubernetes.describe_text import documents
    from kubemedic.adapters.kubernetes.object_tables import read_table
    from kubemedic.adapters.kubernetes.pasted_warnings import describe_warnings
    from kubemedic.adapters.kubernetes.pasted_yaml import read_yaml
    from kubemedic.adapters.kubernetes.tables import pod_rows, table_events
    from kubemedic.adapters.kubernetes.transcript import Output, parts

    file = _File(path)
    headless: list[tuple[Field, Command | None]] = []
    for part in parts(text):
        namespace = part.command.namespace if part.command is not None else ""
        if part.output is Output.DESCRIBE:
            docs = list(documents(part.lines))
            headless += [(doc, part.command) for doc in docs if not doc.text("Name")]
            docs = [doc for doc in docs if doc.text("Name")]
            file.described.extend(docs)
            file.warnings.extend(describe_warnings(path, docs))
        elif part.output is Output.PODS:
            file.pods.extend(pod_rows(part.lines, namespace))
        elif part.output is Output.EVENTS:
            file.events.extend((row, namespace) for row in table_events(part.lines))
        elif part.output is Output.OBJECTS:
            read = read_table(part.lines, part.command, path)
            file.tables.extend(read.objects)
            file.warnings.extend(read.warnings)
            file.complete.update([read.complete] if read.complete else [])
        elif part.output is Output.YAML and part.command is not None:
            printed = read_yaml(part.lines, part.command, path)
            file.printed_objects.extend(printed.objects)
            file.warnings.extend(printed.warnings)
        elif part.output is Output.LOGS and part.command is not None:
            file.logs.append(_log(path, part.lines, part.command))
        elif any(line.strip() for _, line in part.lines):
            what = f"`kubectl {part.command.verb}` output" if part.command else "this text"
            said = (
                "is a table of a kind kubemedic does not read: skipped"
                if part.output is Output.TABLE
                else "is not kubectl describe or table output: skipped (save container logs as "
                "<pod>.log)"
            )
            file.warnings.append(
                ScanWarning(
                    f"{what} {said}",
                    file=str(path),
                    line=part.lines[0][0],
                )
            )
    # a pod listed again (``kubectl get pods -w``, a later command) is as its last row shows
    file.pods = list({(row.namespace, row.name): row for row in file.pods}.values())
    for doc, command in headless:
        kind = described_kind(command)
        if command is not None and kind not in ("", "Pod") and len(command.names) == 1:
            _add_kind_excerpt(file, doc, command, kind)
        else:
            _add_excerpt(file, doc, command)
    table_dates = [m for row, _ in file.events for m in (row.last, row.first)]
    shown = [
        m
        for m in (
            printed_at([*file.described, *file.excerpts, *(d for d, _ in file.kind_excerpts)]),
            *table_dates,
            *_listed_starts(file),
        )
        if isinstance(m, datetime)
    ]
    file.printed = max(shown, default=None)
    return file


def _log(path: Path, lines: Sequence[tuple[int, str]], command: Command) -> PastedLog:
    from kubemedic.adapters.kubernetes.log_notes import read_notes
    from kubemedic.adapters.kubernetes.logs import TAIL_LINES

    shown = [text for _, text in lines]
    while shown and not shown[-1].strip():
        shown.pop()
    noted = read_notes(shown)
    target = command.names[0].removeprefix("pod/") if command.names else ""
    asked = "" if target and "/" not in target else target or f"-l {command.selector}"
    return PastedLog(
        pod=noted.pod or ("" if asked else target),
        namespace=command.namespace,
        container=command.container or noted.container,
        previous=command.previous,
        lines=noted.lines[-TAIL_LINES:],
        path=path,
        line=lines[0][0],
        asked=asked,
    )


def _add_excerpt(file: _File, doc: Field, command: Command | None) -> None:
    from kubemedic.adapters.kubernetes.describe_excerpt import name_excerpt, pod_of_excerpt

    mentioned = {row.name for row in file.pods} | {
        name for described in file.described if (name := described.text("Name"))
    }
    pod = pod_of_excerpt(doc, command, mentioned)
    name_excerpt(doc, pod)
    file.excerpts.append(doc)
    unnamed = "" if pod.named else f"; nothing names the pod: it is called {pod.name}"
    file.warnings.append(
        ScanWarning(
            "only part of a pod's kubectl describe output was pasted (no Name line): what the "
            f"rest would show (its phase, containers, events) is unknown{unnamed}",
            file=str(file.path),
            line=doc.children[0].line if doc.children else None,
            object=ObjectRef("Pod", pod.name, pod.namespace or "default"),
        )
    )


def _add_kind_excerpt(file: _File, doc: Field, command: Command, kind: str) -> None:
    """The events of a description of ``kind`` pasted alone: about the object the command
    names (``describe.build_events_alone``)."""
    from kubemedic.adapters.kubernetes.describe_excerpt import ExcerptPod, name_excerpt
    from kubemedic.adapters.kubernetes.pasted_warnings import excerpt_warning

    namespace = "" if kind == "Node" else command.namespace
    name_excerpt(doc, ExcerptPod(command.names[0], namespace, named=True))
    file.kind_excerpts.append((doc, kind))
    ref = ObjectRef(kind, command.names[0], "" if kind == "Node" else namespace or "default")
    file.warnings.append(excerpt_warning(file.path, doc, kind, ref))


def _listed_starts(file: _File) -> Iterable[datetime]:
    """A pod both listed and described: its ``Start Time`` plus its age in the table.

    The age counts from its creation, moments before it started, so this is when the table was
    printed, give or take kubectl's rounding of the age.
    """
    from kubemedic.adapters.kubernetes.kubectl_time import parse_date

    ages = {row.name: row.age for row in file.pods if row.age is not None}
    for doc in file.described:
        age = ages.get(doc.text("Name"))
        started = parse_date(doc.text("Start Time"))
        if age is not None and started is not None:
            yield started + timedelta(seconds=age)


def _table_events(file: _File, merged: Merged, clock: Clock) -> list[Raw]:
    """The events of the file's tables, each about the object its row names, in the namespace
    the row, its command line, the object read elsewhere or the kubelet's own naming of a pod
    (``<name>_<namespace>(<uid>)``) tells; else in none (unknown, not ``default``)."""
    from kubemedic.adapters.kubernetes.describe_excerpt import kubelet_namespace
    from kubemedic.adapters.kubernetes.event_rows import to_event

    rows = [row for row, _ in file.events]
    found: list[Raw] = []
    for index, (row, namespace) in enumerate(file.events):
        if not row.object_kind:
            continue
        name = row.object_name
        if row.object_kind == "Node":
            space = ""
        else:
            space = (
                row.namespace
                or namespace
                or merged.namespace_of(row.object_kind, name, "")
                or kubelet_namespace(name, rows)
            )
        found.append(to_event(row, (row.object_kind, space, name), clock, 1000 + index))
    return found
