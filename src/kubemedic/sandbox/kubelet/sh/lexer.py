"""Reading a script into tokens: operators, newlines and words with their quoting kept.

The lexer follows dash's reader: a backslash-newline vanishes everywhere but inside single
quotes, ``$(...)`` is parsed in place by a nested parser (so a ``)`` inside a ``case`` arm
does not end it), backquoted text is unescaped then parsed, and here-document bodies are read
after the newline that ends the line holding their ``<<``. With ``bash_compat`` (BusyBox ash)
it also reads ``$'...'``, ``&>``, ``${x:offset:length}`` and ``${x/pattern/replacement}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kubemedic.sandbox.kubelet.sh.formats import escapes
from kubemedic.sandbox.kubelet.sh.syntax import (
    Arith,
    CommandSub,
    HereDoc,
    Item,
    Lit,
    Param,
    Part,
    PartsBuilder,
    Word,
)

OPERATORS = ("&&", "||", ";;", "<<-", "<<", "<&", "<>", ">>", ">&", ">|", ";", "&", "|", "<", ">")
_ASH_OPERATORS = ("&>", *OPERATORS)
_META = frozenset(" \t\n;&|<>()")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_PARAMS = frozenset("@*#?-$!0123456789")
_PARAM_OPS = ("##", "%%", ":-", ":=", ":?", ":+", "-", "=", "?", "+", "#", "%")


class ShellSyntaxError(Exception):
    """A script that does not parse; the flavour words it (``Syntax error: ...``).

    ``unexpected`` names the token found (``"fi"``, ``end of file``, ``word``) with what was
    expected; otherwise ``message`` is one of the fixed complaints (``unterminated-quote``,
    ``missing-brace``, ``eof-backquote``, ``bad-substitution``, ``bad-for-variable``).
    """

    def __init__(
        self, line: int, *, unexpected: str = "", expecting: str = "", message: str = ""
    ) -> None:
        super().__init__(unexpected or message)
        self.line = line
        self.unexpected = unexpected
        self.expecting = expecting
        self.message = message


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "op", "newline", "eof"
    text: str  # the operator, or the word's source text
    line: int
    word: Word | None = None
    io_number: int | None = None  # ``2>``: the digits written just before a redirection

    def describe(self) -> str:
        """How dash and ash name a token in "unexpected" messages (reserved words quoted)."""
        if self.kind == "eof":
            return "end of file"
        if self.kind == "newline":
            return "newline"
        if self.kind == "op":
            return f'"{self.text}"'
        return "word"


NestedParse = Callable[["Lexer"], tuple[Item, ...]]
TextParse = Callable[[str, int, bool], tuple[Item, ...]]


class Lexer:
    """A cursor over the script text handing out tokens one at a time."""

    def __init__(
        self,
        text: str,
        nested: NestedParse,
        parse_text: TextParse,
        line: int = 1,
        *,
        bash_compat: bool = False,
    ) -> None:
        self.text = text
        self.pos = 0
        self.line = line
        self.bash_compat = bash_compat
        self.nested = nested  # parses ``$(...)`` from the current position up to its ")"
        self.parse_text = parse_text  # parses the unescaped text of a backquoted command
        self.pending: list[HereDoc] = []

    # -- characters --------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        """The next character, skipping backslash-newlines (line continuations)."""
        self._skip_continuations()
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def _skip_continuations(self) -> None:
        while self.text.startswith("\\\n", self.pos):
            self.pos += 2
            self.line += 1

    def take(self) -> str:
        char = self.peek()
        if char:
            self.pos += 1
            if char == "\n":
                self.line += 1
        return char

    def only_blanks_left(self) -> bool:
        rest = re.sub(r"#[^\n]*", "", self.text[self.pos :].replace("\\\n", ""))
        return not rest.strip(" \t\n")

    # -- tokens ------------------------------------------------------------------------
    def next_token(self) -> Token:
        while self.peek() in (" ", "\t"):
            self.take()
        if self.peek() == "#":
            while self.peek() not in ("\n", ""):
                self.take()
        line = self.line
        char = self.peek()
        if not char:
            return Token("eof", "", line)
        if char == "\n":
            self.take()
            self._read_heredocs()
            return Token("newline", "\n", line + 1)  # dash reports it on the line it ends
        if char in "()":
            self.take()
            return Token("op", char, line)
        operator = self._operator()
        if operator:
            return Token("op", operator, line)
        start = self.pos
        parts = self._word_parts()
        source = self.text[start : self.pos]
        if source.isdigit() and self.peek() in ("<", ">"):
            return Token("op", self._operator(), line, io_number=int(source))
        return Token("word", source, line, word=Word(parts, source))

    def _operator(self) -> str:
        for op in _ASH_OPERATORS if self.bash_compat else OPERATORS:
            if self._starts(op):
                for _ in op:
                    self.take()
                return op
        return ""

    def _starts(self, op: str) -> bool:
        return all(self.peek(i) == c for i, c in enumerate(op))

    def _word_parts(self) -> tuple[Part, ...]:
        parts = PartsBuilder()
        while True:
            char = self.peek()
            if not char or char in _META:
                return parts.done()
            self._unquoted_char(self.take(), parts)

    def _unquoted_char(self, char: str, parts: PartsBuilder) -> None:
        """One character of unquoted text: quotes and expansions start here."""
        if char == "\\":
            parts.lit(self.take() or "\\", quoted=True)  # a final backslash stays
        elif char == "'":
            parts.lit(self._single_quoted(), quoted=True)
        elif char == '"':
            parts.extend(self._double_quoted())
        elif char == "$" and self.bash_compat and self.peek() == "'":
            self.take()
            parts.lit(self._c_quoted(), quoted=True)
        elif char == "$":
            parts.add(self._dollar(quoted=False))
        elif char == "`":
            parts.add(self._backquote(quoted=False))
        else:
            parts.lit(char, quoted=False)

    def _c_quoted(self) -> str:
        """``$'...'``: single quotes with C escapes (BusyBox ash)."""
        match = re.compile(r"(?:[^'\\]|\\.)*'", re.DOTALL).match(self.text, self.pos)
        if match is None:
            raise ShellSyntaxError(self.line, message="unterminated-quote")
        self.pos = match.end()
        self.line += match.group().count("\n")
        return escapes(match.group()[:-1], bare_octal=True, hexadecimal=True, quotes=True)

    def _single_quoted(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise ShellSyntaxError(self.line, message="unterminated-quote")
        text = self.text[self.pos : end]
        self.line += text.count("\n")
        self.pos = end + 1
        return text

    def _double_quoted(self) -> tuple[Part, ...]:
        parts = PartsBuilder()
        while True:
            char = self.take()
            if not char:
                raise ShellSyntaxError(self.line, message="unterminated-quote")
            if char == '"':
                if not parts.items:
                    parts.lit("", quoted=True)  # "" alone still makes an (empty) field
                return parts.done()
            self._quoted_char(char, parts, '$`"\\')

    def _quoted_char(self, char: str, parts: PartsBuilder, escapable: str) -> None:
        """One character of double-quoted or here-document text."""
        if char == "\\":
            following = self.peek()
            if following and following in escapable:
                parts.lit(self.take(), quoted=True)
            else:
                parts.lit("\\", quoted=True)
        elif char == "$":
            parts.add(self._dollar(quoted=True))
        elif char == "`":
            parts.add(self._backquote(quoted=True))
        else:
            parts.lit(char, quoted=True)

    # -- expansions --------------------------------------------------------------------
    def _dollar(self, *, quoted: bool) -> Part:
        char = self.peek()
        if char == "{":
            self.take()
            return self._braced(quoted)
        if char == "(":
            self.take()
            if self.peek() == "(":
                self.take()
                return self._arith(quoted)
            return CommandSub(self.nested(self), quoted)
        if char and char in _SPECIAL_PARAMS:
            self.take()
            return Param(char, quoted=quoted)
        name = self._name()
        if name:
            return Param(name, quoted=quoted)
        return Lit("$", quoted)

    def _name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            return ""
        # a continuation inside a name is rare enough to end the name there
        self.pos = match.end()
        return match.group()

    def _braced(self, quoted: bool) -> Part:
        line = self.line
        length = False
        if self.peek() == "#" and self.peek(1) not in ("}", ""):
            self.take()
            length = True
        name = self._parameter_name()
        if not name:
            return self._bad_substitution(line)
        if length:
            if self.take() != "}":
                return self._bad_substitution(line)
            return Param(name, "len", quoted=quoted)
        if self.peek() == "}":
            self.take()
            return Param(name, quoted=quoted)
        for op in _PARAM_OPS:
            if self._starts(op):
                for _ in op:
                    self.take()
                arg, _ = self._param_arg(quoted, line)
                return Param(name, op, arg, quoted)
        if self.peek() == ":" and self.peek(1) in ("}", ""):
            raise ShellSyntaxError(line, message="missing-brace")
        if self.bash_compat and self.peek() in (":", "/"):
            return self._bash_param(name, quoted, line)
        return self._bad_substitution(line)

    def _parameter_name(self) -> str:
        """A name, a number (``${10}``) or a special parameter, inside braces."""
        name = self._name()
        if name:
            return name
        char = self.peek()
        if char.isdigit():
            while self.peek().isdigit():
                name += self.take()
            return name
        return self.take() if char and char in _SPECIAL_PARAMS else ""

    def _bash_param(self, name: str, quoted: bool, line: int) -> Part:
        """``${x:offset:length}`` and ``${x/pattern/replacement}`` (``//``: every match)."""
        op = self.take()
        if op == "/" and self.peek() == "/":
            op += self.take()
        first, end = self._param_arg(quoted, line, ":}" if op == ":" else "/}")
        second = self._param_arg(quoted, line)[0] if end != "}" else None
        return Param(name, op, first, quoted, second)

    def _bad_substitution(self, line: int) -> Part:
        """Skip to the closing brace; the substitution fails when (and if) it is expanded."""
        while self.peek() not in ("}", ""):
            self.take()
        if not self.take():
            raise ShellSyntaxError(line, message="missing-brace")
        return Param("", "bad", quoted=False)

    def _param_arg(self, quoted: bool, line: int, stops: str = "}") -> tuple[Word, str]:
        """The word inside ``${...}`` up to one of ``stops``, and the one that ended it."""
        parts = PartsBuilder()
        start = self.pos
        while True:
            char = self.take()
            if not char:
                raise ShellSyntaxError(line, message="missing-brace")
            if char in stops:
                return Word(parts.done(), self.text[start : self.pos - 1]), char
            if quoted and char == '"':
                parts.extend(self._double_quoted())
            elif quoted:
                self._quoted_char(char, parts, '$`"\\}')
            else:
                self._unquoted_char(char, parts)

    def _arith(self, quoted: bool) -> Part:
        line = self.line
        parts = PartsBuilder()
        start = self.pos
        depth = 0
        while True:
            char = self.take()
            if not char:
                raise ShellSyntaxError(line, message="missing-arith")
            if char == ")" and depth == 0 and self.peek() == ")":
                self.take()
                return Arith(Word(parts.done(), self.text[start : self.pos - 2]), quoted)
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == "$":
                parts.add(self._dollar(quoted=True))
            elif char == "`":
                parts.add(self._backquote(quoted=True))
            elif char == "\\" and self.peek() in ("$", "`", "\\"):
                parts.lit(self.take(), quoted=True)
            else:
                parts.lit(char, quoted=True)

    def _backquote(self, *, quoted: bool) -> Part:
        line = self.line
        text: list[str] = []
        while True:
            char = self.take()
            if not char:
                raise ShellSyntaxError(line, message="eof-backquote")
            if char == "`":
                break
            if char == "\\" and (
                self.peek() in ("$", "`", "\\") or (quoted and self.peek() == '"')
            ):
                char = self.take()
            text.append(char)
        return CommandSub(self.parse_text("".join(text), line, self.bash_compat), quoted)

    # -- here-documents ----------------------------------------------------------------
    def _read_heredocs(self) -> None:
        pending, self.pending = self.pending, []
        for doc in pending:
            lines: list[str] = []
            start_line = self.line
            while self.pos < len(self.text):
                end = self.text.find("\n", self.pos)
                raw = self.text[self.pos : end if end >= 0 else len(self.text)]
                self.pos = end + 1 if end >= 0 else len(self.text)
                self.line += 1
                text = raw.lstrip("\t") if doc.strip_tabs else raw
                if text == doc.delimiter:
                    break
                lines.append(text + ("\n" if end >= 0 else ""))
            body = "".join(lines)
            if not doc.expand:
                doc.body = Word((Lit(body, quoted=True),), body)
                continue
            sub = Lexer(
                body, self.nested, self.parse_text, start_line, bash_compat=self.bash_compat
            )
            doc.body = Word(sub._heredoc_parts(), body)

    def _heredoc_parts(self) -> tuple[Part, ...]:
        parts = PartsBuilder()
        while True:
            char = self.take()
            if not char:
                parts.lit("", quoted=True)
                return parts.done()
            self._quoted_char(char, parts, "$`\\")
