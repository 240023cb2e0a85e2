"""How a command name is found: special builtin, function, regular builtin, or a program.

``type`` and ``command`` answer that question for scripts, so they live with the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.programs import find_executable
from kubemedic.sandbox.kubelet.sh import external, utilities
from kubemedic.sandbox.kubelet.sh.builtins import BASH_SPECIAL, SPECIAL, Builtin
from kubemedic.sandbox.kubelet.sh.parser import RESERVED

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp

__all__ = ["Builtin", "regular", "special"]


def describe(shell: Interp, name: str) -> tuple[str, str] | None:
    """What ``name`` is: (kind, how ``command -v`` shows it), or None if nothing."""
    if name in RESERVED:
        return "keyword", name
    if name in shell.state.functions:
        return "function", name
    if special(name, shell.flavour.bash_compat):
        return "special", name
    if regular(name, shell.flavour.bash_compat):
        return "builtin", name
    found = find_executable(name, shell.world.ctx.image)
    if found is None or found.program is None:
        return None
    return "file", found.path


def _type(shell: Interp, argv: list[str]) -> int:
    status = 0
    words = {
        "keyword": "a shell keyword",
        "function": "a function" if shell.flavour.ash else "a shell function",
        "special": "a special shell builtin",
        "builtin": "a shell builtin",
    }
    for name in argv[1:]:
        found = describe(shell, name)
        if found is None:
            shell.write(1, f"{name}: not found\n")
            status = 127
        else:
            kind, shown = found
            shell.write(1, f"{name} is {words.get(kind, shown)}\n")
    return status


def _command(shell: Interp, argv: list[str]) -> int:
    args = argv[1:]
    if args[:1] == ["-V"]:
        return _type(shell, ["type", *args[1:]])
    if args[:1] == ["-v"]:
        status = 0
        for name in args[1:]:
            found = describe(shell, name)
            if found is None:
                status = 127
            else:
                shell.write(1, found[1] + "\n")
        return status
    if not args:
        return 0
    compat = shell.flavour.bash_compat
    handler = special(args[0], compat) or regular(args[0], compat)
    if handler is not None:
        return shell.builtin(handler, args)
    return external.execute(shell, args, shell.state.environment())


REGULAR: Mapping[str, Builtin] = {**utilities.REGULAR, "type": _type, "command": _command}


def special(name: str, bash_compat: bool) -> Builtin | None:
    return SPECIAL.get(name) or (BASH_SPECIAL.get(name) if bash_compat else None)


def regular(name: str, bash_compat: bool) -> Builtin | None:
    return REGULAR.get(name) or (utilities.BASH_REGULAR.get(name) if bash_compat else None)
