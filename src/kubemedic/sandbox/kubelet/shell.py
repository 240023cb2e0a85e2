"""Starting a container's command: the program found in the image, run to its first steady
moment or its exit, as a ``Process`` the kubelet reads against the clock.

Shells (``sh -c``, ``bash -c``, ``sh script.sh``) run through the POSIX shell in ``sh/`` with
the flavour of the image's ``/bin/sh`` (dash or BusyBox ash); ``test``, ``[``, ``echo`` and
``printf`` run by themselves behave as those shells' builtins do; every other program comes
from the catalog. Nothing is ever executed on the host.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.mounted import script_argv
from kubemedic.sandbox.kubelet.process import Foreground, Process, Step, Usage, log_lines
from kubemedic.sandbox.kubelet.programs import (
    CORE_PROGRAMS,
    SHELLS,
    RunContext,
    find_executable,
)
from kubemedic.sandbox.kubelet.sh import formats, testexpr
from kubemedic.sandbox.kubelet.sh.fs import FileSystem
from kubemedic.sandbox.kubelet.sh.run import ShellRun, run
from kubemedic.sandbox.kubelet.tools import TOOL_PROGRAMS

NO_COMMAND = "no command specified"
_UTILITIES = frozenset({"test", "[", "echo", "printf"})


def run_shell(argv: Sequence[str], ctx: RunContext) -> ShellRun:
    """Run a shell command line (``sh -c 'script'``) in ``ctx``'s image, streams kept apart."""
    found = find_executable(argv[0], ctx.image)
    if found is None or not isinstance(found.program, str) or found.program not in SHELLS:
        raise ValueError(f"{argv[0]} is not a shell in {ctx.image.repository}")
    return run(found.program, list(argv), ctx, run_program)


def run_program(program: str | AppSpec, argv: list[str], ctx: RunContext) -> Step:
    """Run one program to its first foreground moment or its exit."""
    if isinstance(program, AppSpec):
        return program.with_traits(ctx.image.traits(ctx.tag)).run(argv, ctx.env)
    if program in SHELLS:
        return shell_step(run(program, argv, ctx, run_program))
    if program in _UTILITIES:
        return _utility(program, argv, ctx)
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


def _utility(program: str, argv: list[str], ctx: RunContext) -> Step:
    """``test``, ``[``, ``echo``, ``printf`` run without a shell (an exec probe, a command)."""
    ash = ctx.image.base in ("busybox", "alpine")
    name = posixpath.basename(argv[0])
    if program in ("test", "["):
        files = testexpr.Files(FileSystem(ctx), ctx.working_dir)
        try:
            return Step(status=testexpr.evaluate([program, *argv[1:]], files, ash=ash))
        except testexpr.TestError as error:
            return Step.say(f"{name}: {error.text}", status=2)
    if program == "echo":
        return Step.say(*formats.echo(argv[1:], ash=ash).splitlines())
    result = formats.printf(argv[1:], ash=ash)
    errors = (f"{name}: {error}" for error in result.errors)
    return Step.say(*result.output.splitlines(), *errors, status=result.status)


def shell_step(result: ShellRun) -> Step:
    """A shell's whole run as one program step (output, time, status, or no return)."""
    blocked = result.forever
    return Step(
        lines=log_lines(result.events),
        duration=result.end,
        status=result.status,
        foreground=blocked.foreground if blocked is not None else None,
        usage=blocked.usage if blocked is not None else result.usage,
        ramp_seconds=blocked.ramp if blocked is not None else result.ramp,
        file_changes=result.file_changes,
    )


def start_process(argv: Sequence[str], ctx: RunContext, *, node_arch: str) -> Process:
    """The life of a container started with ``argv`` (ENTRYPOINT/CMD already applied)."""
    if not argv:
        return Process(start_error=NO_COMMAND)
    image = ctx.image
    prefix = "exec: " + f'"{argv[0]}"'
    script = script_argv(list(argv), ctx)
    if isinstance(script, str):
        return Process(start_error=f"{prefix}: {script}")
    if script is not None:
        argv = script
    found = find_executable(argv[0], image)
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
