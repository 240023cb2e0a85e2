"""Running a program of the image from a script: found as ``$PATH`` would find it, given the
script's exported variables, working directory, files and standard input, and its output,
file changes and time folded back into the script's own.

A missing command is 127 and a file that is not executable 126, in the shell's words. Other
shells started by a script (``sh -c``, ``sh script.sh``) run in the same simulated container.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.mounted import script_argv
from kubemedic.sandbox.kubelet.process import Step
from kubemedic.sandbox.kubelet.programs import SHELLS, find_executable
from kubemedic.sandbox.kubelet.sh.control import Forever
from kubemedic.sandbox.kubelet.sh.flavour import ShellError
from kubemedic.sandbox.kubelet.sh.streams import Source

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp


def execute(shell: Interp, argv: list[str], env: dict[str, str], *, command: str = "") -> int:
    """Run ``argv`` as a program; ``command`` names the builtin that asked (``exec``)."""
    view = replace(shell.world.ctx, contents=shell.fs.contents, working_dir=shell.state.cwd)
    script = script_argv(argv, view)
    if script == "exec format error":  # no #! line: the shell runs it as a script itself
        return shell.world.run_shell(shell, shell.flavour.name, [shell.flavour.name, *argv], env)
    if isinstance(script, list):
        argv = script
    name = argv[0]
    found = find_executable(name, shell.world.ctx.image)
    if found is None or found.program is None:
        exists = found is not None or (
            "/" in name and shell.fs.exists(shell.fs.path(name, shell.state.cwd))
        )
        if exists:
            error = ShellError("permission", name, command=command, status=126, fatal=False)
        else:
            key = "not-found-path" if "/" in name else "not-found"
            error = ShellError(key, name, command=command, status=127, fatal=False)
        return shell.fail(error)
    program = found.program
    if isinstance(program, str) and program in SHELLS:
        return shell.world.run_shell(shell, program, argv, env)
    source = shell.fds.get(0)
    ctx = replace(
        shell.world.ctx,
        env=env,
        working_dir=shell.state.cwd,
        contents=shell.fs.contents,
        stdin=source.read_all() if isinstance(source, Source) else "",
    )
    step = shell.world.run_program(program, argv, ctx)
    return absorb(shell, step, mkdir=name.endswith("mkdir"))


def absorb(shell: Interp, step: Step, *, mkdir: bool = False) -> int:
    """Fold a program's run into the script: output (stderr when it failed), files, time."""
    sink = shell.fds.get(1 if step.status == 0 else 2)
    for offset, text in step.lines:
        if sink is not None and not isinstance(sink, Source):
            sink.write(text + "\n", shell.t + offset)
    for offset, path, exists in step.file_changes:
        if exists:
            shell.fs.created([path], shell.t + offset, directories=mkdir)
        else:
            shell.fs.removed([path], shell.t + offset)
    if step.usage is not None:
        shell.world.usage, shell.world.ramp = step.usage, step.ramp_seconds
    if step.foreground is not None:
        raise Forever(step.foreground, step.usage, step.ramp_seconds, shell.t)
    shell.t += step.duration
    return step.status


def replace_with(shell: Interp, argv: list[str]) -> int:
    """``exec program``: the program takes the shell's place (and its PID)."""
    try:
        return execute(shell, argv, shell.state.environment(), command="exec")
    except Forever as blocked:
        blocked.replaced = True
        raise
