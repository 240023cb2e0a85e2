"""Shell arithmetic, ``$(( ))``: 64-bit C integer expressions with variables.

dash implements POSIX exactly: no ``**``, ``++``, ``--`` or ``,``; ``&&``, ``||`` and ``?:``
skip the side they do not take; a variable must hold a number. BusyBox ash adds those
operators and ``base#digits``, evaluates every operand (``0 && 1/0`` divides by zero), and
reads a variable holding an expression as that expression.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

_BITS = 64
_DASH_OPS = (
    *("<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||"),
    *("+=", "-=", "*=", "/=", "%=", "&=", "^=", "|="),
)
_ASH_OPS = ("**=", "**", "++", "--", *_DASH_OPS)
_SINGLE = "+-*/%<>&|^!~?:=()"
_ASH_SINGLE = _SINGLE + ","
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _token_pattern(ops: tuple[str, ...], single: str, number: str) -> re.Pattern[str]:
    operators = "|".join(re.escape(op) for op in ops)
    return re.compile(
        rf"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>{number})"
        rf"|(?P<op>{operators}|[{re.escape(single)}])|(?P<other>\S))"
    )


_DASH_TOKEN = _token_pattern(_DASH_OPS, _SINGLE, r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
_ASH_TOKEN = _token_pattern(_ASH_OPS, _ASH_SINGLE, r"[0-9][0-9A-Za-z_#@]*")
_ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=", "**="})
_PRECEDENCE = {
    "|": 1,
    "^": 2,
    "&": 3,
    "==": 4,
    "!=": 4,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "<<": 6,
    ">>": 6,
    "+": 7,
    "-": 7,
    "*": 8,
    "/": 8,
    "%": 8,
}
_ARITHMETIC: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b),
    "<=": lambda a, b: int(a <= b),
    ">": lambda a, b: int(a > b),
    ">=": lambda a, b: int(a >= b),
}


class ArithError(Exception):
    """``kind`` is primary, eof, zero, number (with ``detail``), exponent or syntax."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.detail = detail


def wrap(value: int) -> int:
    """Two's-complement 64-bit, like intmax_t."""
    value &= (1 << _BITS) - 1
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def _literal(digits: str) -> int:
    """A C integer constant: 0x hexadecimal, 0 octal, else decimal (ValueError if bad)."""
    if digits[:2] in ("0x", "0X"):
        return int(digits[2:], 16)
    return int(digits, 8) if digits.startswith("0") else int(digits)


def parse_integer(text: str) -> int | None:
    """A variable's value as strtoimax(base 0) reads it, surrounding blanks allowed."""
    match = re.fullmatch(r"[ \t\n]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t\n]*", text)
    if match is None:
        return None
    value = _literal(match.group(2))
    return wrap(-value if match.group(1) == "-" else value)


Lookup = Callable[[str], str | None]
Assign = Callable[[str, str], None]


class Evaluator:
    def __init__(self, text: str, lookup: Lookup, assign: Assign, *, ash: bool, depth: int = 0):
        self.ash = ash
        self.lookup = lookup
        self.assign = assign
        self.depth = depth
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        for match in (_ASH_TOKEN if self.ash else _DASH_TOKEN).finditer(text):
            kind = match.lastgroup
            tokens.append("\0" if kind == "other" or kind is None else match.group(kind))
        return tokens

    # -- driver --------------------------------------------------------------------------
    def evaluate(self) -> int:
        if not self.tokens:
            if self.ash:
                return 0
            raise ArithError("primary")
        value = self.comma(evaluate=True)
        if self.pos < len(self.tokens):
            raise ArithError("eof")
        return value

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        self.pos += 1
        return token

    # -- grammar (C precedence) -----------------------------------------------------------
    def comma(self, evaluate: bool) -> int:
        value = self.assignment(evaluate)
        while self.ash and self.peek() == ",":
            self.take()
            value = self.assignment(evaluate)
        return value

    def assignment(self, evaluate: bool) -> int:
        name = self.peek()
        op = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else ""
        if not (_NAME.fullmatch(name) and op in _ASSIGN_OPS):
            return self.conditional(evaluate)
        self.pos += 2
        value = self.assignment(evaluate)
        if op != "=":
            value = self.apply(op[:-1], self.variable(name, evaluate), value, evaluate)
        if evaluate:
            self.assign(name, str(value))
        return value

    def conditional(self, evaluate: bool) -> int:
        condition = self.logical("||", evaluate)
        if self.peek() != "?":
            return condition
        self.take()
        lazy = not self.ash
        yes = self.comma(evaluate and (bool(condition) or not lazy))
        if self.take() != ":":
            raise ArithError("syntax" if self.ash else "primary")
        no = self.conditional(evaluate and (not condition or not lazy))
        return yes if condition else no

    def logical(self, op: str, evaluate: bool) -> int:
        value = self.logical("&&", evaluate) if op == "||" else self.binary(evaluate, 1)
        while self.peek() == op:
            self.take()
            decided = bool(value) if op == "||" else not value
            lazy = evaluate and (self.ash or not decided)
            right = self.logical("&&", lazy) if op == "||" else self.binary(lazy, 1)
            value = int(bool(value) or bool(right)) if op == "||" else int(bool(value and right))
        return value

    def binary(self, evaluate: bool, lowest: int) -> int:
        """Binary operators by precedence climbing, from ``|`` (1) to ``* / %`` (8)."""
        value = self.power(evaluate) if self.ash else self.unary(evaluate)
        while (level := _PRECEDENCE.get(self.peek(), 0)) >= lowest:
            op = self.take()
            right = self.binary(evaluate, level + 1)
            value = self.apply(op, value, right, evaluate)
        return value

    def power(self, evaluate: bool) -> int:
        base = self.unary(evaluate)
        if self.peek() != "**":
            return base
        self.take()
        exponent = self.power(evaluate)
        return self.apply("**", base, exponent, evaluate)

    def unary(self, evaluate: bool) -> int:
        op = self.peek()
        if op in ("+", "-", "!", "~"):
            self.take()
            value = self.unary(evaluate)
            return {"+": value, "-": wrap(-value), "!": int(not value), "~": wrap(~value)}[op]
        if op in ("++", "--"):
            self.take()
            name = self.take()
            if not _NAME.fullmatch(name):
                raise ArithError("syntax")
            value = wrap(self.variable(name, evaluate) + (1 if op == "++" else -1))
            if evaluate:
                self.assign(name, str(value))
            return value
        return self.postfix(evaluate)

    def postfix(self, evaluate: bool) -> int:
        word = self.take()
        if word == "(":
            value = self.comma(evaluate)
            if self.take() != ")":
                raise ArithError("syntax" if self.ash else "primary")
            return value
        if _NAME.fullmatch(word):
            value = self.variable(word, evaluate)
            if self.ash and self.peek() in ("++", "--"):
                step = 1 if self.take() == "++" else -1
                if evaluate:
                    self.assign(word, str(wrap(value + step)))
            return value
        if word and word[0].isdigit():
            return self.number(word)
        raise ArithError("primary")

    def number(self, token: str) -> int:
        base, sep, digits = token.partition("#")
        try:
            return wrap(int(digits, int(base)) if sep else _literal(token))
        except ValueError:
            raise ArithError("syntax") from None

    def variable(self, name: str, evaluate: bool) -> int:
        text = self.lookup(name)
        if not text:
            return 0
        if self.ash:
            plain = parse_integer(text)
            if plain is not None:
                return plain
            if self.depth > 50:
                raise ArithError("syntax")
            nested = Evaluator(text, self.lookup, self.assign, ash=True, depth=self.depth + 1)
            return nested.evaluate()
        value = parse_integer(text)
        if value is None:
            if not evaluate:
                return 0
            raise ArithError("number", text)
        return value

    def apply(self, op: str, left: int, right: int, evaluate: bool) -> int:
        if op in ("/", "%"):
            if right == 0:
                if not evaluate:
                    return 0
                raise ArithError("zero")
            quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
            return wrap(quotient if op == "/" else left - quotient * right)
        if op == "**":
            if right < 0:
                raise ArithError("exponent")
            return wrap(pow(left, right, 1 << _BITS))
        if op in ("<<", ">>"):
            shift = right & (_BITS - 1)
            return wrap(left << shift) if op == "<<" else left >> shift
        return wrap(_ARITHMETIC[op](left, right))


def evaluate(text: str, lookup: Lookup, assign: Assign, *, ash: bool) -> int:
    """The value of ``text``; ArithError when it is not a valid expression."""
    return Evaluator(text, lookup, assign, ash=ash).evaluate()
