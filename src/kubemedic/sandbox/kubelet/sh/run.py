"""A shell process from start to end: its command line, its first variables, the script run
one complete command at a time, the EXIT trap, and how it looks once it never ends.

A container's shell is PID 1: it ignores SIGTERM unless it traps it, so stopping a script
that blocks in a program takes the grace period and ends with 137 (SIGKILL). BusyBox ash
execs the script's last command, which then receives the signal itself; dash does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from random import Random

from kubemedic.sandbox.kubelet.process import Listener, Usage
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.sh.builtins import run_text
from kubemedic.sandbox.kubelet.sh.control import Forever, FunctionReturn, LoopJump, ShellExit
from kubemedic.sandbox.kubelet.sh.flavour import Flavour
from kubemedic.sandbox.kubelet.sh.fs import FileSystem
from kubemedic.sandbox.kubelet.sh.interp import Interp, ProgramRunner, World
from kubemedic.sandbox.kubelet.sh.lexer import ShellSyntaxError
from kubemedic.sandbox.kubelet.sh.parser import Parser
from kubemedic.sandbox.kubelet.sh.state import DEFAULT_IFS, LETTERS, ShellState
from kubemedic.sandbox.kubelet.sh.streams import Channel, Fds, Log, NullSink, Source, StreamSink
from kubemedic.sandbox.kubelet.sh.syntax import Item, Simple

SIGKILLED = 137
SEGFAULT = 139
_STARTUP = {
    "dash": {
        "missing": "-c requires an argument",
        "open": "cannot open {0}: No such file",
        "option": "Illegal option {0}",
    },
    "ash": {
        "missing": "-c requires an argument",
        "open": "can't open '{0}': No such file or directory",
        "option": "illegal option {0}",
    },
    "bash": {
        "missing": "-c: option requires an argument",
        "open": "{0}: No such file or directory",
        "option": "{0}: invalid option",
    },
}


@dataclass(frozen=True, slots=True)
class ShellRun:
    """What a shell process did: its output in order, and how it ended or that it did not."""

    events: tuple[tuple[float, int, str], ...]  # (moment, 1 stdout | 2 stderr, text)
    status: int
    end: float
    forever: Forever | None
    file_changes: tuple[tuple[float, str, bool], ...]
    usage: Usage | None
    ramp: float

    def output(self, stream: int) -> str:
        return "".join(text for _, s, text in self.events if s == stream)

    @property
    def stdout(self) -> str:
        return self.output(1)

    @property
    def stderr(self) -> str:
        return self.output(2)


def run(program: str, argv: list[str], ctx: RunContext, run_program: ProgramRunner) -> ShellRun:
    """Run the shell ``program`` (dash, ash or bash) as a container's main process."""
    fs = FileSystem(ctx)
    log = Log()
    world = World(ctx, fs, log, run_program, _nested)
    fds: Fds = {0: Source(ctx.stdin), 1: StreamSink(log, 1), 2: StreamSink(log, 2)}
    forever: Forever | None = None
    try:
        status, end = run_process(world, program, argv, dict(ctx.env), fds, 0.0, pid=1)
    except Forever as blocked:
        forever, status, end = blocked, 0, blocked.at
    except RecursionError:  # nesting deeper than a real shell's stack: it crashes
        status, end = SEGFAULT, max((at for at, _, _ in log.events), default=0.0)
    events = [
        (index, event)
        for index, event in enumerate(log.events)
        if (forever is not None or event[0] <= end)
        and not any(index in span and event[0] > at for span, at in world.killed)
    ]
    ordered = tuple(event for _, event in sorted(events, key=lambda pair: pair[1][0]))
    return ShellRun(ordered, status, end, forever, tuple(fs.changes), world.usage, world.ramp)


def _nested(parent: Interp, program: str, argv: list[str], env: dict[str, str]) -> int:
    """A shell started by a script (``sh -c ...``, ``sh script.sh``) in the same container."""
    world, pid = parent.world, parent.world.new_pid()
    status, parent.t = run_process(
        world, program, argv, env, parent.fds, parent.t, pid, ppid=parent.state.pid
    )
    return status


def run_process(
    world: World,
    program: str,
    argv: list[str],
    env: dict[str, str],
    fds: Fds,
    t: float,
    pid: int,
    *,
    ppid: int = 0,  # a container's PID 1 has no parent
) -> tuple[int, float]:
    """One shell process: its exit status and the moment it ended; Forever if it never ends."""
    flavour = Flavour(program, argv[0])
    invocation = _invocation(flavour, argv, world.fs, world.ctx.working_dir, fds.get(0))
    if isinstance(invocation, str):
        prefix = f"{argv[0]}: 0: " if program == "dash" else f"{argv[0]}: "
        errors = fds.get(2)
        if errors is not None and not isinstance(errors, Source):
            errors.write(prefix + invocation + "\n", t)
        return 2, t
    script, arg0, positional, options, from_file = invocation
    state = ShellState(arg0, pid, positional=positional, options=options, random=Random(pid))
    state.cwd = world.ctx.working_dir
    state.variables.update(env)
    state.exported.update(env)
    state.variables["PPID"] = str(ppid)
    state.variables.update({"IFS": DEFAULT_IFS, "PS1": "$ ", "PS2": "> ", "PS4": "+ "})
    state.variables.update({"OPTIND": "1", "PWD": state.cwd})
    state.exported.add("PWD")
    if program == "ash":  # BusyBox counts nested shells
        state.variables["SHLVL"] = str(int(env.get("SHLVL", "0") or "0") + 1)
        state.exported.add("SHLVL")
    shell = Interp(world, state, replace(flavour, arg0=arg0, from_file=from_file), fds, t)
    try:
        status = _run_lines(shell, script)
    except (ShellExit, FunctionReturn) as stop:
        status = stop.status
    except LoopJump:
        status = shell.state.status
    except Forever as blocked:
        raise _settle(shell, blocked) from None
    return shell.finish(status), shell.t


Invocation = tuple[str, str, list[str], set[str], bool]


def _invocation(
    flavour: Flavour, argv: list[str], fs: FileSystem, cwd: str, stdin: Channel | None
) -> Invocation | str:
    """(script, $0, positional parameters, options, read from a file) or a startup error."""
    words = _STARTUP[flavour.name]
    args, options, command = argv[1:], set[str](), False
    while args and len(args[0]) > 1 and args[0][0] in "-+" and args[0] != "--":
        flags, args = args[0], args[1:]
        for letter in flags[1:]:
            if letter == "c":
                command = True
            elif letter == "o" and args:
                options.add(args.pop(0))
            elif letter in LETTERS:
                options.add(LETTERS[letter])
            elif letter not in "sil":
                return words["option"].format(flags[0] + letter)
    if args[:1] == ["--"]:
        args = args[1:]
    if command:
        if not args:
            return words["missing"]
        return args[0], args[1] if len(args) > 1 else argv[0], args[2:], options, False
    if not args:
        script = stdin.read_all() if isinstance(stdin, Source) else ""
        return script, argv[0], [], options, False  # reads its stdin (empty in a container)
    text = fs.read(fs.path(args[0], cwd))
    if text is None:
        return words["open"].format(args[0])
    return text, args[0], args[1:], options, True


def _run_lines(shell: Interp, script: str) -> int:
    parser = Parser(script, bash_compat=shell.flavour.bash_compat)
    first = True
    while True:
        try:
            items = parser.next_command()
        except ShellSyntaxError as error:
            shell.complain(shell.flavour.syntax(error))
            return 2
        if items is None:
            return shell.state.status
        if parser.at_end() and (shell.flavour.ash or (first and shell.flavour.name == "bash")):
            shell.exec_tail = _tail(items)
        first = False
        shell.run_items(items)


def _tail(items: tuple[Item, ...]) -> Simple | None:
    """The simple command a shell can exec in its own place, if the list ends with one."""
    last = items[-1]
    pipeline = last.command.first
    if last.background or last.command.rest or pipeline.negate or len(pipeline.commands) > 1:
        return None
    command = pipeline.commands[0]
    return command if isinstance(command, Simple) else None


def _settle(shell: Interp, blocked: Forever) -> Forever:
    """The steady state of a blocked shell: its background jobs still run beside it, and a
    stop signal ends it as its trap (or the lack of one) decides."""
    foreground = blocked.foreground
    usages = [u for u in [blocked.usage] if u is not None]
    listeners: dict[int, Listener] = {}
    for job in shell.jobs.values():
        if job.forever is None:
            continue
        listeners.update(job.forever.foreground.listeners)
        if job.forever.usage is not None:
            usages.append(job.forever.usage)
        if foreground.repeat_every is None and job.forever.foreground.repeat_every is not None:
            repeat = job.forever.foreground
            foreground = replace(
                foreground, repeat_every=repeat.repeat_every, repeat_lines=repeat.repeat_lines
            )
    listeners.update(foreground.listeners)
    foreground = replace(foreground, listeners=listeners)
    if not blocked.replaced:
        foreground = replace(foreground, stop_exit_code=_stop_status(shell, blocked))
    usage = _combined(usages) if usages else None
    return Forever(foreground, usage, blocked.ramp, blocked.at, replaced=blocked.replaced)


def _stop_status(shell: Interp, blocked: Forever) -> int:
    action = shell.state.traps.get("TERM")
    if not action or not blocked.interruptible:
        return SIGKILLED
    child = shell.fork()
    child.fds = {0: Source(""), 1: NullSink(), 2: NullSink()}
    try:
        run_text(child, action, "trap")
    except (ShellExit, FunctionReturn) as stop:
        return stop.status
    except Forever:
        pass
    return SIGKILLED


def _combined(usages: list[Usage]) -> Usage:
    first = usages[0]
    return replace(
        first,
        cpu_cores=sum(u.cpu_cores for u in usages),
        memory_bytes=sum(u.memory_bytes for u in usages),
        memory_growth=sum(u.memory_growth for u in usages),
    )
