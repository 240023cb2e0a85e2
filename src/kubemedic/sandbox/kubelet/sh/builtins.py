"""The special builtins: they change the shell itself, and their errors end a script.

``exit``, ``return``, ``break``/``continue``, ``set``, ``shift``, ``export``/``readonly``,
``unset``, ``local``, ``eval``, ``.``, ``exec`` and ``trap``; the regular builtins live in
``utilities``. Each takes the shell and its argv and returns an exit status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.sh import external
from kubemedic.sandbox.kubelet.sh.control import FunctionReturn, LoopJump, ShellExit
from kubemedic.sandbox.kubelet.sh.flavour import ShellError
from kubemedic.sandbox.kubelet.sh.lexer import ShellSyntaxError
from kubemedic.sandbox.kubelet.sh.parser import Parser
from kubemedic.sandbox.kubelet.sh.state import LETTERS, NAME, OPTIONS

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp

Builtin = Callable[["Interp", list[str]], int]

SIGNALS = {
    "EXIT": 0,
    "HUP": 1,
    "INT": 2,
    "QUIT": 3,
    "ILL": 4,
    "TRAP": 5,
    "ABRT": 6,
    "BUS": 7,
    "FPE": 8,
    "KILL": 9,
    "USR1": 10,
    "SEGV": 11,
    "USR2": 12,
    "PIPE": 13,
    "ALRM": 14,
    "TERM": 15,
    "CHLD": 17,
    "CONT": 18,
    "STOP": 19,
    "TSTP": 20,
}
_NUMBERS = {number: name for name, number in SIGNALS.items()}


def count(text: str, command: str, *, minimum: int = 0) -> int:
    """A non-negative decimal argument of ``exit``, ``shift``, ``break``..."""
    if not text.isdigit() or int(text) < minimum:
        raise ShellError("illegal-number", text, command=command)
    return int(text)


def _exit(shell: Interp, argv: list[str]) -> int:
    status = count(argv[1], "exit") & 0xFF if len(argv) > 1 else shell.state.status
    raise ShellExit(status)


def _return(shell: Interp, argv: list[str]) -> int:
    status = count(argv[1], "return") & 0xFF if len(argv) > 1 else shell.state.status
    raise FunctionReturn(status)


def _jump(shell: Interp, argv: list[str]) -> int:
    levels = count(argv[1], argv[0], minimum=1) if len(argv) > 1 else 1
    if shell.loops:
        raise LoopJump(argv[0], min(levels, shell.loops))
    return 0


def _colon(shell: Interp, argv: list[str]) -> int:
    return 0


def _shift(shell: Interp, argv: list[str]) -> int:
    places = count(argv[1], "shift") if len(argv) > 1 else 1
    if places > len(shell.state.positional):
        if shell.flavour.ash:
            return 1
        raise ShellError("shift", command="shift")
    shell.state.positional = shell.state.positional[places:]
    return 0


def quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _set(shell: Interp, argv: list[str]) -> int:
    state = shell.state
    args = argv[1:]
    if not args:
        for name, value in sorted(state.variables.items()):
            shell.write(1, f"{name}={quote(value)}\n")
        return 0
    while args:
        arg = args[0]
        if arg == "--":
            state.positional = args[1:]
            return 0
        if len(arg) < 2 or arg[0] not in "-+":
            state.positional = args
            return 0
        args = args[1:]
        on = arg[0] == "-"
        for letter in arg[1:]:
            if letter == "o":
                if not args:
                    for long in sorted(name for _, name in OPTIONS):
                        shell.write(1, f"{long:<16}{'on' if long in state.options else 'off'}\n")
                    continue
                name, args = args[0], args[1:]
                pipefail = shell.flavour.bash_compat and name == "pipefail"
                if name not in LETTERS.values() and not pipefail:
                    raise ShellError(
                        "illegal-option",
                        f"{arg[0]}o {name}",
                        command="set",
                        status=1 if shell.flavour.ash else 2,
                    )
            elif letter in LETTERS:
                name = LETTERS[letter]
            else:
                raise ShellError(
                    "illegal-option",
                    f"{arg[0]}{letter}",
                    command="set",
                    status=1 if shell.flavour.ash else 2,
                )
            if on:
                state.options.add(name)
            else:
                state.options.discard(name)
    return 0


def _declare(shell: Interp, argv: list[str]) -> int:
    """``export`` and ``readonly``."""
    state = shell.state
    marked = state.exported if argv[0] == "export" else state.readonly
    args = argv[1:]
    if not args or args == ["-p"]:
        for name in sorted(marked):
            value = state.variables.get(name)
            shell.write(
                1, f"{argv[0]} {name}" + ("" if value is None else f"={quote(value)}") + "\n"
            )
        return 0
    for arg in args:
        if arg == "-p":
            continue
        name, sign, value = arg.partition("=")
        if not NAME.fullmatch(name):
            raise ShellError("bad-name", name, command=argv[0])
        if sign:
            state.assign(name, value, argv[0])
        marked.add(name)
    return 0


def _unset(shell: Interp, argv: list[str]) -> int:
    functions = False
    for arg in argv[1:]:
        if arg in ("-f", "-v"):
            functions = arg == "-f"
        elif functions:
            shell.state.functions.pop(arg, None)
        else:
            shell.state.unset(arg)
    return 0


def _local(shell: Interp, argv: list[str]) -> int:
    state = shell.state
    if not state.frames:
        raise ShellError("not-in-function", command="local")
    frame = state.frames[-1]
    for arg in argv[1:]:
        name, sign, value = arg.partition("=")
        if not NAME.fullmatch(name):
            raise ShellError("bad-name", name, command="local")
        frame.saved.setdefault(name, state.variables.get(name))
        if sign:
            state.assign(name, value, "local")
        elif shell.flavour.ash:
            state.variables.pop(name, None)
    return 0


def run_text(shell: Interp, text: str, command: str) -> int:
    """Parse and run ``text`` in this shell (``eval``, ``.``)."""
    parser = Parser(text, shell.line, bash_compat=shell.flavour.bash_compat)
    ran = False
    while True:
        try:
            items = parser.next_command()
        except ShellSyntaxError as error:
            shell.complain(shell.flavour.syntax(error, command))
            raise ShellExit(2) from None
        if items is None:
            return shell.state.status if ran else 0
        shell.run_items(items)
        ran = True


def _eval(shell: Interp, argv: list[str]) -> int:
    return run_text(shell, " ".join(argv[1:]), "eval")


def _source(shell: Interp, argv: list[str]) -> int:
    if len(argv) < 2:
        return 0
    path = shell.fs.path(argv[1], shell.state.cwd)
    text = shell.fs.read(path) if "/" in argv[1] or shell.fs.is_file(path) else None
    if text is None:
        raise ShellError("source", argv[1], command=".")
    saved = shell.state.positional
    if shell.flavour.ash and len(argv) > 2:
        shell.state.positional = argv[2:]
    try:
        return run_text(shell, text, ".")
    except FunctionReturn as stop:
        return stop.status
    finally:
        if shell.flavour.ash and len(argv) > 2:
            shell.state.positional = saved


def _exec(shell: Interp, argv: list[str]) -> int:
    if len(argv) > 1:
        raise ShellExit(external.replace_with(shell, argv[1:]))
    return 0


def _trap(shell: Interp, argv: list[str]) -> int:
    traps = shell.state.traps
    args = argv[1:]
    if not args:
        for name in sorted(traps, key=lambda n: SIGNALS[n]):
            shell.write(1, f"trap -- {quote(traps[name])} {name}\n")
        return 0
    action, status = args[0], 0
    for spec in args[1:]:
        signal = signal_name(spec, ash=shell.flavour.ash)
        if signal is None:
            if shell.flavour.ash:
                raise ShellError("bad-trap", spec, command="trap", status=1, fatal=False)
            shell.write(2, f"trap: {spec}: bad trap\n")
            status = 1
        elif action == "-":
            traps.pop(signal, None)
        else:
            traps[signal] = action
    return status


def signal_name(spec: str, *, ash: bool) -> str | None:
    """A signal as ``trap`` and ``kill`` name it: ``TERM``, ``15`` (and ``SIGTERM`` in ash)."""
    if spec.isdigit():
        return _NUMBERS.get(int(spec))
    name = spec.upper()
    if ash and name.startswith("SIG"):
        name = name[3:]
    return name if name in SIGNALS else None


SPECIAL: Mapping[str, Builtin] = {
    ":": _colon,
    "exit": _exit,
    "return": _return,
    "break": _jump,
    "continue": _jump,
    "shift": _shift,
    "set": _set,
    "export": _declare,
    "readonly": _declare,
    "unset": _unset,
    "local": _local,
    "eval": _eval,
    ".": _source,
    "exec": _exec,
    "trap": _trap,
}
BASH_SPECIAL: Mapping[str, Builtin] = {"source": _source}  # BusyBox ash's bash compatibility
