"""Running a parsed script: lists, pipelines, subshells, functions and simple commands.

Time is simulated: a command advances the shell's clock by what it takes (``sleep 5`` is five
seconds), background jobs and pipeline elements run on their own clocks from the moment they
start. A simple command is a special builtin, a function, a regular builtin or a program of
the image (``external``), looked up in that order; ``compound`` runs ``if``, ``case`` and
loops. ``set -e`` applies to each pipeline outside a condition or an ``&&``/``||`` list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.process import Foreground, MiB, Step, Usage
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.sh import commands, compound, external
from kubemedic.sandbox.kubelet.sh.builtins import SIGNALS, quote, run_text
from kubemedic.sandbox.kubelet.sh.control import (
    Forever,
    FunctionReturn,
    Job,
    LoopJump,
    ShellExit,
)
from kubemedic.sandbox.kubelet.sh.expand import Expander, TooLarge
from kubemedic.sandbox.kubelet.sh.flavour import Flavour, ShellError
from kubemedic.sandbox.kubelet.sh.fs import FileSystem
from kubemedic.sandbox.kubelet.sh.parser import RESERVED
from kubemedic.sandbox.kubelet.sh.redirect import open_redirects
from kubemedic.sandbox.kubelet.sh.state import Frame, ShellState
from kubemedic.sandbox.kubelet.sh.streams import BufferSink, Fds, Log, Source
from kubemedic.sandbox.kubelet.sh.syntax import (
    AndOr,
    Command,
    For,
    FunctionDef,
    Group,
    If,
    Item,
    Loop,
    Pipeline,
    Redirect,
    Simple,
    Subshell,
)

ProgramRunner = Callable[[str | AppSpec, list[str], RunContext], Step]
NestedShell = Callable[["Interp", str, list[str], dict[str, str]], int]
MAX_COMMANDS = compound.QUICK_ITERATIONS  # a script still busy after that just keeps a CPU busy
MAX_DEPTH = 100  # function nesting deeper than this crashes the shell, like a stack overflow
_PLAIN = re.compile(r"[\w=/.:+,@%-]+")


@dataclass
class World:
    """What every shell and subshell of one container shares."""

    ctx: RunContext
    fs: FileSystem
    log: Log
    run_program: ProgramRunner
    run_shell: NestedShell
    usage: Usage | None = None
    ramp: float = 1.0
    commands: int = 0
    last_pid: int = 1
    killed: list[tuple[range, float]] = field(default_factory=list)

    def new_pid(self) -> int:
        self.last_pid += 1
        return self.last_pid


class Interp:
    def __init__(self, world: World, state: ShellState, flavour: Flavour, fds: Fds, t: float):
        self.world = world
        self.fs = world.fs
        self.state = state
        self.flavour = flavour
        self.fds = fds
        self.t = t
        self.line = 1
        self.loops = 0
        self.quiet = 0  # > 0 where ``set -e`` does not apply (conditions, && || lists)
        self.jobs: dict[int, Job] = {}
        self.substituted: int | None = None  # status of the last command substitution
        self.exec_tail: Simple | None = None  # ash execs the script's last command
        self.expander = Expander(self)

    def fork(self) -> Interp:
        """A subshell: a copy of this shell whose traps are reset (ignored ones stay)."""
        self.count_command()
        state = self.state.copy()
        state.traps = {name: action for name, action in state.traps.items() if not action}
        child = Interp(self.world, state, self.flavour, dict(self.fds), self.t)
        child.line, child.quiet = self.line, self.quiet
        return child

    # -- output ----------------------------------------------------------------------------
    def write(self, fd: int, text: str) -> None:
        channel = self.fds.get(fd)
        if channel is not None and not isinstance(channel, Source):
            channel.write(text, self.t)

    def complain(self, text: str) -> None:
        self.write(2, text + "\n")

    def fail(self, error: ShellError) -> int:
        """Report ``error``; fatal ones end this shell."""
        self.complain(self.flavour.error(error, self.line))
        if error.fatal:
            raise ShellExit(error.status)
        return error.status

    # -- lists -----------------------------------------------------------------------------
    def run_items(self, items: Sequence[Item]) -> None:
        for item in items:
            if item.background:
                self.run_background(item.command)
            else:
                self.run_and_or(item.command)

    def run_and_or(self, node: AndOr) -> None:
        steps = [("", node.first), *node.rest]
        for index, (op, pipeline) in enumerate(steps):
            if (op == "&&" and self.state.status != 0) or (op == "||" and self.state.status == 0):
                continue
            self.run_pipeline(pipeline, checked=index == len(steps) - 1)

    @contextmanager
    def quietly(self, quiet: bool = True) -> Iterator[None]:
        self.quiet += quiet
        try:
            yield
        finally:
            self.quiet -= quiet

    def run_pipeline(self, pipeline: Pipeline, *, checked: bool) -> None:
        quiet = pipeline.negate or not checked
        self.quiet += quiet
        try:
            if len(pipeline.commands) == 1:
                self.run_command(pipeline.commands[0])
            else:
                self.run_piped(pipeline.commands)
        finally:
            self.quiet -= quiet
        if pipeline.negate:
            self.state.status = int(self.state.status == 0)
        elif checked and self.state.status and "errexit" in self.state.options and not self.quiet:
            raise ShellExit(self.state.status)

    def run_piped(self, commands: Sequence[Command]) -> None:
        """Each element runs in a subshell from the same moment, reading what the previous
        one printed; the pipeline ends when its slowest element does."""
        end, text, statuses = self.t, None, []
        for index, command in enumerate(commands):
            child = self.fork()
            if text is not None:
                child.fds[0] = Source(text)
            sink = BufferSink()
            if index < len(commands) - 1:
                child.fds[1] = sink
            statuses.append(child.run_isolated(partial(child.run_command, command)))
            end, text = max(end, child.t), sink.text
        self.t = end
        failed = [s for s in statuses if s] if "pipefail" in self.state.options else []
        self.state.status = failed[-1] if failed else statuses[-1]

    def run_isolated(self, body: Callable[[], None]) -> int:
        """Run ``body`` as a subshell would: its exit ends only itself (after its EXIT trap)."""
        try:
            body()
            status = self.state.status
        except (ShellExit, FunctionReturn) as stop:
            status = stop.status
        except LoopJump:
            status = self.state.status
        return self.finish(status)

    def finish(self, status: int) -> int:
        """The EXIT trap, run as the shell ends; it may change the exit status."""
        action = self.state.traps.pop("EXIT", None)
        if not action:
            return status
        self.state.status = status
        try:
            run_text(self, action, "trap")
        except (ShellExit, FunctionReturn) as stop:
            return stop.status
        return status

    def run_background(self, node: AndOr) -> None:
        child = self.fork()
        child.fds[0] = Source("")
        pid = self.world.new_pid()
        first = len(self.world.log.events)
        forever = None
        try:
            status = child.run_isolated(lambda: child.run_and_or(node))
        except Forever as blocked:
            forever, status = blocked, 0
        events = range(first, len(self.world.log.events))
        self.jobs[pid] = Job(pid, child.t, status, forever, events)
        self.state.last_background = pid
        self.state.status = 0

    # -- commands --------------------------------------------------------------------------
    def run_command(self, command: Command) -> None:
        if isinstance(command, Simple):
            self.run_simple(command)
            return
        if isinstance(command, FunctionDef):
            self.state.functions[command.name] = command.body
            self.state.status = 0
            return
        with self.redirected(command.redirects) as opened:
            if not opened:
                return
            if isinstance(command, Group):
                self.run_items(command.body)
            elif isinstance(command, Subshell):
                child = self.fork()
                self.state.status = child.run_isolated(lambda: child.run_items(command.body))
                self.t = child.t
            elif isinstance(command, If):
                compound.run_if(self, command)
            elif isinstance(command, Loop):
                compound.run_loop(self, command)
            elif isinstance(command, For):
                compound.run_for(self, command)
            else:
                compound.run_case(self, command)

    @contextmanager
    def redirected(self, redirects: Sequence[Redirect], *, special: bool = False) -> Iterator[bool]:
        """Apply ``redirects`` for one command; False (and the error reported) if one fails.
        A failing redirection ends the script when the command is a special builtin."""
        if not redirects:
            yield True
            return
        saved = self.fds
        try:
            self.fds = open_redirects(self, redirects)
        except ShellError as error:
            error.fatal = special
            self.state.status = self.fail(error)
            yield False
            return
        try:
            yield True
        finally:
            self.fds = saved

    # -- simple commands -------------------------------------------------------------------
    def run_simple(self, node: Simple) -> None:
        self.line = node.line
        self.count_command()
        self.substituted = None
        try:
            argv = self.expander.fields(node.words)
            values = [(name, self.expander.string(word)) for name, word in node.assigns]
        except ShellError as error:
            self.fail(error)
            return
        except TooLarge:
            hog = Usage(cpu_cores=1.0, memory_growth=256 * MiB)
            raise Forever(Foreground(), hog, 0.0, self.t) from None
        if "xtrace" in self.state.options:
            self.trace([f"{n}={v}" for n, v in values] + argv)
        if argv == ["exec"]:
            self.exec_redirects(node.redirects)
            return
        special = commands.special(argv[0], self.flavour.bash_compat) if argv else None
        if not node.redirects:
            self.dispatch(node, argv, values, special)
            return
        with self.redirected(node.redirects, special=special is not None) as opened:
            if opened:
                self.dispatch(node, argv, values, special)

    def dispatch(
        self,
        node: Simple,
        argv: list[str],
        values: list[tuple[str, str]],
        special: commands.Builtin | None,
    ) -> None:
        """Run an expanded simple command: special builtin, function, builtin or program."""
        if not argv:
            self.assign_all(values)
            self.state.status = self.substituted or 0
        elif special is not None:
            self.assign_all(values)
            self.state.status = self.builtin(special, argv)
        elif argv[0] in self.state.functions:
            with self.temporarily(values):
                self.call_function(self.state.functions[argv[0]], argv)
        elif (regular := commands.regular(argv[0], self.flavour.bash_compat)) is not None:
            with self.temporarily(values):
                self.state.status = self.builtin(regular, argv)
        else:
            env = {**self.state.environment(), **dict(values)}
            try:
                self.state.status = external.execute(self, argv, env)
            except Forever as blocked:
                blocked.replaced = blocked.replaced or node is self.exec_tail
                raise

    def exec_redirects(self, redirects: Sequence[Redirect]) -> None:
        """``exec >file``: redirections that stay for the rest of the script."""
        try:
            self.fds = open_redirects(self, redirects)
        except ShellError as error:
            error.fatal = True  # exec is a special builtin
            self.fail(error)
        self.state.status = 0

    def count_command(self) -> None:
        """Commands and subshells are counted: past the budget a script just burns a CPU."""
        self.world.commands += 1
        if self.world.commands > MAX_COMMANDS:
            raise Forever(Foreground(), compound.BUSY, 1.0, self.t)

    def trace(self, words: list[str]) -> None:
        """``set -x``: BusyBox quotes words that need it, dash does not."""
        if self.flavour.ash:
            words = [w if _PLAIN.fullmatch(w) and w not in RESERVED else quote(w) for w in words]
        self.write(2, self.state.variables.get("PS4", "+ ") + " ".join(words) + "\n")

    def assign_all(self, values: list[tuple[str, str]]) -> None:
        for name, value in values:
            try:
                self.state.assign(name, value)
            except ShellError as error:
                self.fail(error)

    @contextmanager
    def temporarily(self, values: list[tuple[str, str]]) -> Iterator[None]:
        saved = {name: self.state.variables.get(name) for name, _ in values}
        self.assign_all(values)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    self.state.variables.pop(name, None)
                else:
                    self.state.variables[name] = value

    def builtin(self, handler: commands.Builtin, argv: list[str]) -> int:
        try:
            return handler(self, argv)
        except ShellError as error:
            if not error.command:
                error.command = argv[0]
            return self.fail(error)

    def call_function(self, body: Command, argv: list[str]) -> None:
        state = self.state
        if len(state.frames) >= MAX_DEPTH:
            raise RecursionError("function nesting")
        saved_positional, saved_loops = state.positional, self.loops
        state.positional, self.loops = argv[1:], 0
        state.frames.append(Frame(argv[1:]))
        try:
            self.run_command(body)
        except FunctionReturn as stop:
            state.status = stop.status
        finally:
            frame = state.frames.pop()
            for name, value in frame.saved.items():
                if value is None:
                    state.variables.pop(name, None)
                else:
                    state.variables[name] = value
            state.positional, self.loops = saved_positional, saved_loops

    def capture(self, body: tuple[Item, ...]) -> str:
        """``$(...)``: run ``body`` in a subshell and return what it printed."""
        child = self.fork()
        sink = BufferSink()
        child.fds[1] = sink
        self.substituted = child.run_isolated(lambda: child.run_items(body))
        self.state.status = self.substituted
        self.t = child.t
        return sink.text

    # -- signals ---------------------------------------------------------------------------
    def kill_job(self, pid: int, signal: int) -> None:
        job = self.jobs[pid]
        if job.forever is None and job.end <= self.t:
            return
        job.end, job.status, job.forever = self.t, 128 + signal, None
        self.world.killed.append((job.events, self.t))

    def signal_self(self, name: str) -> None:
        action = self.state.traps.get(name)
        if action is not None:
            if action:
                status = self.state.status
                run_text(self, action, "trap")
                self.state.status = status
            return
        if self.state.pid == 1:
            return  # PID 1 ignores signals it has no handler for
        raise ShellExit(128 + SIGNALS[name])
