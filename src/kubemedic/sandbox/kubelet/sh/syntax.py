"""The syntax tree of a shell script: words made of parts, and the commands built from them.

Words keep their quoting (a part is quoted or not) because expansion depends on it: only
unquoted expansion results are split into fields and matched against file names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text; ``quoted`` when it came from quotes or a backslash."""

    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """``$name`` or ``${name<op>arg}``; op is one of - = ? + (optionally after :), # ## % %%,
    "len" for ``${#name}``, or BusyBox's ":" (``${x:offset:length}``) and "/" "//"
    (``${x/pattern/replacement}``), which use ``arg2`` for the length or the replacement."""

    name: str
    op: str = ""
    arg: Word | None = None
    quoted: bool = False
    arg2: Word | None = None


@dataclass(frozen=True, slots=True)
class CommandSub:
    """``$(...)`` or a backquoted command."""

    body: tuple[Item, ...]
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Arith:
    """``$((...))``: the expression is expanded as a word, then evaluated."""

    expr: Word
    quoted: bool = False


Part = Lit | Param | CommandSub | Arith


@dataclass(frozen=True, slots=True)
class Word:
    parts: tuple[Part, ...]
    source: str = ""

    def literal(self) -> str | None:
        """The text of a word with no quotes and no expansions (a reserved word candidate)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class HereDoc:
    """The body of ``<<WORD`` is read after the end of the line, so it is filled in later."""

    delimiter: str
    expand: bool
    strip_tabs: bool
    body: Word | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    fd: int  # the file descriptor redirected
    op: str  # < > >> >| <> <& >& << <<-
    target: Word | None = None
    heredoc: HereDoc | None = None


@dataclass(frozen=True, slots=True)
class Simple:
    assigns: tuple[tuple[str, Word], ...]
    words: tuple[Word, ...]
    redirects: tuple[Redirect, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Group:
    """``{ list; }``"""

    body: tuple[Item, ...]
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class Subshell:
    """``( list )``"""

    body: tuple[Item, ...]
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class If:
    branches: tuple[tuple[tuple[Item, ...], tuple[Item, ...]], ...]
    otherwise: tuple[Item, ...] | None
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class Loop:
    """``while`` (or ``until``) condition; do body; done"""

    condition: tuple[Item, ...]
    body: tuple[Item, ...]
    until: bool
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class For:
    variable: str
    items: tuple[Word, ...] | None  # None: ``for x; do`` iterates over "$@"
    body: tuple[Item, ...]
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseArm:
    patterns: tuple[Word, ...]
    body: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Case:
    word: Word
    arms: tuple[CaseArm, ...]
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionDef:
    name: str
    body: Command
    line: int


Compound = Group | Subshell | If | Loop | For | Case
Command = Simple | Compound | FunctionDef


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[Command, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class AndOr:
    first: Pipeline
    rest: tuple[tuple[str, Pipeline], ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a list: an and-or list, run in the background when ``background``."""

    command: AndOr
    background: bool = False


class PartsBuilder:
    """Collects word parts, merging neighbouring literals of the same quoting."""

    def __init__(self) -> None:
        self.items: list[Part] = []

    def lit(self, text: str, *, quoted: bool) -> None:
        last = self.items[-1] if self.items else None
        if isinstance(last, Lit) and last.quoted == quoted:
            self.items[-1] = Lit(last.text + text, quoted)
        else:
            self.items.append(Lit(text, quoted))

    def add(self, part: Part) -> None:
        if isinstance(part, Lit):
            self.lit(part.text, quoted=part.quoted)
        else:
            self.items.append(part)

    def extend(self, parts: tuple[Part, ...]) -> None:
        for part in parts:
            self.add(part)

    def done(self) -> tuple[Part, ...]:
        return tuple(self.items)
