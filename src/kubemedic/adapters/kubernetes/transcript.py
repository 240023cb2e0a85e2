"""Pasted terminal text: which kubectl output each part of it is.

People paste ``kubectl`` output as it scrolled by, often with the command lines and their
prompts (``$ kubectl describe pod x -n shop``, ``[root@host ~]# kubectl get pods``), several
outputs one after another, or an output alone. The text is cut at each command line and
where a new output visibly starts (a ``Name:`` line after a table, a table header after a
blank line); each part is told apart by its content, so a paste without command lines reads
the same. Command lines still give what the output omits: the namespace of a table.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

Line = tuple[int, str]

_COMMAND = re.compile(
    r"(?:(?:\S+\s)?\S*[$#>%]\s+|[$#>%]\s*)?(?:\.?/?\S*/)?"
    r"(?P<tool>kubectl|oc|kubecolor|k)(?:\.sh|\.exe)?\s+(?P<args>\S.*)"
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
_KEY = re.compile(r"(?P<key>[A-Z][\w ()-]*):(?:\s|$)")


class Output(Enum):
    DESCRIBE = "kubectl describe"
    PODS = "kubectl get pods"
    EVENTS = "kubectl get events"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Command:
    """What a pasted command line asked kubectl for."""

    verb: str
    resource: str
    names: tuple[str, ...]
    namespace: str


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


def looks_pasted(head: str) -> bool:
    """True when the start of a text holds kubectl describe or table output."""
    return any(part.output is not Output.OTHER for part in parts(head))


def parse_command(line: str) -> Command | None:
    match = _COMMAND.fullmatch(line.strip())
    if match is None:
        return None
    try:
        words = shlex.split(match["args"])
    except ValueError:
        words = match["args"].split()
    positional: list[str] = []
    namespace = ""
    flags = iter(words)
    for word in flags:
        if word in ("-n", "--namespace"):
            namespace = next(flags, "")
        elif word.startswith(("--namespace=", "-n=")):
            namespace = word.partition("=")[2]
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
    return Command(verb, resource, names, namespace)


def _split(block: Sequence[Line], command: Command | None) -> Iterator[Part]:
    """Cut a block where another output starts: a table header, or a describe after a table."""
    start = 0
    current: Output | None = None
    for index, (_, line) in enumerate(block):
        if not line.strip() or line[0] in " \t":
            continue
        kind = _kind(line, [text for _, text in block[index + 1 : index + 40]])
        if current is None:
            current, start = kind, index
        elif kind is not Output.OTHER and not (kind is current is Output.DESCRIBE):
            yield Part(current, tuple(block[start:index]), command)
            current, start = kind, index
    if current is not None:
        yield Part(current, tuple(block[start:]), command)


def _kind(line: str, following: Sequence[str]) -> Output:
    if _NAME.match(line):
        keys = {m["key"] for text in following if (m := _KEY.match(text))}
        return Output.DESCRIBE if keys & _DESCRIBE_KEYS else Output.OTHER
    header = {cell.replace(" ", "").upper() for cell in re.split(r"\s{2,}|\t+", line.strip())}
    if {"NAME", "READY", "STATUS", "RESTARTS"} <= header:
        return Output.PODS
    if {"REASON", "MESSAGE"} <= header and header & {"LASTSEEN", "FIRSTSEEN", "AGE"}:
        return Output.EVENTS
    return Output.OTHER
