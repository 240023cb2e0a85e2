"""The ways a shell leaves the normal flow: exit, return, break/continue, and never ending.

``Forever`` is the sandbox's own: the script reached something that does not return on its
own (a server, ``sleep infinity``, ``tail -f``, an endless loop), so what happens next is a
steady state the kubelet reads against the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic.sandbox.kubelet.process import Foreground, Usage


class ShellExit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class FunctionReturn(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class LoopJump(Exception):
    """``break`` or ``continue`` out of ``levels`` enclosing loops."""

    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.levels = levels


class Forever(Exception):
    """The script blocks for good from moment ``at`` on.

    ``replaced``: the program was exec'd and is PID 1 itself, so a stop signal reaches it;
    ``interruptible``: the shell itself waits (``wait``, a loop between short sleeps), so a
    ``trap ... TERM`` runs in time.
    """

    def __init__(
        self,
        foreground: Foreground,
        usage: Usage | None,
        ramp: float,
        at: float,
        *,
        replaced: bool = False,
        interruptible: bool = False,
    ) -> None:
        super().__init__("forever")
        self.foreground = foreground
        self.usage = usage
        self.ramp = ramp
        self.at = at
        self.replaced = replaced
        self.interruptible = interruptible


@dataclass
class Job:
    """A background job, run ahead of time: when it ends and how, or that it never ends."""

    pid: int
    end: float
    status: int
    forever: Forever | None
    events: range  # its entries in the log (dropped past its end if it is killed)
