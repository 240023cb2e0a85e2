"""``test`` and ``[``: dash's and BusyBox's own expression parsers, quirks included.

Both follow POSIX for up to four arguments (``[ -z "" ]`` is true, ``[ "$x" = y ]`` compares
strings whatever ``$x`` holds) and parse longer expressions with ``!``, ``-a``, ``-o`` and
parentheses, but they disagree at the edges: which errors they report (``unexpected
operator`` or ``unknown operand``), how they read numbers (``Illegal number`` or ``bad
number``), and whether ``==`` exists. Files are those of the simulated file system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubemedic.sandbox.kubelet.sh.fs import FileSystem
from kubemedic.sandbox.kubelet.sh.patterns import matches

UNARY = frozenset(
    {"-r", "-w", "-x", "-e", "-f", "-d", "-c", "-b", "-p", "-u", "-g", "-k", "-s", "-t"}
    | {"-z", "-n", "-h", "-O", "-G", "-L", "-S"}
)
_BINARY = frozenset({"=", "!=", "<", ">", "-eq", "-ne", "-ge", "-gt", "-le", "-lt"})
BINARY_DASH = _BINARY | {"-nt", "-ot", "-ef"}
BINARY_ASH = BINARY_DASH | {"=="}
_INT64 = 2**63


class TestError(Exception):
    """A malformed expression: the shell prints ``[: message`` and ``test`` returns 2."""

    def __init__(self, operand: str | None, problem: str) -> None:
        super().__init__(problem)
        self.text = f"{operand}: {problem}" if operand else problem


@dataclass(frozen=True, slots=True)
class Files:
    """File questions about the simulated file system, relative to the working directory."""

    fs: FileSystem
    cwd: str

    def unary(self, op: str, name: str) -> bool:
        path = self.fs.path(name, self.cwd)
        fs = self.fs
        if not fs.exists(path):
            return False
        checks = {
            "-e": True,
            "-f": fs.is_file(path),
            "-d": fs.is_dir(path),
            "-c": fs.is_device(path),
            "-s": fs.size(path) > 0 or fs.is_dir(path),
            "-r": True,
            "-w": True,
            "-x": fs.executable(path),
            "-O": True,
            "-G": True,
        }
        return checks.get(op, False)

    def binary(self, op: str, left: str, right: str) -> bool:
        first, second = self.fs.path(left, self.cwd), self.fs.path(right, self.cwd)
        if not (self.fs.exists(first) and self.fs.exists(second)):
            return False
        if op == "-ef":
            return first == second
        older, newer = self.fs.mtime(first), self.fs.mtime(second)
        return older > newer if op == "-nt" else older < newer


class _Expression:
    """The shared recursive-descent core: ``args`` and a cursor, operators per shell."""

    binary_ops: frozenset[str]

    def __init__(self, args: list[str], files: Files, *, patterns: bool = False) -> None:
        self.args = args
        self.files = files
        self.patterns = patterns
        self.pos = 0

    def at(self, index: int) -> str | None:
        return self.args[index] if 0 <= index < len(self.args) else None

    def number(self, text: str) -> int:
        raise NotImplementedError

    def binop(self, left: str, op: str, right: str | None) -> bool:
        if right is None:
            raise TestError(op, "argument expected")
        if op in ("=", "==", "!="):
            same = matches([(c, True) for c in right], left) if self.patterns else left == right
            return same != (op == "!=")
        if op in ("<", ">"):
            return left < right if op == "<" else left > right
        if op in ("-nt", "-ot", "-ef"):
            return self.files.binary(op, left, right)
        a, b = self.number(left), self.number(right)
        return {
            "-eq": a == b,
            "-ne": a != b,
            "-ge": a >= b,
            "-gt": a > b,
            "-le": a <= b,
            "-lt": a < b,
        }[op]

    def unop(self, op: str, operand: str) -> bool:
        if op == "-z":
            return operand == ""
        if op == "-n":
            return operand != ""
        if op == "-t":
            self.number(operand)
            return False  # a container's descriptors are never terminals
        return self.files.unary(op, operand)


class DashTest(_Expression):
    binary_ops = BINARY_DASH

    def number(self, text: str) -> int:
        match = re.fullmatch(r"\s*[+-]?\d+\s*", text)
        if match is None or not -_INT64 <= int(text) < _INT64:
            raise TestError(None, f"Illegal number: {text}")
        return int(text)

    def kind(self, index: int) -> str:
        """dash's t_lex: what the word at ``index`` is, given the words after it."""
        word = self.at(index)
        if word is None:
            return "EOI"
        if word in UNARY:
            following, after = self.at(index + 1), self.at(index + 2)
            if following is None or (after is not None and following in self.binary_ops):
                return "OPERAND"
            return "UNARY"
        if word == "(" and self.at(index + 1) is None:
            return "OPERAND"
        if word in self.binary_ops:
            return "BINARY"
        return {"!": "NOT", "-a": "AND", "-o": "OR", "(": "(", ")": ")"}.get(word, "OPERAND")

    def run(self) -> int:
        negated = False
        while True:
            count = len(self.args) - self.pos
            if count < 1:
                return 1 if not negated else 0
            words = self.args[self.pos :]
            if count == 3 and words[1] in self.binary_ops:
                kind = "OPERAND"
                break
            if count in (3, 4) and words[0] == "(" and words[-1] == ")":
                self.args = self.args[: len(self.args) - 1]
                self.pos += 1
            elif count in (3, 4) and words[0] == "!":
                negated = True
                self.pos += 1
                continue
            kind = self.kind(self.pos)
            break
        result = self.oexpr(kind)
        if self.at(self.pos) is not None and self.at(self.pos + 1) is not None:
            raise TestError(self.at(self.pos), "unexpected operator")
        return int(result == negated)

    def oexpr(self, kind: str) -> bool:
        result = False
        while True:
            result = self.aexpr(kind) or result
            if self.kind(self.pos + 1) != "OR":
                return result
            self.pos += 2
            kind = self.kind(self.pos)

    def aexpr(self, kind: str) -> bool:
        result = True
        while True:
            result = self.nexpr(kind) and result
            if self.kind(self.pos + 1) != "AND":
                return result
            self.pos += 2
            kind = self.kind(self.pos)

    def nexpr(self, kind: str) -> bool:
        if kind == "NOT":
            self.pos += 1
            return not self.nexpr(self.kind(self.pos))
        return self.primary(kind)

    def primary(self, kind: str) -> bool:
        if kind == "EOI":
            return False
        if kind == "(":
            self.pos += 1
            inner = self.kind(self.pos)
            if inner == ")":
                return False
            result = self.oexpr(inner)
            self.pos += 1
            if self.kind(self.pos) != ")":
                raise TestError(None, "closing paren expected")
            return result
        word = self.args[self.pos]
        if kind == "UNARY":
            self.pos += 1
            operand = self.at(self.pos)
            if operand is None:
                raise TestError(word, "argument expected")
            return self.unop(word, operand)
        following = self.at(self.pos + 1)
        if following in self.binary_ops:
            self.pos += 2
            return self.binop(word, following, self.at(self.pos))
        return word != ""


class AshTest(_Expression):
    binary_ops = BINARY_ASH

    def number(self, text: str) -> int:
        match = re.match(r"\s*[+-]?\d+", text)
        if match is None or text[match.end() :].strip(" \t\n\r\f\v"):
            raise TestError(text, "bad number")
        value = int(match.group())
        if not -_INT64 <= value < _INT64:
            raise TestError(text, "out of range")
        return value

    def kind(self, word: str | None) -> str:
        if word is None:
            return "EOI"
        if word in UNARY:
            return "UNARY"
        if word in self.binary_ops:
            return "BINARY"
        return {"!": "NOT", "-a": "AND", "-o": "OR", "(": "(", ")": ")"}.get(word, "OPERAND")

    def run(self) -> int:
        start, negated = 0, False
        while True:
            words = self.args[start:]
            if len(words) < 2:
                return int((not words or words[0] == "") != negated)
            if len(words) == 3 and words[1] in self.binary_ops:
                return int((not self.binop(words[0], words[1], words[2])) != negated)
            if len(words) == 4 and words[0] == "(" and words[3] == ")":
                del self.args[start + 3 :]  # BusyBox cuts the ")" off the whole expression
                start += 1
            if self.args[start : start + 1] != ["!"]:
                break
            start, negated = start + 1, not negated
        result = self.oexpr(self.kind(self.at(0)))
        if self.at(self.pos) is not None and self.at(self.pos + 1) is not None:
            raise TestError(self.at(self.pos + 1), "unknown operand")
        return int(not result)

    def oexpr(self, kind: str) -> bool:
        result = self.aexpr(kind)
        self.pos += 1
        if self.kind(self.at(self.pos)) == "OR":
            self.pos += 1
            return self.oexpr(self.kind(self.at(self.pos))) or result
        self.pos -= 1
        return result

    def aexpr(self, kind: str) -> bool:
        result = self.nexpr(kind)
        self.pos += 1
        if self.kind(self.at(self.pos)) == "AND":
            self.pos += 1
            return self.aexpr(self.kind(self.at(self.pos))) and result
        self.pos -= 1
        return result

    def nexpr(self, kind: str) -> bool:
        if kind == "NOT":
            self.pos += 1
            following = self.kind(self.at(self.pos))
            if following == "EOI":  # "[ ! ]" and "[ a -a ! ]" are true
                self.pos -= 1
                return True
            return not self.nexpr(following)
        return self.primary(kind)

    def primary(self, kind: str) -> bool:
        if kind == "EOI":
            raise TestError(None, "argument expected")
        if kind == "(":
            self.pos += 1
            result = self.oexpr(self.kind(self.at(self.pos)))
            self.pos += 1
            if self.kind(self.at(self.pos)) != ")":
                raise TestError(None, "closing paren expected")
            return result
        word = self.args[self.pos]
        following = self.at(self.pos + 1)
        if following in self.binary_ops and self.at(self.pos + 2) is not None:
            self.pos += 2
            return self.binop(word, following, self.at(self.pos))
        if kind == "UNARY":
            if following is None:
                return word != ""
            self.pos += 1
            return self.unop(word, following)
        if following in self.binary_ops:
            self.pos += 2
            return self.binop(word, following, self.at(self.pos))
        return word != ""


def evaluate(argv: list[str], files: Files, *, ash: bool) -> int:
    """The exit status of ``test``/``[`` with ``argv`` (command name included); TestError."""
    args = list(argv[1:])
    if argv[0] == "[[":  # BusyBox: && and || inside, and = == != match patterns
        if args[-1:] != ["]]"]:
            raise TestError(None, "missing ]]")
        args = [{"&&": "-a", "||": "-o"}.get(a, a) for a in args[:-1]]
        return AshTest(args, files, patterns=True).run()
    if argv[0] == "[" or argv[0].endswith("/["):
        last = args[-1] if args else ""
        if not (last.startswith("]") if not ash else last == "]"):
            raise TestError(None, "missing ]")
        args.pop()
    return (AshTest(args, files) if ash else DashTest(args, files)).run()
