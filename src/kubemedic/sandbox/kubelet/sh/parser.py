"""The POSIX shell grammar, parsed one complete command at a time like dash and ash do.

A script runs line by line: each complete command is parsed, then run, so the lines before a
syntax error have already run when it is reported. Errors name the unexpected token and what
was expected in the words dash and ash use (``"fi" unexpected``, ``end of file unexpected
(expecting "done")``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kubemedic.sandbox.kubelet.sh.lexer import Lexer, ShellSyntaxError, Token
from kubemedic.sandbox.kubelet.sh.syntax import (
    AndOr,
    Case,
    CaseArm,
    Command,
    Compound,
    For,
    FunctionDef,
    Group,
    HereDoc,
    If,
    Item,
    Lit,
    Loop,
    Pipeline,
    Redirect,
    Simple,
    Subshell,
    Word,
)

RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until"}
    | {"for", "{", "}", "!", "in"}
)
_LIST_ENDS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})
_REDIRECTS = frozenset({"<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<-", "&>"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Parser:
    def __init__(self, text: str, line: int = 1, *, bash_compat: bool = False) -> None:
        self.lexer = Lexer(text, _nested, _parse_text, line, bash_compat=bash_compat)
        self.token: Token | None = None
        self.previous = Token("newline", "\n", line)

    # -- entry points --------------------------------------------------------------------
    def next_command(self) -> tuple[Item, ...] | None:
        """The next complete command (one line's list, or more for compound commands)."""
        while self.peek().kind == "newline":
            self.advance()
        if self.peek().kind == "eof":
            return None
        items: list[Item] = []
        while True:
            command = self.and_or()
            token = self.peek()
            background = _is_op(token, "&")
            items.append(Item(command, background))
            if background or _is_op(token, ";"):
                self.advance()
                token = self.peek()
            if token.kind in ("newline", "eof"):
                if token.kind == "newline":
                    self.advance()
                return tuple(items)
            if not (background or _is_op(self.previous, ";")):
                raise self.unexpected(token)

    def at_end(self) -> bool:
        """Nothing but blanks and comments left: the command just parsed is the last."""
        if self.token is not None:
            return self.token.kind == "eof"
        return self.lexer.only_blanks_left()

    def parse_all(self) -> tuple[Item, ...]:
        items: list[Item] = []
        while (command := self.next_command()) is not None:
            items.extend(command)
        return tuple(items)

    # -- tokens --------------------------------------------------------------------------
    def peek(self) -> Token:
        if self.token is None:
            self.token = self.lexer.next_token()
        return self.token

    def advance(self) -> Token:
        token = self.peek()
        self.previous = token
        self.token = None
        return token

    def unexpected(self, token: Token, expecting: str = "") -> ShellSyntaxError:
        what = token.describe()
        if token.kind == "word" and token.word is not None:
            literal = token.word.literal()
            if literal in RESERVED:
                what = f'"{literal}"'
        return ShellSyntaxError(token.line, unexpected=what, expecting=expecting)

    def keyword(self) -> str | None:
        token = self.peek()
        if token.kind == "word" and token.word is not None:
            literal = token.word.literal()
            if literal in RESERVED:
                return literal
        return None

    def expect_keyword(self, word: str) -> None:
        if self.keyword() != word:
            raise self.unexpected(self.peek(), f'"{word}"')
        self.advance()

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.advance()

    # -- lists ---------------------------------------------------------------------------
    def compound_list(self, *, may_be_empty_before: frozenset[str] = frozenset()) -> list[Item]:
        items: list[Item] = []
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == "eof":
                return items
            if (items or may_be_empty_before) and self._ends_list(
                token, may_be_empty_before if not items else None
            ):
                return items
            command = self.and_or()
            token = self.peek()
            background = _is_op(token, "&")
            items.append(Item(command, background))
            if background or _is_op(token, ";") or token.kind == "newline":
                self.advance()
            else:
                return items

    def _ends_list(self, token: Token, only: frozenset[str] | None) -> bool:
        name = self.keyword() if token.kind == "word" else token.text
        if only is not None:
            return name in only
        return name in _LIST_ENDS or (token.kind == "op" and token.text in (")", ";;"))

    def and_or(self) -> AndOr:
        first = self.pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while (token := self.peek()).kind == "op" and token.text in ("&&", "||"):
            self.advance()
            self.skip_newlines()
            rest.append((token.text, self.pipeline()))
        return AndOr(first, tuple(rest))

    def pipeline(self) -> Pipeline:
        negate = self.keyword() == "!"
        if negate:
            self.advance()
        commands = [self.command()]
        while _is_op(self.peek(), "|"):
            self.advance()
            self.skip_newlines()
            commands.append(self.command())
        return Pipeline(tuple(commands), negate)

    # -- commands ------------------------------------------------------------------------
    def command(self) -> Command:
        token = self.peek()
        word = self.keyword()
        compound: Compound
        if word == "if":
            compound = self.if_clause()
        elif word in ("while", "until"):
            self.advance()
            condition = self.compound_list()
            self.expect_keyword("do")
            body = self.compound_list()
            self.expect_keyword("done")
            compound = Loop(tuple(condition), tuple(body), until=word == "until")
        elif word == "for":
            compound = self.for_clause()
        elif word == "case":
            compound = self.case_clause()
        elif word == "{":
            self.advance()
            body = self.compound_list()
            self.expect_keyword("}")
            compound = Group(tuple(body))
        elif _is_op(token, "("):
            self.advance()
            body = self.compound_list()
            if not _is_op(self.peek(), ")"):
                raise self.unexpected(self.peek(), '")"')
            self.advance()
            compound = Subshell(tuple(body))
        elif word is not None:
            raise self.unexpected(token)
        elif (
            self.lexer.bash_compat and token.word is not None and token.word.literal() == "function"
        ):
            return self.function_keyword()
        else:
            return self.simple_command()
        redirects = self.redirects()
        return replace(compound, redirects=tuple(redirects)) if redirects else compound

    def if_clause(self) -> If:
        self.advance()
        branches = []
        while True:
            condition = self.compound_list()
            self.expect_keyword("then")
            body = self.compound_list()
            branches.append((tuple(condition), tuple(body)))
            word = self.keyword()
            if word == "elif":
                self.advance()
                continue
            otherwise = None
            if word == "else":
                self.advance()
                otherwise = tuple(self.compound_list())
            self.expect_keyword("fi")
            return If(tuple(branches), otherwise)

    def for_clause(self) -> For:
        self.advance()
        token = self.advance()
        name = token.word.literal() if token.word is not None else None
        if token.kind != "word" or name is None or not _NAME.fullmatch(name):
            raise ShellSyntaxError(token.line, message="bad-for-variable")
        self.skip_newlines()
        items: list[Word] | None = None
        if self.keyword() == "in":
            self.advance()
            items = []
            while (token := self.peek()).kind == "word" and token.word is not None:
                items.append(token.word)
                self.advance()
            if not (_is_op(token, ";") or token.kind == "newline"):
                raise self.unexpected(token)
            self.advance()
        elif _is_op(self.peek(), ";"):
            self.advance()
        self.skip_newlines()
        self.expect_keyword("do")
        body = self.compound_list()
        self.expect_keyword("done")
        return For(name, None if items is None else tuple(items), tuple(body))

    def case_clause(self) -> Case:
        self.advance()
        token = self.advance()
        if token.kind != "word" or token.word is None:
            raise self.unexpected(token, "word")
        subject = token.word
        self.skip_newlines()
        self.expect_keyword("in")
        arms: list[CaseArm] = []
        while True:
            self.skip_newlines()
            if self.keyword() == "esac":
                self.advance()
                return Case(subject, tuple(arms))
            if _is_op(self.peek(), "("):
                self.advance()
            patterns = [self._pattern()]
            while _is_op(self.peek(), "|"):
                self.advance()
                patterns.append(self._pattern())
            if not _is_op(self.peek(), ")"):
                raise self.unexpected(self.peek(), '")"')
            self.advance()
            body = self.compound_list(may_be_empty_before=frozenset({";;", "esac"}))
            arms.append(CaseArm(tuple(patterns), tuple(body)))
            if _is_op(self.peek(), ";;"):
                self.advance()
            elif self.keyword() == "esac":
                self.advance()
                return Case(subject, tuple(arms))
            else:
                raise self.unexpected(self.peek(), '";;"')

    def _pattern(self) -> Word:
        token = self.peek()
        if token.kind != "word" or token.word is None:
            raise self.unexpected(token, '")"')
        self.advance()
        return token.word

    def simple_command(self) -> Command:
        first = self.peek()
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        while True:
            token = self.peek()
            if token.kind == "word" and token.word is not None:
                self.advance()
                if not words and _ASSIGNMENT.match(token.text) and _assignable(token.word):
                    assigns.append(_split_assignment(token.word))
                    continue
                words.append(token.word)
                if len(words) == 1 and not assigns and not redirects and _is_op(self.peek(), "("):
                    return self.function_definition(token)
                continue
            if token.kind == "op" and token.text in _REDIRECTS:
                redirects.append(self.redirect())
                continue
            if token.text in ("&&", "||") and self._in_double_brackets(words):
                self.advance()  # BusyBox passes && and || inside [[ ]] to the test
                words.append(Word((Lit(token.text),), token.text))
                continue
            break
        if not (assigns or words or redirects):
            raise self.unexpected(first)
        return Simple(tuple(assigns), tuple(words), tuple(redirects), first.line)

    def _in_double_brackets(self, words: list[Word]) -> bool:
        return (
            self.lexer.bash_compat
            and bool(words)
            and words[0].literal() == "[["
            and words[-1].literal() != "]]"
        )

    def function_keyword(self) -> FunctionDef:
        """BusyBox's ``function name { ...; }`` (the parentheses are optional)."""
        self.advance()
        name = self.advance()
        if name.kind != "word" or not _NAME.fullmatch(name.text):
            raise ShellSyntaxError(name.line, message="bad-function-name")
        if _is_op(self.peek(), "("):
            return self.function_definition(name)
        self.skip_newlines()
        return FunctionDef(name.text, self.command(), name.line)

    def function_definition(self, name: Token) -> FunctionDef:
        if not _NAME.fullmatch(name.text):
            raise ShellSyntaxError(name.line, message="bad-function-name")
        self.advance()
        if not _is_op(self.peek(), ")"):
            raise self.unexpected(self.peek(), '")"')
        self.advance()
        self.skip_newlines()
        return FunctionDef(name.text, self.command(), name.line)

    def redirects(self) -> list[Redirect]:
        found = []
        while (token := self.peek()).kind == "op" and token.text in _REDIRECTS:
            found.append(self.redirect())
        return found

    def redirect(self) -> Redirect:
        token = self.advance()
        op = token.text
        fd = token.io_number if token.io_number is not None else (0 if op[0] == "<" else 1)
        target = self.advance()
        if target.kind != "word" or target.word is None:
            raise self.unexpected(target)
        if op in ("<<", "<<-"):
            doc = HereDoc(
                delimiter=_unquoted(target.word),
                expand=not any(getattr(p, "quoted", False) for p in target.word.parts),
                strip_tabs=op == "<<-",
            )
            self.lexer.pending.append(doc)
            return Redirect(fd, op, heredoc=doc)
        literal = target.word.literal()
        duplicates = literal is not None and (literal.isdigit() or literal == "-")
        if op in (">&", "<&") and literal is not None and not duplicates:
            if not self.lexer.bash_compat or op == "<&":
                raise ShellSyntaxError(target.line, message="bad-fd-number")
            op = "&>"  # BusyBox: ">& file" sends both stdout and stderr to the file
        return Redirect(fd, op, target.word)


def _is_op(token: Token, text: str) -> bool:
    return token.kind == "op" and token.text == text


def _assignable(word: Word) -> bool:
    first = word.parts[0]
    return isinstance(first, Lit) and not first.quoted and "=" in first.text


def _split_assignment(word: Word) -> tuple[str, Word]:
    first = word.parts[0]
    assert isinstance(first, Lit)
    name, _, rest = first.text.partition("=")
    parts = ((Lit(rest),) if rest else ()) + word.parts[1:]
    return name, Word(parts, word.source[len(name) + 1 :])


def _unquoted(word: Word) -> str:
    return "".join(p.text if isinstance(p, Lit) else word.source for p in word.parts)


def _nested(lexer: Lexer) -> tuple[Item, ...]:
    """The body of ``$(...)``, parsed in place from the enclosing script's lexer."""
    parser = Parser.__new__(Parser)
    parser.lexer = lexer
    parser.token = None
    parser.previous = Token("op", "(", lexer.line)
    items = parser.compound_list(may_be_empty_before=frozenset({")"}))
    if not _is_op(parser.peek(), ")"):
        raise parser.unexpected(parser.peek(), '")"')
    return tuple(items)


def _parse_text(text: str, line: int, bash_compat: bool) -> tuple[Item, ...]:
    return Parser(text, line, bash_compat=bash_compat).parse_all()
