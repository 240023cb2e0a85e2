"""The grammar of the sandbox's shell: words, operators, and the syntax tree of a script.

Parsing is kept apart from running so the runner in ``shell.py`` reads like the shell's
semantics alone. The subset covers what Kubernetes manifests put in ``sh -c``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

_SEPARATORS = frozenset({";", "\n", "&"})
_REDIRECTS = frozenset({">", ">>", "<", ">&", "&>", "<&", ">|"})


class ScriptSyntaxError(ValueError):
    """The script does not parse (``sh: 1: Syntax error: ...``)."""


# -- syntax tree ---------------------------------------------------------------------------


@dataclass
class Simple:
    words: list[str]
    to_file: str | None = None  # stdout redirected away from the log


@dataclass
class Pipeline:
    commands: list[Command]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)
    background: bool = False


@dataclass
class Loop:
    condition: list[AndOr]
    body: list[AndOr]
    until: bool = False


@dataclass
class ForLoop:
    variable: str
    items: list[str]
    body: list[AndOr]


@dataclass
class IfElse:
    branches: list[tuple[list[AndOr], list[AndOr]]]
    otherwise: list[AndOr]


@dataclass
class Group:
    body: list[AndOr]


Command = Simple | Loop | ForLoop | IfElse | Group


def tokenize(script: str) -> list[str]:
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|<>()\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError as exc:  # unbalanced quotes
        raise ScriptSyntaxError(f"Syntax error: {exc}") from exc


class Parser:
    def __init__(self, words: list[str]) -> None:
        self.tokens = words
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        word = self.peek()
        if word is None or (expected is not None and word != expected):
            raise ScriptSyntaxError(f'Syntax error: "{word or "end of file"}" unexpected')
        self.pos += 1
        return word

    def skip_separators(self) -> None:
        while self.peek() in (";", "\n"):
            self.pos += 1

    def sequence(self, *enders: str) -> list[AndOr]:
        items: list[AndOr] = []
        while True:
            self.skip_separators()
            word = self.peek()
            if word is None or word in enders:
                return items
            item = self.and_or()
            if self.peek() == "&":
                self.pos += 1
                item.background = True
            items.append(item)

    def and_or(self) -> AndOr:
        result = AndOr(self.pipeline())
        while self.peek() in ("&&", "||"):
            op = self.take()
            while self.peek() == "\n":
                self.pos += 1
            result.rest.append((op, self.pipeline()))
        return result

    def pipeline(self) -> Pipeline:
        negate = self.peek() == "!"
        if negate:
            self.pos += 1
        commands = [self.command()]
        while self.peek() == "|":
            self.pos += 1
            commands.append(self.command())
        return Pipeline(commands, negate)

    def command(self) -> Command:
        word = self.peek()
        if word in ("while", "until"):
            self.pos += 1
            condition = self.sequence("do")
            self.take("do")
            body = self.sequence("done")
            self.take("done")
            return Loop(condition, body, until=word == "until")
        if word == "for":
            self.pos += 1
            variable = self.take()
            items: list[str] = []
            if self.peek() == "in":
                self.pos += 1
                while self.peek() not in (";", "\n", "do", None):
                    items.append(self.take())
            self.skip_separators()
            self.take("do")
            body = self.sequence("done")
            self.take("done")
            return ForLoop(variable, items, body)
        if word == "if":
            return self.if_else()
        if word in ("{", "("):
            self.pos += 1
            body = self.sequence("}" if word == "{" else ")")
            self.take("}" if word == "{" else ")")
            return Group(body)
        return self.simple()

    def if_else(self) -> IfElse:
        self.take("if")
        branches = []
        condition = self.sequence("then")
        self.take("then")
        body = self.sequence("elif", "else", "fi")
        branches.append((condition, body))
        otherwise: list[AndOr] = []
        while self.peek() == "elif":
            self.pos += 1
            condition = self.sequence("then")
            self.take("then")
            branches.append((condition, self.sequence("elif", "else", "fi")))
        if self.peek() == "else":
            self.pos += 1
            otherwise = self.sequence("fi")
        self.take("fi")
        return IfElse(branches, otherwise)

    def simple(self) -> Simple:
        command = Simple([])
        while True:
            word = self.peek()
            if word is None or word in _SEPARATORS or word in ("&&", "||", "|", ")", "}"):
                break
            if word in ("done", "fi", "then", "do", "else", "elif") and not command.words:
                break
            self.pos += 1
            if word in _REDIRECTS:
                if command.words and command.words[-1].isdigit():
                    command.words.pop()
                target = self.take() if self.peek() is not None else ""
                if word in (">", ">>", ">|", "&>") and target != "&2":
                    command.to_file = target
                continue
            command.words.append(word)
        if not command.words and command.to_file is None:
            raise ScriptSyntaxError(f'Syntax error: "{self.peek() or "end of file"}" unexpected')
        return command
