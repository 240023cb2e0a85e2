"""A shell's variables, positional parameters, functions, traps and options.

A subshell (``( )``, ``$( )``, a pipeline element, a background job) starts from a copy, so
what it changes stays inside it, as with a forked process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random

from kubemedic.sandbox.kubelet.sh.flavour import ShellError
from kubemedic.sandbox.kubelet.sh.syntax import Command

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# (letter, long name) in dash's order; ``$-`` lists them backwards in dash
OPTIONS = (
    ("e", "errexit"),
    ("f", "noglob"),
    ("x", "xtrace"),
    ("v", "verbose"),
    ("C", "noclobber"),
    ("a", "allexport"),
    ("u", "nounset"),
    ("n", "noexec"),
)
LETTERS = dict(OPTIONS)
_DOLLAR_DASH_ORDER = "uaCvxcnfe"
DEFAULT_IFS = " \t\n"
_BUILT_IN = frozenset({"PATH", "IFS", "PS1", "PS2", "PS4", "OPTIND"})


@dataclass
class Frame:
    """A running function: its positional parameters and the variables ``local`` saved."""

    positional: list[str]
    saved: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ShellState:
    arg0: str
    pid: int = 1
    variables: dict[str, str] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    readonly: set[str] = field(default_factory=set)
    positional: list[str] = field(default_factory=list)
    functions: dict[str, Command] = field(default_factory=dict)
    traps: dict[str, str] = field(default_factory=dict)
    options: set[str] = field(default_factory=set)
    status: int = 0
    last_background: int | None = None
    frames: list[Frame] = field(default_factory=list)
    cwd: str = "/"
    random: Random = field(default_factory=lambda: Random(1))

    def copy(self) -> ShellState:
        return ShellState(
            arg0=self.arg0,
            pid=self.pid,
            variables=dict(self.variables),
            exported=set(self.exported),
            readonly=set(self.readonly),
            positional=list(self.positional),
            functions=dict(self.functions),
            traps=dict(self.traps),
            options=set(self.options),
            status=self.status,
            last_background=self.last_background,
            frames=[Frame(list(f.positional), dict(f.saved)) for f in self.frames],
            cwd=self.cwd,
            random=self.random,
        )

    def snapshot(self) -> tuple[object, ...]:
        """Everything a loop iteration could change; equal snapshots repeat forever."""
        return (
            tuple(sorted(self.variables.items())),
            tuple(self.positional),
            frozenset(self.exported),
            tuple(sorted(self.traps.items())),
            frozenset(self.options),
            self.status,
            self.cwd,
            self.last_background,
        )

    # -- parameters ----------------------------------------------------------------------
    def get(self, name: str, ash: bool = False) -> str | None:
        """A variable or special parameter; None when unset."""
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.arg0
            return self.positional[index - 1] if index <= len(self.positional) else None
        if name == "?":
            return str(self.status)
        if name == "#":
            return str(len(self.positional))
        if name == "$":
            return str(self.pid)
        if name == "-":
            return self.option_letters(ash)
        if name in ("@", "*"):
            return " ".join(self.positional) if name == "@" else self.ifs_join(self.positional)
        if name == "!":
            return None if self.last_background is None else str(self.last_background)
        if name == "RANDOM" and ash and name not in self.variables:
            return str(self.random.randrange(32768))
        return self.variables.get(name)

    def ifs_join(self, values: list[str]) -> str:
        ifs = self.variables.get("IFS", DEFAULT_IFS)
        return (ifs[:1] if ifs else "").join(values)

    def ifs(self) -> str:
        return self.variables.get("IFS", DEFAULT_IFS)

    def option_letters(self, ash: bool) -> str:
        """``$-``: dash lists its option letters backwards; ash adds ``c`` (a ``-c`` script)."""
        active = {letter for letter, name in OPTIONS if name in self.options}
        return "".join(c for c in _DOLLAR_DASH_ORDER if c in active or (ash and c == "c"))

    def assign(self, name: str, value: str, command: str = "") -> None:
        if name in self.readonly:
            raise ShellError("readonly", name, command=command)
        self.variables[name] = value
        if "allexport" in self.options:
            self.exported.add(name)

    def unset(self, name: str, command: str = "unset") -> None:
        if name in self.readonly:
            raise ShellError("readonly", name, command=command)
        self.variables.pop(name, None)
        if name not in _BUILT_IN:  # the shell's own variables keep their export flag
            self.exported.discard(name)

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in self.variables.items() if k in self.exported}
