"""Compound commands: ``if``, ``case``, ``for``, and ``while``/``until`` loops.

A loop whose iteration leaves the shell exactly as it found it (variables, files, input)
would repeat the same iteration for ever, so it becomes a steady state at once: that is how
``while true; do echo tick; sleep 10; done`` turns into a log line every ten seconds. A loop
that keeps changing (a counter) is run until it has clearly no end, then its last iteration
is repeated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.process import Foreground, MiB, Usage
from kubemedic.sandbox.kubelet.sh.control import Forever, LoopJump
from kubemedic.sandbox.kubelet.sh.patterns import matches
from kubemedic.sandbox.kubelet.sh.streams import Source
from kubemedic.sandbox.kubelet.sh.syntax import Case, For, If, Item, Loop

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp

BUSY = Usage(cpu_cores=1.0, memory_bytes=1 * MiB)
STOP_GRACE = 30.0  # seconds between SIGTERM and SIGKILL (terminationGracePeriodSeconds)
TIMED_ITERATIONS = 5_000  # a loop that sleeps and is still going after this many goes on
QUICK_ITERATIONS = 50_000


def run_if(shell: Interp, node: If) -> None:
    for condition, body in node.branches:
        with shell.quietly():
            shell.run_items(condition)
        if shell.state.status == 0:
            shell.run_items(body)
            return
    if node.otherwise is not None:
        shell.run_items(node.otherwise)
    else:
        shell.state.status = 0


def run_case(shell: Interp, node: Case) -> None:
    subject = shell.expander.string(node.word)
    for arm in node.arms:
        if any(matches(shell.expander.pattern(p), subject) for p in arm.patterns):
            shell.run_items(arm.body)
            if not arm.body:
                shell.state.status = 0
            return
    shell.state.status = 0


def run_for(shell: Interp, node: For) -> None:
    values = (
        list(shell.state.positional) if node.items is None else shell.expander.fields(node.items)
    )
    status = 0
    shell.loops += 1
    try:
        for value in values:
            shell.state.assign(node.variable, value)
            if _jumped(shell, node.body) == "break":
                break
            status = shell.state.status
    finally:
        shell.loops -= 1
    shell.state.status = status


def run_loop(shell: Interp, node: Loop) -> None:
    status, iterations = 0, 0
    shell.loops += 1
    try:
        while True:
            before, start, mark = _fingerprint(shell), shell.t, len(shell.world.log.events)
            with shell.quietly():
                shell.run_items(node.condition)
            if (shell.state.status == 0) == node.until:
                break
            ended = _jumped(shell, node.body)
            status = shell.state.status
            if ended == "break":
                break
            iterations += 1
            limit = TIMED_ITERATIONS if shell.t > start else QUICK_ITERATIONS
            if _fingerprint(shell) == before or iterations >= limit:
                raise _repeating(shell, mark, shell.t - start)
    finally:
        shell.loops -= 1
    shell.state.status = status


def _jumped(shell: Interp, body: tuple[Item, ...]) -> str:
    """Run a loop body; "break", "continue" or "" for how it ended."""
    try:
        shell.run_items(body)
    except LoopJump as jump:
        if jump.levels > 1:
            jump.levels -= 1
            raise
        return jump.kind
    return ""


def _fingerprint(shell: Interp) -> tuple[object, ...]:
    """Everything an iteration could change: equal before and after means it repeats."""
    return (
        shell.state.snapshot(),
        shell.fs.snapshot(),
        tuple(c.pos for c in shell.fds.values() if isinstance(c, Source)),
    )


def _repeating(shell: Interp, mark: int, period: float) -> Forever:
    """The loop's last iteration, repeated for ever."""
    text = "".join(text for _, _, text in shell.world.log.events[mark:])
    foreground = Foreground(repeat_every=max(period, 0.01), repeat_lines=tuple(text.splitlines()))
    usage = BUSY if period <= 0 else shell.world.usage or Usage()
    return Forever(foreground, usage, shell.world.ramp, shell.t, interruptible=period < STOP_GRACE)
