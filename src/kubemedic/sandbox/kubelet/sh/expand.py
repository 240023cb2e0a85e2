"""Word expansion in POSIX order: tilde, parameters, command substitution, arithmetic, then
field splitting on ``$IFS``, pathname expansion and quote removal.

Expansion works on chunks of text that remember where they came from: unquoted literal text
is never split but may be a pattern, quoted text is neither split nor a pattern, and the
results of unquoted expansions are both. ``"$@"`` keeps each parameter a field of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kubemedic.sandbox.kubelet.sh import arith, patterns
from kubemedic.sandbox.kubelet.sh.flavour import Flavour, ShellError
from kubemedic.sandbox.kubelet.sh.fs import FileSystem
from kubemedic.sandbox.kubelet.sh.state import NAME, ShellState
from kubemedic.sandbox.kubelet.sh.syntax import CommandSub, Item, Lit, Param, Word

LITERAL, QUOTED, EXPANDED = 0, 1, 2
BREAK = ("", -1)  # a field boundary inside "$@"
Chunk = tuple[str, int]
_IFS_WHITESPACE = " \t\n"
MAX_LENGTH = 16 * 2**20  # longer values mean a runaway script: it is treated as out of memory


class TooLarge(Exception):
    """A value outgrew any sensible size (``x=$x$x`` in a loop)."""


class Host(Protocol):
    state: ShellState
    fs: FileSystem
    flavour: Flavour

    def capture(self, body: tuple[Item, ...]) -> str: ...


class Expander:
    def __init__(self, host: Host) -> None:
        self.host = host

    @property
    def state(self) -> ShellState:
        return self.host.state

    # -- public ----------------------------------------------------------------------------
    def fields(self, words: Sequence[Word]) -> list[str]:
        """Words as command arguments: split into fields and matched against file names."""
        result: list[str] = []
        for word in words:
            for field in self._split(self.chunks(word)):
                if "noglob" not in self.state.options and _may_match(field):
                    elements = [(c, kind != QUOTED) for text, kind in field for c in text]
                    found = patterns.glob(elements, self.state.cwd, self.host.fs)
                    if found:
                        result.extend(found)
                        continue
                result.append("".join(text for text, _ in field))
        return result

    def string(self, word: Word, *, quoted: bool = False) -> str:
        """A word as one string: assignments, redirection targets, here-documents."""
        return "".join(text for text, _ in self.chunks(word, quoted=quoted))

    def pattern(self, word: Word) -> list[patterns.Element]:
        """A word as a pattern: quoted characters match themselves."""
        return [(c, kind != QUOTED) for text, kind in self.chunks(word) for c in text]

    # -- chunks ----------------------------------------------------------------------------
    def chunks(self, word: Word, *, quoted: bool = False) -> list[Chunk]:
        out: list[Chunk] = []
        for index, part in enumerate(word.parts):
            if isinstance(part, Lit):
                text = part.text
                if index == 0 and not part.quoted and not quoted and text.startswith("~"):
                    text = self._tilde(text)
                out.append((text, QUOTED if part.quoted or quoted else LITERAL))
            elif isinstance(part, Param):
                out.extend(self._param(part, quoted or part.quoted))
            elif isinstance(part, CommandSub):
                text = self.host.capture(part.body).rstrip("\n")
                out.append((text, QUOTED if quoted or part.quoted else EXPANDED))
            else:
                value = str(self.arithmetic(self.string(part.expr, quoted=True)))
                out.append((value, QUOTED if quoted or part.quoted else EXPANDED))
        if sum(len(text) for text, _ in out) > MAX_LENGTH:
            raise TooLarge
        return out

    def _tilde(self, text: str) -> str:
        head, sep, rest = text.partition("/")
        if head != "~":
            return text
        home = self.state.get("HOME")
        return text if home is None else home + sep + rest

    def arithmetic(self, expression: str) -> int:
        try:
            return arith.evaluate(
                expression, self.state.get, self._arith_assign, ash=self.host.flavour.ash
            )
        except arith.ArithError as error:
            if error.kind == "number":
                raise ShellError("illegal-number", error.detail) from None
            raise ShellError(f"arith-{error.kind}", expression) from None

    def _arith_assign(self, name: str, value: str) -> None:
        self.state.assign(name, value)

    # -- parameters ------------------------------------------------------------------------
    def _param(self, param: Param, quoted: bool) -> list[Chunk]:
        if param.op == "bad":
            raise ShellError("bad-substitution")
        if param.name in ("@", "*") and param.op == "":
            return self._positional(param.name, quoted)
        chunks = self._value(param, quoted)
        return [("", QUOTED), *chunks] if quoted else chunks  # "${x:+y}" is still a field

    def _value(self, param: Param, quoted: bool) -> list[Chunk]:
        kind = QUOTED if quoted else EXPANDED
        name, op = param.name, param.op
        value = self.state.get(name, self.host.flavour.ash)
        if op == "len":
            self._check_set(name, value)
            return [(str(len(value or "")), kind)]
        if op == "":
            self._check_set(name, value)
            return [(value or "", kind)]
        use_word = value is None or (op.startswith(":") and value == "")
        test = op.lstrip(":")
        if test == "-":
            return self._argument(param.arg, quoted) if use_word else [(value or "", kind)]
        if test == "+":
            return [] if use_word else self._argument(param.arg, quoted)
        if test == "=":
            if use_word:
                if not NAME.fullmatch(name):
                    raise ShellError("bad-name", name)
                value = self.string(param.arg) if param.arg is not None else ""
                self.state.assign(name, value)
            return [(value or "", kind)]
        if test == "?":
            if use_word:
                message = self.string(param.arg) if param.arg is not None else ""
                if message:
                    raise ShellError("param-message", name, message)
                raise ShellError("null" if op.startswith(":") else "unset", name)
            return [(value or "", kind)]
        self._check_set(name, value)
        if op == ":":
            return [(self._substring(value or "", param), kind)]
        elements = self.pattern(param.arg) if param.arg is not None else []
        if op in ("/", "//"):
            replacement = self.string(param.arg2) if param.arg2 is not None else ""
            return [(patterns.replace(elements, value or "", replacement, every=op == "//"), kind)]
        return [(patterns.strip(elements, value or "", op), kind)]

    def _substring(self, value: str, param: Param) -> str:
        """BusyBox's ``${x:offset:length}``; negative numbers count from the end."""
        offset = self.arithmetic(self.string(param.arg)) if param.arg is not None else 0
        start = max(len(value) + offset, 0) if offset < 0 else offset
        if param.arg2 is None:
            return value[start:]
        length = self.arithmetic(self.string(param.arg2))
        return value[start : len(value) + length if length < 0 else start + length]

    def _argument(self, word: Word | None, quoted: bool) -> list[Chunk]:
        if word is None:
            return []
        chunks = self.chunks(word, quoted=quoted)
        return [(text, EXPANDED if kind == LITERAL else kind) for text, kind in chunks]

    def _check_set(self, name: str, value: str | None) -> None:
        if value is None and "nounset" in self.state.options and name not in ("@", "*"):
            raise ShellError("unset", name)

    def _positional(self, name: str, quoted: bool) -> list[Chunk]:
        values = self.state.positional
        if quoted and name == "*":
            return [(self.state.ifs_join(values), QUOTED)]
        kind = QUOTED if quoted else EXPANDED
        out: list[Chunk] = []
        for index, value in enumerate(values):
            if index:
                out.append(BREAK)
            out.append((value, kind))
        return out

    # -- field splitting -------------------------------------------------------------------
    def _split(self, chunks: list[Chunk]) -> list[list[Chunk]]:
        ifs = self.state.ifs()
        fields: list[list[Chunk]] = []
        current: list[Chunk] = []
        started = False
        for text, kind in chunks:
            if kind == -1:
                if started:
                    fields.append(current)
                current, started = [], False
                continue
            if kind != EXPANDED or not ifs:
                current.append((text, kind))
                started = started or bool(text) or kind == QUOTED
                continue
            index = 0
            while index < len(text):
                char = text[index]
                if char not in ifs:
                    current.append((char, kind))
                    started = True
                    index += 1
                    continue
                white = char in _IFS_WHITESPACE
                index += 1
                if white and not started:
                    continue
                fields.append(current)
                current, started = [], False
                while index < len(text) and text[index] in ifs:
                    if text[index] in _IFS_WHITESPACE:
                        index += 1
                    elif white:
                        white = False
                        index += 1
                    else:
                        break
        if started:
            fields.append(current)
        return fields


def _may_match(field: list[Chunk]) -> bool:
    """Whether a field holds an unquoted ``*``, ``?`` or ``[`` (a file name pattern)."""
    active = "".join(text for text, kind in field if kind != QUOTED)
    return "*" in active or "?" in active or ("[" in active and "]" in active)
