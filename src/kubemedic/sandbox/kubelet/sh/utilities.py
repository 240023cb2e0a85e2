"""The regular builtins: ``echo``, ``printf``, ``test``/``[``, ``cd``, ``pwd``, ``read``,
``wait``, ``kill``, ``type``, ``command``, ``getopts`` and a few that only answer.

Their errors are reported and turned into an exit status; the script goes on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.sh import formats, testexpr
from kubemedic.sandbox.kubelet.sh.builtins import SIGNALS, Builtin, signal_name
from kubemedic.sandbox.kubelet.sh.control import Forever
from kubemedic.sandbox.kubelet.sh.flavour import ShellError
from kubemedic.sandbox.kubelet.sh.streams import Source

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp

_IFS_WHITESPACE = " \t\n"


def applet_error(shell: Interp, command: str, text: str) -> None:
    """An error of ``test``/``printf``: dash names the builtin, BusyBox only the applet."""
    if shell.flavour.ash:
        shell.complain(shell.flavour.applet(text))
    else:
        shell.complain(shell.flavour.line(text, shell.line, command))


def _print(shell: Interp, command: str, text: str) -> int:
    """Write a builtin's output; 1 (and the shell's complaint) if stdout is closed."""
    if text and shell.fds.get(1) is None:
        if not shell.flavour.ash:
            applet_error(shell, command, f"{command}: I/O error")
        elif command == "echo":  # BusyBox's printf fails silently
            applet_error(shell, command, "write error: Bad file descriptor")
        return 1
    shell.write(1, text)
    return 0


def _echo(shell: Interp, argv: list[str]) -> int:
    # only dash's echo reads backslash escapes without -e
    return _print(shell, "echo", formats.echo(argv[1:], ash=shell.flavour.bash_compat))


def _printf(shell: Interp, argv: list[str]) -> int:
    result = formats.printf(argv[1:], ash=shell.flavour.ash)
    status = _print(shell, "printf", result.output)
    for error in result.errors:
        applet_error(shell, "printf", error)
    return result.status or status


def _test(shell: Interp, argv: list[str]) -> int:
    files = testexpr.Files(shell.fs, shell.state.cwd)
    try:
        return testexpr.evaluate(argv, files, ash=shell.flavour.ash)
    except testexpr.TestError as error:
        applet_error(shell, argv[0], error.text)
        return 2


def _status(code: int) -> Builtin:
    return lambda shell, argv: code


def _answer(text: str) -> Builtin:
    """A builtin that only reports a setting the sandbox does not model (``umask``)."""

    def answer(shell: Interp, argv: list[str]) -> int:
        if len(argv) == 1:
            shell.write(1, text + "\n")
        return 0

    return answer


def _pwd(shell: Interp, argv: list[str]) -> int:
    shell.write(1, shell.state.cwd + "\n")
    return 0


def _cd(shell: Interp, argv: list[str]) -> int:
    state = shell.state
    target = argv[1] if len(argv) > 1 else state.get("HOME") or "/"
    if target == "-":
        target = state.get("OLDPWD") or state.cwd
        shell.write(1, target + "\n")
    path = shell.fs.path(target, state.cwd)
    if not shell.fs.is_dir(path):
        reason = "Not a directory" if shell.fs.exists(path) else "No such file or directory"
        raise ShellError("cd", target, reason, command="cd", fatal=False)
    state.variables["OLDPWD"], state.cwd = state.cwd, path
    state.variables["PWD"] = path
    return 0


def _read(shell: Interp, argv: list[str]) -> int:
    args = argv[1:]
    raw = False
    while args and args[0].startswith("-") and len(args[0]) > 1:
        option = args.pop(0)
        unknown = next((c for c in option[1:] if c not in "rp"), None)
        if unknown and not shell.flavour.bash_compat:
            raise ShellError("illegal-option", f"-{unknown}", command="read", fatal=False)
        raw = raw or "r" in option
        if "p" in option and args:
            shell.write(2, args.pop(0))
    if not args:
        if not shell.flavour.ash:
            raise ShellError("read-args", command="read", fatal=False)
        args = ["REPLY"]
    source = shell.fds.get(0)
    text, complete = "", False
    while isinstance(source, Source):
        got = source.read_line()
        if got is None:
            break
        line, complete = got
        if not raw and line.endswith("\\") and complete:
            text += line[:-1]
            continue
        text += line
        break
    if not raw:
        text = re.sub(r"\\(.)", r"\1", text)
    for name, value in zip(args, split_read(text, len(args), shell.state.ifs()), strict=True):
        shell.state.assign(name, value, "read")
    return 0 if complete else 1


def split_read(text: str, count: int, ifs: str) -> list[str]:
    """``read``'s field splitting: the last name takes the rest of the line."""
    white = "".join(c for c in ifs if c in _IFS_WHITESPACE)
    values: list[str] = []
    rest = text.lstrip(white)
    while len(values) < count - 1 and rest:
        index = next((i for i, c in enumerate(rest) if c in ifs), len(rest))
        values.append(rest[:index])
        rest = rest[index:]
        if rest:
            delimiter, rest = rest[0], rest[1:]
            rest = rest.lstrip(white)
            if delimiter in white and rest[:1] in ifs and rest[:1] not in white:
                rest = rest[1:].lstrip(white)
    values.append(rest.rstrip(white))
    return (values + [""] * count)[:count]


def _wait(shell: Interp, argv: list[str]) -> int:
    pids = [int(a) for a in argv[1:] if a.isdigit()] or sorted(shell.jobs)
    status = 0
    for pid in pids:
        job = shell.jobs.get(pid)
        if job is None:
            status = 127
            continue
        if job.forever is not None:
            blocked = job.forever
            raise Forever(
                blocked.foreground, blocked.usage, blocked.ramp, shell.t, interruptible=True
            )
        shell.t = max(shell.t, job.end)
        status = job.status
        del shell.jobs[pid]
    return status


def _kill(shell: Interp, argv: list[str]) -> int:
    args, signal = argv[1:], "TERM"
    if args and args[0] == "-s" and len(args) > 1:
        signal, args = args[1], args[2:]
    elif args and args[0].startswith("-") and args[0] != "--":
        signal, args = args[0][1:], args[1:]
    name = signal_name(signal, ash=True) or "TERM"
    status = 0
    for target in args:
        pid = int(target) if target.isdigit() else -1
        if pid in shell.jobs:
            if name != "EXIT":
                shell.kill_job(pid, SIGNALS[name])
        elif pid == shell.state.pid:
            shell.signal_self(name)
        else:
            if shell.flavour.ash:
                shell.complain(shell.flavour.applet(f"can't kill pid {target}: No such process"))
            else:
                shell.complain(shell.flavour.line("No such process\n", shell.line, "kill"))
            status = 1
    return status


def _getopts(shell: Interp, argv: list[str]) -> int:
    if len(argv) < 3:
        return 2
    spec, name = argv[1], argv[2]
    params = argv[3:] or shell.state.positional
    state = shell.state
    index = int(state.variables.get("OPTIND", "1") or "1")
    position = int(state.variables.get("_OPTPOS", "1"))
    if (
        index > len(params)
        or not params[index - 1].startswith("-")
        or params[index - 1] in ("-", "--")
    ):
        if index <= len(params) and params[index - 1] == "--":
            state.variables["OPTIND"] = str(index + 1)
        state.assign(name, "?")
        return 1
    word = params[index - 1]
    letter = word[position]
    position += 1
    if position >= len(word):
        index, position = index + 1, 1
    where = spec.find(letter)
    if letter == ":" or where < 0:
        state.assign(name, "?")
        applet_error(shell, "getopts", f"illegal option -{letter}")
    elif spec[where + 1 : where + 2] == ":":
        if position > 1:
            state.variables["OPTARG"] = word[position:]
            index, position = index + 1, 1
        elif index <= len(params):
            state.variables["OPTARG"] = params[index - 1]
            index += 1
        else:
            state.assign(name, "?")
            applet_error(shell, "getopts", f"No arg for -{letter} option")
            state.variables["OPTIND"] = str(index)
            return 0
        state.assign(name, letter)
    else:
        state.assign(name, letter)
    state.variables["OPTIND"], state.variables["_OPTPOS"] = str(index), str(position)
    return 0


REGULAR: Mapping[str, Builtin] = {
    "echo": _echo,
    "printf": _printf,
    "test": _test,
    "[": _test,
    "true": _status(0),
    "false": _status(1),
    "pwd": _pwd,
    "cd": _cd,
    "read": _read,
    "wait": _wait,
    "kill": _kill,
    "getopts": _getopts,
    "umask": _answer("0022"),
    "ulimit": _answer("unlimited"),
    "hash": _status(0),
}


def _let(shell: Interp, argv: list[str]) -> int:
    """BusyBox's ``let``: each argument is an arithmetic expression."""
    value = 0
    for expression in argv[1:]:
        value = shell.expander.arithmetic(expression)
    return int(value == 0)


BASH_REGULAR: Mapping[str, Builtin] = {"[[": _test, "let": _let}  # BusyBox ash only
