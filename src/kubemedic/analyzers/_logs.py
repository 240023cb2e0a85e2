"""The one log line that explains a crash, found in the tail of the instance that died.

A crash log ends in noise (stack frames, npm wrappers, "Node.js v18" trailers); the cause is a
single line near the end: the exception, the panic, "connection refused" to a host:port, the
missing variable. This module finds that line, and where in the code it was raised; the rules
in ``_log_rules`` say what it means and what it names — so a finding can quote it instead of
telling the user to go and read the logs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kubemedic.analyzers._log_rules import LogKind, classify_line, first_match

MAX_QUOTE = 300
"""Characters of a log line kept in a quote (JSON log lines can be very long)."""

MAX_BRIEF = 160
"""Characters of the readable form of the decisive line, for one-line summaries."""

_TAIL = 200
_WINDOW = 40
"""Content lines (stack frames excluded) at the end of the log searched for the cause."""

_BLOCK = 80
"""Lines above the decisive line searched for the rest of its stack trace or exception chain."""


@dataclass(frozen=True, slots=True)
class LogSignature:
    """The decisive line of a crash log and what it tells.

    ``subject`` is the concrete thing the line names (``DATABASE_URL``, ``/etc/app/config.yaml``,
    ``postgres:5432``, ``express``); ``where`` the code location that raised it; ``context`` a
    second line worth quoting (the top-level exception around a root cause, or the final error
    that followed it); ``brief`` the line made short and readable (``msg: error`` of a JSON
    line).
    """

    kind: LogKind
    line: str
    brief: str
    subject: str = ""
    where: str = ""
    context: str = ""


_EXCEPTION = re.compile(
    r"^(?:Exception in thread \"[^\"]*\" \S+"
    r"|Caused by: \S+"
    r"|(?:Uncaught )?(?:[A-Za-z_][\w$]*\.)*(?:[A-Z][\w$]*(?:Error|Exception|Exit|Interrupt|Failure"
    r"|Fault)|Error)(?::\s.*)?$"
    r"|panic: .+|fatal error: .+|thread '[^']*' panicked at .+|\[?UnhandledPromiseRejection)"
)
_ERRORISH = re.compile(
    r"(?i)\b(?:fatal|panic|critical|emerg|crit|error|err|exception|failed|failure|unable to|"
    r"cannot|can't|could not|refused|denied|not found|no such)\b"
)
_QUIET_LEVEL = re.compile(r"(?i)(?:level=|\"level\":\s*\"|\[)(?:info|debug|trace)\b")
_FRAME = re.compile(
    r"^(?:\s|$)"
    r"|^goroutine \d+ \["
    r"|^created by "
    r"|^[\w.*/()\[\]{}$-]+\([^)\s]*\)$"
    r"|^Node\.js v\d"
    r"|^[}\]^~]+$"
    r"|^Require stack:"
    r"|^- /"
    r"|^\.\.\. \d+ (?:more|common frames omitted)"
    r"|^\[signal "
    r"|^exit status \d+$"
    r"|^npm (?:ERR!|error)(?!.*[Mm]issing script)"
    r"|^Traceback \(most recent call last\):"
    r"|^During handling of the above exception|^The above exception was the direct cause"
)

_DETAIL = re.compile(r"(?i)^(?:[\w.-]+: )?(?:detail|hint):\s")
"""A line that details the one before it: ``initdb: detail: It contains a lost+found ...``."""
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) ")
_PY_FRAME = re.compile(r'^\s*(File "[^"]+", line \d+, in \S+)')
_AT_FRAME = re.compile(r"^\s+at (\S.*)")
_GO_FILE = re.compile(r"^\s+(/\S+\.go:\d+)")
_JS_SOURCE = re.compile(r"^/\S+:\d+$")
_LIBRARY_FRAME = re.compile(
    r'File "(?:<frozen|/usr/(?:local/)?lib/python|[^"]*(?:site|dist)-packages)'
)


def brief(line: str, limit: int = MAX_BRIEF) -> str:
    """The line made short and readable, keeping the part that names the cause in view."""
    text = readable(line.strip())
    if len(text) <= limit:
        return text
    found = first_match(text)
    end = found[1].end() if found else 0
    if end <= limit - 1:
        return text[: limit - 1] + "…"
    start = min(end, len(text)) - (limit - 2)
    tail = "…" if end < len(text) else ""
    return "…" + text[start:end] + tail


def readable(line: str) -> str:
    """A JSON log line as ``msg: error``; any other line as it is."""
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    parts = [
        str(record[key])
        for key in ("msg", "message", "error", "err", "exception")
        if record.get(key)
    ]
    return ": ".join(parts) or line


def find_signature(lines: Sequence[str]) -> LogSignature | None:
    """The decisive line of a crash log, or None when the log states no error at all.

    The cause is searched in the last :data:`_WINDOW` content lines (stack frames excluded):
    the latest line naming a cause or raising an exception wins, else the latest line that
    merely reports an error. Within the decisive line's exception chain, the line naming the
    most concrete cause is quoted (``Caused by: java.net.UnknownHostException: kafka``).
    """
    text = [_TIMESTAMP.sub("", line.rstrip()) for line in lines[-_TAIL:]]
    content = [i for i, line in enumerate(text) if not _FRAME.match(line)][-_WINDOW:]
    strong = [i for i in content if _EXCEPTION.match(text[i]) or classify_line(text[i])]
    weak = [i for i in content if _is_error(text[i])]
    if not strong and not weak:
        return None
    anchor = strong[-1] if strong else weak[-1]
    chosen = _most_specific(text, anchor)
    found = classify_line(text[chosen])
    kind, subject = found if found else (LogKind.EXCEPTION, "")
    if not found and not _EXCEPTION.match(text[chosen]):
        kind = LogKind.ERROR
    return LogSignature(
        kind=kind,
        line=_quote(text[chosen]),
        brief=brief(text[chosen]),
        subject=subject,
        where=_location(text, chosen),
        context=_quote(_context(text, anchor, chosen, weak)),
    )


def last_line(lines: Sequence[str]) -> str:
    """The last non-empty line, for logs that end without an error (a clean exit)."""
    for line in reversed(lines):
        if line.strip():
            return _quote(_TIMESTAMP.sub("", line.strip()))
    return ""


def _is_error(line: str) -> bool:
    return bool(_ERRORISH.search(line)) and not _QUIET_LEVEL.search(line)


def _block_start(text: Sequence[str], anchor: int) -> int:
    """First line of the exception chain or stack trace that ends at ``anchor``."""
    start = anchor
    for i in range(anchor - 1, max(anchor - _BLOCK, -1), -1):
        line = text[i]
        if _FRAME.match(line) or _EXCEPTION.match(line):
            start = i
            continue
        break
    return start


def _most_specific(text: Sequence[str], anchor: int) -> int:
    """Within the anchor's chain, the latest line that names a cause (else the anchor)."""
    found = classify_line(text[anchor])
    if found is not None:
        return anchor
    for i in range(anchor - 1, _block_start(text, anchor) - 1, -1):
        if not text[i].startswith((" ", "\t")) and classify_line(text[i]) is not None:
            return i
    return anchor


def _context(text: Sequence[str], anchor: int, chosen: int, weak: Sequence[int]) -> str:
    """A second line worth quoting: the detail a line ending in ":" announces, the exception
    around the cause, or the error after it."""
    if text[chosen].endswith(":"):
        detail = next((line for line in text[chosen + 1 : chosen + 4] if line.strip()), "")
        if detail:
            return detail
    detail = next((line for line in text[chosen + 1 : chosen + 3] if _DETAIL.match(line)), "")
    if detail:
        return detail
    if chosen != anchor:
        return text[anchor]
    later = [i for i in weak if i > anchor]
    if later:
        return text[later[-1]]
    for i in range(_block_start(text, anchor), anchor):
        if _EXCEPTION.match(text[i]) and not text[i].startswith("Caused by"):
            return text[i]
    return ""


def _location(text: Sequence[str], index: int) -> str:
    """Where the decisive line was raised: a Python, Node, Java or Go frame near it."""
    return _python_frame(text, index) or _source_above(text, index) or _frame_below(text, index)


def _python_frame(text: Sequence[str], index: int) -> str:
    """The innermost application frame of a Python traceback (library frames skipped)."""
    frames = [
        match.group(1)
        for i in range(index - 1, _block_start(text, index) - 1, -1)
        if (match := _PY_FRAME.match(text[i]))
    ]
    own = [f for f in frames if not _LIBRARY_FRAME.search(f)]
    return (own or frames or [""])[0]


def _source_above(text: Sequence[str], index: int) -> str:
    """Node prints ``/app/server.js:12``, the source line and a caret above the error."""
    for i in range(index - 1, max(index - 6, -1), -1):
        if _JS_SOURCE.match(text[i]):
            return text[i]
    return ""


def _frame_below(text: Sequence[str], index: int) -> str:
    """The first own frame of a Java/Node stack, or the panicking function of a Go panic."""
    following = text[index + 1 : index + 40]
    for offset, line in enumerate(following):
        at = _AT_FRAME.match(line)
        if at and "node:internal" not in line and "(internal/" not in line:
            return at.group(1)
        if line.startswith("goroutine ") and offset + 2 < len(following):
            go_file = _GO_FILE.match(following[offset + 2])
            if go_file:
                return f"{following[offset + 1].strip()} in {go_file.group(1)}"
        if line.startswith("- /"):
            return line[2:].strip()
    return ""


def _quote(line: str, limit: int = MAX_QUOTE) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
