"""``kubectl exec``: a command started beside a running container's main process.

It sees what an exec in the real container would: the image's programs, the container's
environment, working directory and mounts, and the files its main process has made by now.
Shells run in the simulated shell with stdout and stderr kept apart; other programs come from
the catalog. Nothing here runs on the host (Python goes through ``interpreter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kubemedic.sandbox.kubelet.config import ConfigProblem, resolve_env
from kubemedic.sandbox.kubelet.mounted import executable_paths
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.programs import SHELLS, RunContext, find_executable
from kubemedic.sandbox.kubelet.shell import run_program, run_shell, shell_step, to_process
from kubemedic.sandbox.kubelet.state import ContainerRuntime, PodRuntime
from kubemedic.sandbox.store import Obj, Store


class ExecRefused(Exception):
    """The runtime cannot start the command; ``str()`` is the kubelet's message."""


@dataclass(frozen=True, slots=True)
class ExecOutcome:
    """What an exec'd command did, in cluster seconds from its start."""

    events: tuple[tuple[float, int, str], ...]  # (moment, 1 stdout | 2 stderr, text)
    status: int
    forever: Process | None = None  # a command that does not end, read against the clock


def exec_context(
    store: Store,
    pod: Obj,
    spec: Obj,
    runtime: PodRuntime,
    container: ContainerRuntime,
    now: datetime,
) -> RunContext:
    """The container as an exec into it sees it at ``now``."""
    instance, pulled = container.instance, container.pulled
    if instance is None or pulled is None:
        raise ExecRefused(f'container not found ("{container.name}")')
    initial = frozenset(set(pulled.image.files) | set(runtime.contents))
    process, age = instance.process, instance.age(now)
    changed = {path for _, path, _ in process.file_changes}
    status = pod.get("status") or {}
    try:
        env = resolve_env(
            store, pod, spec, str(status.get("hostIP", "")), str(status.get("podIP", ""))
        )
    except ConfigProblem:  # a reference removed since the start: exec sees what is left
        env = {}
    return RunContext(
        image=pulled.image,
        tag=pulled.ref.tag,
        env=env,
        hostname=str(pod["metadata"]["name"]),
        started_at=now,
        files={p for p in initial | changed if process.file_exists(p, age, initial)},
        contents=runtime.contents,
        executables=executable_paths(pod, runtime.contents),
        working_dir=str(spec.get("workingDir") or "/"),
    )


def run_command(argv: list[str], ctx: RunContext) -> ExecOutcome:
    """Run ``argv`` in the container of ``ctx``, as the runtime's exec would."""
    found = find_executable(argv[0], ctx.image) if argv else None
    if found is None or found.program is None:
        cause = "permission denied" if found is not None else "executable file not found in $PATH"
        raise ExecRefused(
            "OCI runtime exec failed: exec failed: unable to start container process: "
            f'exec: "{argv[0] if argv else ""}": {cause}: unknown'
        )
    if isinstance(found.program, str) and found.program in SHELLS:
        result = run_shell(argv, ctx)
        if result.forever is not None:
            return ExecOutcome((), 0, to_process(shell_step(result)))
        return ExecOutcome(result.events, result.status)
    step = run_program(found.program, list(argv), ctx)
    if step.foreground is not None:
        return ExecOutcome((), 0, to_process(step))
    stream = 1 if step.status == 0 else 2
    events = tuple((at, stream, text + "\n") for at, text in step.lines)
    return ExecOutcome(events, step.status)
