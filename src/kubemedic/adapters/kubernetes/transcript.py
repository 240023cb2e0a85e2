"""Pasted terminal text: which kubectl output each part of it is.

People paste ``kubectl`` output as it scrolled by, often with the command lines and their
prompts (``$ kubectl describe pod x -n shop``, ``[root@host ~]# kubectl get pods``, the ``❯``
and ``➜  ~`` of zsh themes), often typed through a shell alias (``k get pods``, ``kc logs
web``: a line is a command when a kubectl verb follows), several outputs one after another, or
an output alone. The text is cut at each command line and where a new output visibly starts (a
``Name:`` line after a table, a table header after a blank line); each part is told apart by
its content, so a paste without command lines reads the same. Markdown fences and elision
marks (``......``, ``<snip>``) are no output; rows in a description's events layout after such
a mark are the end of that description. Command lines still give what the output omits: the
namespace of a table.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from kubemedic.adapters.kubernetes.table_kinds import header_cells, table_kind

Line = tuple[int, str]

_COMMAND = re.compile(
    r"(?:(?:\S+\s)?\S*[$#>%❯»]\s+|[$#>%❯»|]\s*|➜\s+(?:\S+\s+)?)?(?:\.?/?\S*/)?"
    r"(?P<tool>kubectl|oc|kubecolor|kc|k)(?:\.sh|\.exe)?\s+(?P<args>\S.*)"
)
_VALUE_FLAGS = frozenset(
    {
        "-n",
        "--namespace",
        "-o",
        "--output",
        "-l",
        "--selector",
        "-c",
        "--container",
        "--context",
        "--kubeconfig",
        "--field-selector",
        "--sort-by",
        "--tail",
        "--cluster",
        "--user",
        "--for",
    }
)
_KEPT_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "-c": "container",
    "--container": "container",
    "-l": "selector",
    "--selector": "selector",
    "-o": "output",
    "--output": "output",
}
"""Flags whose value tells what the output is of (``-n=shop`` and ``-n shop`` alike)."""
_DESCRIBE_KEYS = frozenset(
    {
        "Namespace",
        "Labels",
        "Annotations",
        "Roles",
        "Image(s)",
        "Node",
        "Status",
        "CreationTimestamp",
        "StorageClass",
        "Priority",
        "Selector",
    }
)
_NAME = re.compile(r"Name:\s+\S")
_POD_SECTIONS = frozenset(
    {
        "Events",
        "Containers",
        "Init Containers",
        "Conditions",
        "Volumes",
        "QoS Class",
        "Node-Selectors",
        "Tolerations",
    }
)
"""Sections of a pod's description people paste on their own, without its ``Name`` line."""
_OTHER_KINDS_SECTIONS = frozenset(
    {
        "Addresses",
        "Capacity",
        "Allocatable",
        "System Info",
        "Non-terminated Pods",
        "Allocated resources",
        "Taints",
        "Replicas",
        "StrategyType",
        "Pod Template",
        "NewReplicaSet",
        "Access Modes",
        "StorageClass",
    }
)
"""Sections the end of a node's, workload's or claim's description shows, a pod's never."""
_IMAGE = re.compile(r" {2,}Image:\s+\S")
_EVENTS_HEADER = re.compile(r"\s*(Type\s+Reason\s+Age\s+From\s+Message|FirstSeen\s+LastSeen)\b")
HEADLESS_ROW = re.compile(
    r"\s*(?P<LASTSEEN>\S+)\s+(?P<TYPE>Normal|Warning)\s+(?P<REASON>[A-Za-z]+)\s+"
    r"(?P<OBJECT>[a-z.]+/\S+)\s+(?P<MESSAGE>\S.*)"
)
"""A ``kubectl get events`` row pasted without the table's header: age, type, reason, object."""
HEADLESS_DESCRIBED_ROW = re.compile(
    r"\s+(?P<TYPE>Normal|Warning)\s+(?P<REASON>[A-Za-z]+)\s+"
    r"(?P<AGE>\S+(?: \(x\d+ over \S+\))?)\s+(?P<FROM>[a-z][-\w.]*(?:, \S+)?)\s+(?P<MESSAGE>\S.*)"
)
"""A row of a description's ``Events`` table pasted without its header (``  Warning
FailedScheduling  16m  default-scheduler  0/1 nodes ...``): type, reason, age, source."""
ELISION = re.compile(r"\s*(?:\.{3,}|…+|</?snip>|\[(?:\.{3}|…|snip)\])\s*", re.IGNORECASE)
"""A line that says the paste leaves something out (``......``, ``<snip>``, ``[...]``)."""
_FENCE = re.compile(r"\s*(?:```|~~~).*")
"""A Markdown code fence around the output in an issue."""
HEADLESS_POD_ROW = re.compile(
    r"\s*(?:(?P<NAMESPACE>[a-z0-9][-a-z0-9]*)\s+)?(?P<NAME>[a-z0-9][-a-z0-9.]*)\s+"
    r"(?P<READY>\d+/\d+)\s+(?P<STATUS>[A-Z][\w:-]*)\s+(?P<RESTARTS>\d+(?: \([^)]*\))?)\s+"
    r"(?P<AGE>\S+)"
    r"(?:\s+(?P<IP>\S+)\s+(?P<NODE>\S+)(?:\s.*)?)?"
)
"""A ``kubectl get pods`` row pasted without the table's header (plain, ``-A`` or ``-o wide``);
its STATUS is a word, which tells it from the rows of Deployments and Jobs."""
_KEY = re.compile(r"(?P<key>[A-Z][\w ()-]*):(?:\s|$)")


class Output(Enum):
    DESCRIBE = "kubectl describe"
    PODS = "kubectl get pods"
    EVENTS = "kubectl get events"
    OBJECTS = "kubectl get pvc, pv, sc, nodes or workloads"
    YAML = "kubectl get -o yaml"
    TABLE = "a kubectl get table of another kind"
    LOGS = "kubectl logs"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Command:
    """What a pasted command line asked kubectl for."""

    verb: str
    resource: str
    names: tuple[str, ...]
    namespace: str
    container: str = ""
    """``-c``: the container a ``kubectl logs`` reads."""
    previous: bool = False
    """``-p``: ``kubectl logs`` of the container's previous instance."""
    selector: str = ""
    """``-l``: the label selector of the pods asked for."""
    output: str = ""
    """``-o``: ``yaml``, ``json``, ``wide``..."""
    commented: bool = False
    """The line starts with a bare ``#``: a comment in a YAML file as much as a root prompt."""


@dataclass(frozen=True, slots=True)
class Part:
    """One command's output (or a run of text that reads as one)."""

    output: Output
    lines: tuple[Line, ...]
    command: Command | None


def parts(text: str) -> Iterator[Part]:
    """The outputs in a pasted text, in order."""
    command: Command | None = None
    block: list[Line] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = parse_command(line)
        if parsed is not None:
            yield from _split(block, command)
            command, block = parsed, []
        else:
            block.append((number, line))
    yield from _split(block, command)


def _split(block: Sequence[Line], command: Command | None) -> Iterator[Part]:
    """A ``kubectl logs`` block is that log, down to the next command line (of one pod, or of
    a Deployment's, a Job's or a selector's pods); any other is cut into the outputs it holds."""
    if command is not None and command.verb == "logs" and _logs_of_pods(command):
        if any(line.strip() for _, line in block):
            yield Part(Output.LOGS, tuple(block), command)
        return
    if (
        command is not None
        and command.verb == "get"
        and command.output in ("yaml", "json")
        and not command.commented  # a YAML file that says how it was made: the manifest reader's
    ):
        if any(line.strip() for _, line in block):
            yield Part(Output.YAML, tuple(block), command)
        return
    yield from _outputs(block, command)


def _logs_of_pods(command: Command) -> bool:
    """``kubectl logs POD``, ``TYPE/NAME`` or ``-l SELECTOR``."""
    if command.selector:
        return not command.names
    return len(command.names) == 1 and command.names[0].count("/") <= 1


def looks_pasted(head: str) -> bool:
    """True when the start of a text holds kubectl describe, table or log output."""
    return any(part.output not in (Output.OTHER, Output.TABLE) for part in parts(head))


def parse_command(line: str) -> Command | None:
    match = _COMMAND.fullmatch(line.strip())
    if match is None:
        return None
    try:
        words = shlex.split(match["args"])
    except ValueError:
        words = match["args"].split()
    positional: list[str] = []
    kept = dict.fromkeys(_KEPT_FLAGS.values(), "")
    previous = False
    flags = iter(words)
    for word in flags:
        flag, joined, value = word.partition("=")
        if flag in _KEPT_FLAGS:
            kept[_KEPT_FLAGS[flag]] = value if joined else next(flags, "")
        elif word in ("-p", "--previous", "--previous=true"):
            previous = True
        elif word[:2] in ("-n", "-o") and len(word) > 2:
            kept[_KEPT_FLAGS[word[:2]]] = word[2:]  # ``-nshop``: the value joined to the flag
        elif word in _VALUE_FLAGS:
            next(flags, None)
        elif not word.startswith("-"):
            positional.append(word)
    if not positional or positional[0] not in ("describe", "get", "events", "logs", "top"):
        return None
    verb, rest = positional[0], positional[1:]
    resource = rest[0] if rest and verb in ("describe", "get") else ""
    names = tuple(rest[1:] if resource else rest)
    if "/" in resource:
        resource, _, name = resource.partition("/")
        names = (name, *names)
    return Command(
        verb,
        resource,
        names,
        kept["namespace"],
        kept["container"],
        previous,
        kept["selector"],
        kept["output"],
        commented=line.lstrip().startswith("#"),
    )


def _outputs(block: Sequence[Line], command: Command | None) -> Iterator[Part]:
    """Cut a block where another output starts: a table header, or a describe after a table."""
    start = 0
    current: Output | None = None
    for index, (_, line) in enumerate(block):
        if not line.strip() or _markup(line):
            continue
        if line[0] in " \t":
            if not _events_alone(block, index):
                continue
            kind = Output.DESCRIBE
        elif current is None and _described_fields(line, command):
            kind = Output.DESCRIBE
        elif current is Output.EVENTS and HEADLESS_ROW.fullmatch(line):
            continue  # the next row of the same events table
        elif current is Output.PODS and HEADLESS_POD_ROW.fullmatch(line):
            continue  # the next row of the same pods table
        else:
            kind = _kind(line, [text for _, text in block[index + 1 : index + 40]], command)
        if current is None:
            current, start = kind, index
        elif kind is not Output.OTHER and not (kind is current is Output.DESCRIBE):
            yield _part(current, block[start:index], command)
            current, start = kind, index
    if current is not None:
        yield _part(current, block[start:], command)


def _described_fields(line: str, command: Command | None) -> bool:
    """Fields of a description cut down to a few lines (``Message: The node was low on
    ...``), right under the ``kubectl describe pod`` command that printed them."""
    if command is None or command.verb != "describe":
        return False
    return command.resource in ("pod", "pods", "po") and bool(_KEY.match(line))


def _events_alone(block: Sequence[Line], index: int) -> bool:
    """A description's events table pasted without its ``Events:`` line, after a blank one
    (or under an indented ``Events:`` line, as a paste indented as a whole shows it); or its
    rows alone, without their header, where the paste says it left the rest out (``......``,
    ``<snip>``)."""
    line = block[index][1]
    if _EVENTS_HEADER.match(line) is not None:
        return index == 0 or block[index - 1][1].strip() in ("", "Events:")
    before = next((text for _, text in reversed(block[:index]) if text.strip()), "")
    return HEADLESS_DESCRIBED_ROW.fullmatch(line) is not None and bool(ELISION.fullmatch(before))


def _markup(line: str) -> bool:
    """A line that is no output but how the paste presents it: a fence, an elision mark."""
    return bool(ELISION.fullmatch(line) or _FENCE.fullmatch(line))


def _part(output: Output, lines: Sequence[Line], command: Command | None) -> Part:
    """The part, without the fences around it; a description without its elision marks (a
    table keeps them: the reader says rows are missing), and an events table pasted alone
    gets back the ``Events:`` line it belongs under."""
    cut = _markup if output is Output.DESCRIBE else _FENCE.fullmatch
    lines = [(number, text) for number, text in lines if not cut(text)]
    if output is Output.DESCRIBE and lines and lines[0][1][:1] in (" ", "\t"):
        lines = [(lines[0][0], "Events:"), *lines]
    return Part(output, tuple(lines), command)


def _kind(line: str, following: Sequence[str], command: Command | None = None) -> Output:
    if _NAME.match(line):
        keys = {m["key"] for text in following if (m := _KEY.match(text))}
        return Output.DESCRIBE if keys & _DESCRIBE_KEYS else Output.OTHER
    if _is_excerpt(line, following):
        return Output.DESCRIBE
    header = {cell.replace(" ", "").upper() for cell in re.split(r"\s{2,}|\t+", line.strip())}
    if {"NAME", "READY", "STATUS"} <= header:  # RESTARTS and AGE may be cut off at the right
        return Output.PODS
    if {"REASON", "MESSAGE"} <= header and header & {"LASTSEEN", "FIRSTSEEN", "AGE"}:
        return Output.EVENTS
    if HEADLESS_ROW.fullmatch(line):
        return Output.EVENTS
    if HEADLESS_POD_ROW.fullmatch(line):
        return Output.PODS
    columns = header_cells(line)
    if columns is None:
        return Output.OTHER
    return (
        Output.OBJECTS if table_kind(columns, table_resource(following, command)) else Output.TABLE
    )


def table_resource(rows: Sequence[str], command: Command | None) -> str:
    """What a table lists, as ``kubectl get all`` prefixes its names (``deployment.apps/web``)
    or else as its command line asked (``get nodes``)."""
    first = rows[0].split(maxsplit=1)[0] if rows and rows[0].strip() else ""
    if "/" in first:
        return first.partition("/")[0]
    return command.resource if command is not None and command.verb == "get" else ""


def _is_excerpt(line: str, following: Sequence[str]) -> bool:
    """The tail of a pod's description pasted without its head: its ``Events`` table, its
    containers, or two of the sections a pod's description ends with."""
    match = _KEY.match(line)
    if match is None or match["key"] not in _POD_SECTIONS:
        return False
    if match["key"] == "Events":
        shown = next((text for text in following if text.strip()), "")
        return _EVENTS_HEADER.match(shown) is not None
    if match["key"] in ("Containers", "Init Containers"):
        return any(_IMAGE.match(text) for text in following)
    keys = {m["key"] for text in following if (m := _KEY.match(text))}
    return bool(keys & (_POD_SECTIONS - {match["key"]})) and not keys & _OTHER_KINDS_SECTIONS
