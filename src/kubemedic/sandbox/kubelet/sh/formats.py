"""``echo`` and ``printf`` as the dash and BusyBox builtins print.

dash's ``echo`` knows only ``-n`` and always reads backslash escapes; BusyBox's reads them
only with ``-e``. ``printf`` reuses its format while arguments remain, converts numbers like
strtoimax (``0x10``, ``010``, ``'A``) and complains in each shell's words when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SIMPLE_ESCAPES = {
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "e": "\x1b",
}
_DIRECTIVE = re.compile(r"%([-+ #0]*)(\*|\d*)(?:\.(\*|\d*))?([a-zA-Z%]?)")
_INTEGER = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)", re.I)


class StopOutput(Exception):
    """``\\c``: print nothing more."""


def escapes(
    text: str, *, bare_octal: bool, hexadecimal: bool, stop: bool = False, quotes: bool = False
) -> str:
    """Backslash escapes; ``\\0nnn`` is always octal, ``\\nnn`` only with ``bare_octal``;
    ``quotes``: ``\\'`` and ``\\"`` stand for the quote (``$'...'``)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char != "\\" or index >= len(text):
            out.append(char)
            continue
        code = text[index]
        if code in _SIMPLE_ESCAPES and not (code == "e" and not hexadecimal):
            out.append(_SIMPLE_ESCAPES[code])
            index += 1
        elif code == "c" and stop:
            raise StopOutput("".join(out))
        elif quotes and code in "'\"?":
            out.append(code)
            index += 1
        elif code == "0" or (bare_octal and code in "1234567"):
            start = index + 1 if code == "0" else index
            digits = re.match(r"[0-7]{0,3}", text[start:])
            assert digits is not None
            out.append(chr(int(digits.group() or "0", 8) & 0xFF))
            index = start + len(digits.group())
        elif code == "x" and hexadecimal and re.match(r"[0-9a-fA-F]", text[index + 1 : index + 2]):
            digits = re.match(r"[0-9a-fA-F]{1,2}", text[index + 1 :])
            assert digits is not None
            out.append(chr(int(digits.group(), 16)))
            index += 1 + len(digits.group())
        else:
            out.append("\\")
    return "".join(out)


def echo(args: list[str], *, ash: bool) -> str:
    newline, interpret = True, not ash
    while args and (
        (ash and re.fullmatch(r"-[neE]+", args[0])) or (not ash and args[0] == "-n" and newline)
    ):
        flags = args.pop(0)[1:]
        newline = newline and "n" not in flags
        for flag in flags:
            interpret = {"e": True, "E": False}.get(flag, interpret)
        if not ash:
            break
    text = " ".join(args)
    if interpret:
        try:
            text = escapes(text, bare_octal=not ash, hexadecimal=ash, stop=True)
        except StopOutput as stopped:
            return str(stopped)
    return text + ("\n" if newline else "")


@dataclass
class PrintfResult:
    output: str = ""
    errors: list[str] = field(default_factory=list)
    status: int = 0


class _Printf:
    def __init__(self, args: list[str], ash: bool) -> None:
        self.args = args
        self.ash = ash
        self.result = PrintfResult()

    def next_arg(self) -> str | None:
        return self.args.pop(0) if self.args else None

    def integer(self, text: str | None) -> int:
        if not self.ash and not text:
            return 0
        text = text or ""  # BusyBox reads a missing argument as an empty, invalid number
        if text[:1] in ("'", '"'):
            return ord(text[1]) if len(text) > 1 else 0
        match = _INTEGER.match(text)
        if match is None:
            return self.bad_number(text, "expected numeric value", 0)
        digits = match.group(2)
        value = (
            int(digits, 16)
            if digits[:2] in ("0x", "0X")
            else int(digits, 8 if digits.startswith("0") else 10)
        )
        value = -value if match.group(1) == "-" else value
        if match.end() != len(text):
            return self.bad_number(text, "not completely converted", 0 if self.ash else value)
        return value

    def real(self, text: str | None) -> float:
        if text is None or text == "":
            return 0.0
        if text[:1] in ("'", '"'):
            return float(ord(text[1])) if len(text) > 1 else 0.0
        match = _FLOAT.match(text)
        if match is None:
            return float(self.bad_number(text, "expected numeric value", 0))
        value = float(match.group().strip())
        if match.end() != len(text):
            self.bad_number(text, "not completely converted", 0)
        return value

    def bad_number(self, text: str, problem: str, value: int) -> int:
        self.result.status = 1
        self.result.errors.append(f"invalid number '{text}'" if self.ash else f"{text}: {problem}")
        return value

    def run(self, fmt: str) -> PrintfResult:
        out: list[str] = []
        try:
            while True:
                consumed = self.once(fmt, out)
                if not self.args or not consumed:
                    break
        except StopOutput as stopped:
            out.append(str(stopped))
        except ValueError:
            out.clear()
        self.result.output = "".join(out)
        return self.result

    def once(self, fmt: str, out: list[str]) -> bool:
        """One pass over the format; True if it used any argument."""
        consumed = False
        index = 0
        while index < len(fmt):
            char = fmt[index]
            if char == "\\":
                end = _escape_end(fmt, index, self.ash)
                out.append(
                    escapes(fmt[index:end], bare_octal=True, hexadecimal=self.ash, stop=False)
                )
                index = end
                continue
            if char != "%":
                out.append(char)
                index += 1
                continue
            match = _DIRECTIVE.match(fmt, index)
            assert match is not None
            flags, width, precision, conversion = match.groups()
            if conversion == "%":
                out.append("%")
                index = match.end()
                continue
            if conversion not in "diouxXeEfFgGcsb" or not conversion:
                self.invalid(fmt, index, match)
            consumed = True
            if width == "*":
                width = str(self.integer(self.next_arg()))
            if precision == "*":
                precision = str(self.integer(self.next_arg()))
            out.append(self.convert(flags, width, precision, conversion))
            index = match.end()
        return consumed

    def invalid(self, fmt: str, index: int, match: re.Match[str]) -> None:
        if self.ash:
            self.result.errors.append(f"{fmt[index:]}: invalid format")
            self.result.status = 1
        else:
            self.result.errors.append(f"{match.group(0)}: invalid directive")
            self.result.status = 2
        raise ValueError("invalid directive")

    def convert(self, flags: str, width: str, precision: str | None, conversion: str) -> str:
        arg = self.next_arg()
        spec = "%" + flags + width + ("." + precision if precision is not None else "")
        if conversion in "sb":
            text = arg or ""
            if conversion == "b":
                try:
                    text = escapes(text, bare_octal=True, hexadecimal=self.ash, stop=True)
                except StopOutput as stopped:
                    raise StopOutput((spec + "s") % str(stopped)) from None
            return (spec + "s") % text
        if conversion == "c":
            return (spec + "s") % (arg or "")[:1]
        if conversion in "eEfFgG":
            return (spec + conversion) % self.real(arg)
        value = self.integer(arg)
        if conversion in "ouxX" and value < 0:
            value += 1 << 64
        if conversion == "o" and "#" in flags:
            return (spec.replace("#", "") + "s") % ("0" + format(value, "o") if value else "0")
        return (spec + ("d" if conversion in "iu" else conversion)) % value


def _escape_end(fmt: str, index: int, ash: bool) -> int:
    """Where the backslash escape starting at ``index`` ends."""
    following = fmt[index + 1 : index + 2]
    if following in "01234567" and following:
        match = re.match(r"[0-7]{1,3}", fmt[index + 1 :])
        assert match is not None
        return index + 1 + len(match.group())
    if following == "x" and ash:
        match = re.match(r"[0-9a-fA-F]{0,2}", fmt[index + 2 :])
        assert match is not None
        return index + 2 + len(match.group())
    return index + 2


def printf(args: list[str], *, ash: bool) -> PrintfResult:
    """``printf FORMAT [ARG...]`` (``args`` without the command name)."""
    if not args:
        usage = "usage: printf FORMAT [ARGUMENT...]" if ash else "usage: printf format [arg ...]"
        return PrintfResult(errors=[usage], status=2)
    return _Printf(list(args[1:]), ash).run(args[0])
