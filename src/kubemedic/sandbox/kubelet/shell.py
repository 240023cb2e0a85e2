"""A small POSIX shell for the scripts people put in ``command: [sh, -c, ...]``.

It understands what manifests use: simple commands with arguments and ``$VAR`` expansion,
``;`` ``&&`` ``||`` ``|`` ``&``, redirections, ``exit``, ``exec``, ``export``, ``set -e``,
``while``/``until``/``for``/``if`` and ``{ }`` groups. It does not run anything: it works out
what the script would print and when, how it ends, and what it leaves running, as a
``Process``. Unknown commands fail the way dash, BusyBox ash or bash report them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.process import Foreground, Process, Step, Usage
from kubemedic.sandbox.kubelet.programs import (
    CORE_PROGRAMS,
    SHELLS,
    RunContext,
    find_executable,
)
from kubemedic.sandbox.kubelet.script import (
    AndOr,
    Command,
    ForLoop,
    Group,
    IfElse,
    Loop,
    Parser,
    Pipeline,
    ScriptSyntaxError,
    Simple,
    tokenize,
)
from kubemedic.sandbox.kubelet.tools import TOOL_PROGRAMS

_MAX_ITERATIONS = 200
_BUSY = Usage(cpu_cores=1.0, memory_bytes=1_000_000)
NO_COMMAND = "no command specified"
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)|`([^`]*)`")
_VARIABLE = re.compile(r"\$(?:\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}|(?P<name2>\w+|\?|\$))")


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _Forever(Exception):
    """The script reached a command that never returns."""


@dataclass
class _Run:
    """The timeline being built while a script runs."""

    t: float = 0.0
    status: int = 0
    lines: list[tuple[float, str]] = field(default_factory=list)
    file_changes: list[tuple[float, str, bool]] = field(default_factory=list)
    foreground: Foreground | None = None
    usage: Usage | None = None
    ramp: float = 1.0
    background: Step | None = None

    def absorb(self, step: Step, *, log: bool = True) -> None:
        if log:
            self.lines.extend((self.t + offset, text) for offset, text in step.lines)
        self.file_changes.extend((self.t + o, p, e) for o, p, e in step.file_changes)
        if step.foreground is not None:
            self.foreground = step.foreground
            self.usage = step.usage
            self.ramp = step.ramp_seconds
            raise _Forever
        self.t += step.duration
        self.status = step.status
        if step.usage is not None:
            self.usage = step.usage


def _is_endless(loop: Loop) -> bool:
    """A loop whose condition never changes: ``while true``, ``while sleep 5``, ``until false``."""
    words = [
        w
        for item in loop.condition
        for command in item.first.commands
        if isinstance(command, Simple)
        for w in command.words
    ]
    if loop.until:
        return words == ["false"]
    return words in (["true"], [":"], ["[", "1", "]"]) or (bool(words) and words[0] == "sleep")


class Shell:
    """One shell process: its flavour decides how errors are worded."""

    def __init__(self, flavour: str, name: str, ctx: RunContext) -> None:
        self.flavour = flavour
        self.name = name
        self.ctx = ctx
        self.errexit = False

    # error wording of dash, BusyBox ash and bash
    def error(self, text: str) -> str:
        if self.flavour == "dash":
            return f"{self.name}: 1: {text}"
        if self.flavour == "bash":
            return f"{self.name}: line 1: {text}"
        return f"{self.name}: {text}"

    def substitute(self, command: str) -> str:
        """``$(cmd)``: the output of a simple command, run at once and for no time."""
        words = command.split()
        if not words or find_executable(words[0], self.ctx.image) is None:
            return ""
        step = self.call(words)
        return " ".join(text for _, text in step.lines) if step.foreground is None else ""

    def not_found(self, command: str) -> str:
        if self.flavour == "bash":
            return self.error(
                f"{command}: "
                + ("No such file or directory" if "/" in command else "command not found")
            )
        return self.error(f"{command}: not found")

    def run_script(self, script: str, run: _Run) -> None:
        script = _SUBSTITUTION.sub(lambda m: self.substitute(m.group(1) or m.group(2)), script)
        try:
            tree = Parser(tokenize(script)).sequence()
        except ScriptSyntaxError as exc:
            run.absorb(Step.say(self.error(str(exc)), status=2))
            raise _Exit(2) from exc
        self.run_list(tree, run)

    def run_list(self, items: Sequence[AndOr], run: _Run) -> None:
        for item in items:
            if item.background:
                self.run_background(item, run)
                continue
            self.run_and_or(item, run)
            if self.errexit and run.status != 0 and not item.rest:
                raise _Exit(run.status)

    def run_background(self, item: AndOr, run: _Run) -> None:
        side = _Run(t=run.t)
        try:
            self.run_and_or(item, side)
        except _Forever:
            run.background = Step(
                foreground=side.foreground, usage=side.usage, ramp_seconds=side.ramp
            )
        except _Exit:
            pass
        run.lines.extend(side.lines)
        run.file_changes.extend(side.file_changes)
        run.status = 0

    def run_and_or(self, item: AndOr, run: _Run) -> None:
        self.run_pipeline(item.first, run)
        for op, pipeline in item.rest:
            if (op == "&&") == (run.status == 0):
                self.run_pipeline(pipeline, run)

    def run_pipeline(self, pipeline: Pipeline, run: _Run) -> None:
        last = len(pipeline.commands) - 1
        for index, command in enumerate(pipeline.commands):
            self.run_command(command, run, log=index == last)
        if pipeline.negate:
            run.status = 0 if run.status else 1

    def run_command(self, command: Command, run: _Run, *, log: bool = True) -> None:
        if isinstance(command, Simple):
            self.run_simple(command, run, log=log)
        elif isinstance(command, Group):
            self.run_list(command.body, run)
        elif isinstance(command, IfElse):
            for condition, body in command.branches:
                self.run_list(condition, run)
                if run.status == 0:
                    self.run_list(body, run)
                    return
            self.run_list(command.otherwise, run)
        elif isinstance(command, ForLoop):
            for value in [w for item in command.items for w in self.expand(item).split()][
                :_MAX_ITERATIONS
            ]:
                self.ctx.env[command.variable] = value
                self.run_list(command.body, run)
        else:
            self.run_loop(command, run)

    def run_loop(self, loop: Loop, run: _Run) -> None:
        """Run a loop until it ends; one that never ends repeats its last iteration forever."""
        period, texts = 0.0, tuple[str, ...]()
        for _ in range(_MAX_ITERATIONS):
            self.run_list(loop.condition, run)
            if (run.status == 0) == loop.until:
                run.status = 0
                return
            start, before = run.t, len(run.lines)
            self.run_list(loop.body, run)
            period, texts = run.t - start, tuple(text for _, text in run.lines[before:])
            if _is_endless(loop):
                break
        run.foreground = Foreground(repeat_every=max(period, 0.01), repeat_lines=texts)
        run.usage = _BUSY if period <= 0 else Usage()
        raise _Forever

    def expand(self, word: str) -> str:
        env = self.ctx.env

        def value(match: re.Match[str]) -> str:
            name = match.group("name") or match.group("name2")
            default = match.group("default")
            if name == "?":
                return "0"
            if name == "$":
                return "1"
            return env.get(name) or (default or "")

        return _VARIABLE.sub(value, word)

    def run_simple(self, command: Simple, run: _Run, *, log: bool) -> None:
        words = [self.expand(w) for w in command.words]
        while words and re.fullmatch(r"\w+=.*", words[0]):
            key, _, value = words.pop(0).partition("=")
            self.ctx.env[key] = value
        if command.to_file and command.to_file != "/dev/null":
            self.ctx.files.add(self.ctx.abspath(command.to_file))
        if words and words[0] == "exec":
            words = words[1:]
        if not words:
            run.status = 0
        elif not self.run_builtin(words, run):
            run.absorb(self.call(words), log=log and command.to_file is None)

    def run_builtin(self, words: list[str], run: _Run) -> bool:
        """Run a shell builtin; False when ``words`` names no builtin."""
        name = words[0]
        if name == "exit":
            raise _Exit(int(words[1]) if len(words) > 1 and words[1].isdigit() else run.status)
        if name in ("export", "readonly", "local"):
            for assignment in words[1:]:
                key, sign, value = assignment.partition("=")
                if sign:
                    self.ctx.env[key] = value
        elif name == "set":
            self.errexit = self.errexit or any(w.startswith("-") and "e" in w for w in words[1:])
        elif name == "wait":
            if run.background is not None:
                run.absorb(run.background)
        elif name not in (":", "cd", "trap", "ulimit", "umask", "shift", "unset", "read"):
            return False
        run.status = 1 if name == "read" else 0
        return True

    def call(self, argv: list[str]) -> Step:
        found = find_executable(argv[0], self.ctx.image)
        if found is None:
            return Step.say(self.not_found(argv[0]), status=127)
        if found.program is None:
            return Step.say(self.error(f"{argv[0]}: Permission denied"), status=126)
        return run_program(found.program, argv, self.ctx)


def run_program(program: str | AppSpec, argv: list[str], ctx: RunContext) -> Step:
    """Run one program to its first foreground moment or its exit."""
    if isinstance(program, AppSpec):
        return program.with_traits(ctx.image.traits(ctx.tag)).run(argv, ctx.env)
    if program in SHELLS:
        return _shell_step(program, argv, ctx)
    if program == "entrypoint":
        args = argv[1:]
        if args and args[0].startswith("-") and ctx.image.cmd:
            args = [ctx.image.cmd[0], *args]
        if not args:
            return Step()
        found = find_executable(args[0], ctx.image)
        if found is None or found.program is None:
            return Step.say(f"{argv[0]}: line 1: exec: {args[0]}: not found", status=127)
        return run_program(found.program, args, ctx)
    handler = CORE_PROGRAMS.get(program) or TOOL_PROGRAMS.get(program)
    if handler is None:
        return Step(foreground=Foreground(), usage=Usage())
    return handler(argv, ctx)


def _shell_step(flavour: str, argv: list[str], ctx: RunContext) -> Step:
    shell = Shell(flavour, argv[0], ctx)
    args = argv[1:]
    while args and args[0].startswith("-") and args[0] != "-c":
        shell.errexit = shell.errexit or "e" in args[0]
        args = args[1:]
    if not args:
        return Step()  # an interactive shell with no terminal reads EOF and exits 0
    if args[0] == "-c":
        script = args[1] if len(args) > 1 else ""
        if len(args) < 2:
            return Step.say(
                shell.error("-c: option requires an argument")
                if flavour == "bash"
                else f"{argv[0]}: 0: -c requires an argument",
                status=2,
            )
    else:
        path = ctx.abspath(args[0])
        content = ctx.contents.get(path)
        if content is None:
            return Step.say(f"{argv[0]}: 0: cannot open {args[0]}: No such file", status=2)
        script = content
    run = _Run()
    try:
        shell.run_script(script, run)
        if run.background is not None:
            run.absorb(run.background)
    except _Exit as stop:
        run.status = stop.status
    except _Forever:
        return Step(
            lines=tuple(run.lines),
            foreground=run.foreground,
            usage=run.usage,
            ramp_seconds=run.ramp,
            file_changes=tuple(run.file_changes),
            duration=run.t,
        )
    return Step(
        lines=tuple(run.lines),
        duration=run.t,
        status=run.status,
        usage=run.usage,
        file_changes=tuple(run.file_changes),
    )


def start_process(argv: Sequence[str], ctx: RunContext, *, node_arch: str) -> Process:
    """The life of a container started with ``argv`` (ENTRYPOINT/CMD already applied)."""
    if not argv:
        return Process(start_error=NO_COMMAND)
    image = ctx.image
    found = find_executable(argv[0], image)
    prefix = "exec: " + f'"{argv[0]}"'
    if found is None:
        cause = (
            f"stat {argv[0]}: no such file or directory"
            if "/" in argv[0]
            else "executable file not found in $PATH"
        )
        return Process(start_error=f"{prefix}: {cause}")
    if found.program is None:
        return Process(start_error=f"{prefix}: permission denied")
    if node_arch not in image.architectures:
        return Process(
            lines=((0.0, f"exec {found.path}: exec format error"),), exit_at=0.05, exit_code=255
        )
    step = run_program(found.program, list(argv), ctx)
    return to_process(step)


def to_process(step: Step) -> Process:
    usage = step.usage or Usage()
    if step.foreground is not None:
        return Process(
            lines=step.lines,
            exit_at=None,
            foreground=step.foreground,
            foreground_from=step.duration,
            usage=usage,
            ramp_seconds=step.ramp_seconds,
            file_changes=step.file_changes,
        )
    return Process(
        lines=step.lines,
        exit_at=max(step.duration, 0.05),
        exit_code=step.status,
        usage=usage,
        ramp_seconds=step.ramp_seconds,
        file_changes=step.file_changes,
    )
