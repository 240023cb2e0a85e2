"""How dash, BusyBox ash and bash word their errors, and the exceptions that carry them.

The same failure reads differently in each shell: dash writes ``sh: 1: foo: not found``,
ash ``sh: foo: not found`` and bash ``bash: line 1: foo: command not found``; inside a
builtin dash adds the builtin's name (``sh: 1: exit: Illegal number: x``) and ash the name
and a line counted from zero (``sh: exit: line 0: Illegal number: x``). Messages are looked
up by key so the interpreter never spells a shell's words itself.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from kubemedic.sandbox.kubelet.sh.lexer import ShellSyntaxError

_DASH = {
    "not-found": "{0}: not found",
    "not-found-path": "{0}: not found",
    "permission": "{0}: Permission denied",
    "open": "cannot open {0}: No such file",
    "create": "cannot create {0}: Directory nonexistent",
    "create-dir": "cannot create {0}: Is a directory",
    "clobber": "cannot create {0}: File exists",
    "bad-fd": "{0}: Bad file descriptor",
    "unset": "{0}: parameter not set",
    "null": "{0}: parameter not set or null",
    "param-message": "{0}: {1}",
    "readonly": "{0}: is read only",
    "bad-substitution": "Bad substitution",
    "bad-name": "{0}: bad variable name",
    "illegal-number": "Illegal number: {0}",
    "cd": "can't cd to {0}",
    "shift": "can't shift that many",
    "not-in-function": "not in a function",
    "source": "cannot open {0}: No such file",
    "illegal-option": "Illegal option {0}",
    "bad-trap": "{0}: bad trap",
    "no-process": "No such process\n",
    "read-args": "arg count",
    "arith-primary": 'arithmetic expression: expecting primary: "{0}"',
    "arith-eof": 'arithmetic expression: expecting EOF: "{0}"',
    "arith-zero": 'arithmetic expression: division by zero: "{0}"',
    "arith-syntax": 'arithmetic expression: expecting primary: "{0}"',
    "arith-exponent": 'arithmetic expression: expecting primary: "{0}"',
}
_ASH = {
    **_DASH,
    "open": "can't open {0}: no such file",
    "create": "can't create {0}: nonexistent directory",
    "create-dir": "can't create {0}: Is a directory",
    "clobber": "can't create {0}: File exists",
    "bad-substitution": "syntax error: bad substitution",
    "cd": "can't cd to {0}: {1}",
    "source": "can't open '{0}': No such file or directory",
    "illegal-option": "illegal option {0}",
    "bad-trap": "{0}: invalid signal specification",
    "no-process": "can't kill pid {0}: No such process",
    "arith-primary": "arithmetic syntax error",
    "arith-eof": "arithmetic syntax error",
    "arith-syntax": "arithmetic syntax error",
    "arith-zero": "divide by zero",
    "arith-exponent": "exponent less than 0",
}
_BASH = {
    **_DASH,
    "not-found": "{0}: command not found",
    "not-found-path": "{0}: No such file or directory",
    "open": "{0}: No such file or directory",
    "create": "{0}: No such file or directory",
    "create-dir": "{0}: Is a directory",
    "clobber": "{0}: cannot overwrite existing file",
    "unset": "{0}: unbound variable",
    "null": "{0}: parameter null or not set",
    "readonly": "{0}: readonly variable",
    "bad-substitution": "bad substitution",
    "bad-name": "`{0}': not a valid identifier",
    "illegal-number": "{0}: numeric argument required",
    "cd": "{0}: No such file or directory",
    "shift": "shift count out of range",
    "not-in-function": "can only be used in a function",
    "source": "{0}: No such file or directory",
    "illegal-option": "{0}: invalid option name",
    "bad-trap": "{0}: invalid signal specification",
    "no-process": "({0}) - No such process",
    "arith-primary": 'syntax error: operand expected (error token is "{0}")',
    "arith-eof": 'syntax error in expression (error token is "{0}")',
    "arith-syntax": 'syntax error in expression (error token is "{0}")',
    "arith-zero": 'division by 0 (error token is "{0}")',
    "arith-exponent": 'exponent less than 0 (error token is "{0}")',
}
_MESSAGES = {"dash": _DASH, "ash": _ASH, "bash": _BASH}
_SYNTAX_MESSAGES = {
    "unterminated-quote": ("Unterminated quoted string", "unterminated quoted string"),
    "missing-brace": ("Missing '}'", "missing '}'"),
    "missing-arith": ("Missing '))'", "missing '))'"),
    "eof-backquote": ("EOF in backquote substitution", "EOF in backquote substitution"),
    "bad-for-variable": ("Bad for loop variable", "bad for loop variable"),
    "bad-function-name": ("Bad function name", "bad function name"),
    "bad-fd-number": ("Bad fd number", "bad fd number"),
}


class ShellError(Exception):
    """An error a shell reports on stderr.

    ``fatal`` errors end a non-interactive shell (or the subshell they happen in): expansion
    errors and errors of special builtins. ``command`` is the builtin that complained.
    """

    def __init__(
        self, key: str, *args: str, command: str = "", status: int = 2, fatal: bool = True
    ) -> None:
        super().__init__(key)
        self.key = key
        self.args = args
        self.command = command
        self.status = status
        self.fatal = fatal


@dataclass(frozen=True, slots=True)
class Flavour:
    """One shell's wording; ``arg0`` is how it was invoked (``sh``, ``/bin/sh``)."""

    name: str  # "dash", "ash" (BusyBox) or "bash"
    arg0: str
    from_file: bool = False  # ``sh script.sh`` rather than ``sh -c``: ash then names lines

    @property
    def ash(self) -> bool:
        return self.name == "ash"

    @property
    def bash_compat(self) -> bool:
        """BusyBox ash and bash read ``[[ ]]``, ``${x:1:2}``, ``$'...'``, ``source``..."""
        return self.name != "dash"

    def text(self, key: str, *args: str) -> str:
        return _MESSAGES[self.name][key].format(*args)

    def line(self, text: str, line: int, command: str = "") -> str:
        """A whole error line as the shell prints it."""
        if self.name == "dash":
            return f"{self.arg0}: {line}: " + (f"{command}: " if command else "") + text
        if self.name == "bash":
            return f"{self.arg0}: line {line}: " + (f"{command}: " if command else "") + text
        if command:
            shown = line if self.from_file else max(line - 1, 0)  # ash counts -c lines from 0
            return f"{self.arg0}: {command}: line {shown}: {text}"
        if self.from_file:
            return f"{self.arg0}: line {line}: {text}"
        return f"{self.arg0}: {text}"

    def error(self, error: ShellError, line: int) -> str:
        return self.line(self.text(error.key, *error.args), line, error.command)

    def applet(self, text: str) -> str:
        """A BusyBox applet's own complaint (``test``, ``printf``): its name, no line."""
        return f"{posixpath.basename(self.arg0)}: {text}"

    def syntax(self, error: ShellSyntaxError, command: str = "") -> str:
        if error.message == "bad-substitution":
            return self.line(self.text("bad-substitution"), error.line, command)
        if self.name == "bash":
            found = error.unexpected.strip('"')
            if error.message or found == "end of file":
                return self.line("syntax error: unexpected end of file", error.line, command)
            return self.line(f"syntax error near unexpected token `{found}'", error.line, command)
        if error.message:
            dash, ash = _SYNTAX_MESSAGES[error.message]
            text = f"Syntax error: {dash}" if self.name == "dash" else f"syntax error: {ash}"
        elif self.name == "dash":
            text = f"Syntax error: {error.unexpected} unexpected"
        else:
            text = f"syntax error: unexpected {error.unexpected}"
        if error.expecting:
            text += f" (expecting {error.expecting})"
        return self.line(text, error.line, command)
