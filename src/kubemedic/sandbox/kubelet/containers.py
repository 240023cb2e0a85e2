"""One container's life on the node: pull, configure, start, probe, exit, restart with back-off.

``advance`` moves a container from its last known state to "now", one real kubelet step at a
time, writing the events a kubelet writes on the way (Pulling, Pulled, Failed, BackOff,
Created, Started, Unhealthy, Killing). It returns nothing but asks for the next moment it
must look again through ``wake``.

An exit shows as it does on a real node: ``state.terminated`` (reason, exit code, times) until
the kubelet's next relist notices it (``RELIST_PERIOD``); then the container restarts, or,
inside its back-off, shows ``waiting: CrashLoopBackOff`` from the pod worker's next sync
(``WORKER_BACKOFF`` later) until the back-off ends. A start the runtime refused shows
``waiting: RunContainerError`` instead of ``terminated``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.kubelet.config import ConfigProblem, expand, resolve_env
from kubemedic.sandbox.kubelet.images import Pulled
from kubemedic.sandbox.kubelet.mounted import executable_paths
from kubemedic.sandbox.kubelet.oom import process_name, report_oom_kill
from kubemedic.sandbox.kubelet.probes import failure_event, probe_specs, run_probe
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.pulls import ensure_image
from kubemedic.sandbox.kubelet.shell import NO_COMMAND, start_process
from kubemedic.sandbox.kubelet.start_failure import NEVER_STARTED, start_failure
from kubemedic.sandbox.kubelet.state import ContainerRuntime, Instance
from kubemedic.sandbox.kubelet.sync import FIRST_BACKOFF, MAX_BACKOFF, Sync, retry
from kubemedic.sandbox.kubelet.usage import seconds_until_memory

Obj = dict[str, Any]
BACKOFF_RESET_AFTER = 600.0
RELIST_PERIOD = 1.0  # the kubelet's PLEG relists containers every second
WORKER_BACKOFF = 10.0  # a pod worker whose sync failed (back-off) syncs again 10 s later


def go_duration(seconds: float) -> str:
    """``10s``, ``1m20s``, ``5m0s``: durations as Go prints them."""
    whole = int(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def restarts(sync: Sync, spec: Obj, cr: ContainerRuntime, code: int) -> bool:
    """Whether the kubelet restarts this container after it exited with ``code``."""
    if cr.init and spec.get("restartPolicy") == "Always":
        return True
    policy = str((sync.pod.get("spec") or {}).get("restartPolicy") or "Always")
    if cr.init and policy == "Always":
        return code != 0
    return policy == "Always" or (policy == "OnFailure" and code != 0)


def advance(sync: Sync, spec: Obj, cr: ContainerRuntime) -> None:
    """Bring one container up to ``sync.now``."""
    for _ in range(8):
        if cr.instance is not None and not _run(sync, spec, cr, cr.instance):
            return
        if cr.last_exit is not None and cr.instance is None:
            code = int(cr.last_exit.get("exitCode") or 0)
            if not restarts(sync, spec, cr, code):
                cr.state = {"terminated": cr.last_exit}
                return
            if not _restart_due(sync, spec, cr):
                return
        if not _start(sync, spec, cr):
            return


def _restart_due(sync: Sync, spec: Obj, cr: ContainerRuntime) -> bool:
    """Whether the kubelet starts an exited container again now; else when to look again."""
    assert cr.exited_at is not None
    noticed = cr.exited_at + timedelta(seconds=RELIST_PERIOD)
    if sync.now < noticed:
        sync.after(noticed)
        return False
    until = cr.crash_backoff_until
    if until is None or sync.now >= until:
        return True
    if not cr.backoff_noticed:
        cr.backoff_noticed = True
        sync.event(
            spec,
            cr.init,
            "Warning",
            "BackOff",
            f"Back-off restarting failed container {cr.name} in pod {sync.pod_ref}",
        )
    shown = noticed + timedelta(seconds=WORKER_BACKOFF)
    if sync.now < shown:
        sync.after(min(shown, until))
        return False
    cr.wait(
        "CrashLoopBackOff",
        f"back-off {go_duration(cr.crash_backoff)} restarting failed container={cr.name} "
        f"pod={sync.pod_ref}",
    )
    sync.after(until)
    return False


def _finish(
    sync: Sync,
    spec: Obj,
    cr: ContainerRuntime,
    at: datetime,
    code: int,
    reason: str,
    message: str = "",
) -> None:
    instance = cr.instance
    assert instance is not None
    record: Obj = {"exitCode": code, "reason": reason}
    lines = instance.log_lines(at)
    if not message and code and spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
        message = "\n".join(text for _, text in lines[-80:])[-2048:]
    if message:
        record["message"] = message
    started = NEVER_STARTED if instance.process.start_error else format_time(instance.started_at)
    record.update(startedAt=started, finishedAt=format_time(at), containerID=instance.container_id)
    cr.previous_logs = lines
    cr.exited(record, at)
    ran = (at - instance.started_at).total_seconds()
    if ran >= BACKOFF_RESET_AFTER:
        cr.crash_backoff = 0.0
    if cr.crash_backoff:
        cr.crash_backoff_until = at + timedelta(seconds=cr.crash_backoff)
    else:
        cr.crash_backoff_until = None
        cr.crash_backoff = FIRST_BACKOFF / 2  # doubled to 10s when the next start happens


def _limit(spec: Obj, resource: str) -> float | None:
    return parse_quantity(((spec.get("resources") or {}).get("limits") or {}).get(resource))


def _run(sync: Sync, spec: Obj, cr: ContainerRuntime, instance: Instance) -> bool:
    """Advance a running instance; True if it ended (and may restart)."""
    process = instance.process
    end_age: float | None = process.exit_at
    end = (process.exit_code, "Completed" if process.exit_code == 0 else "Error")
    limit = _limit(spec, "memory")
    if limit is not None:
        oom = seconds_until_memory(process, limit)
        if oom is not None and (end_age is None or oom < end_age):
            end_age, end = oom, (137, "OOMKilled")
    if instance.node_oom is not None:
        killed_at = instance.age(instance.node_oom.at)
        if end_age is None or killed_at < end_age:
            end_age, end = killed_at, (137, "OOMKilled")
    horizon = (
        sync.now
        if end_age is None
        else min(sync.now, instance.started_at + timedelta(seconds=end_age))
    )
    killed = _probe(sync, spec, cr, instance, horizon)
    if killed is not None:
        stop = process.foreground.stop_exit_code if process.foreground else 137
        _finish(sync, spec, cr, killed, stop, "Completed" if stop == 0 else "Error")
        return True
    if end_age is not None and instance.started_at + timedelta(seconds=end_age) <= sync.now:
        _finish(sync, spec, cr, instance.started_at + timedelta(seconds=end_age), *end)
        if end[1] == "OOMKilled":
            node_oom = instance.node_oom
            report_oom_kill(sync, spec, instance, node_oom.memory_bytes if node_oom else limit or 0)
        return True
    if end_age is not None:
        sync.after(instance.started_at + timedelta(seconds=end_age))
    if not probe_specs(spec).get("readiness") and instance.started:
        instance.ready = True
    return False


def _probe(
    sync: Sync, spec: Obj, cr: ContainerRuntime, instance: Instance, horizon: datetime
) -> datetime | None:
    """Run the probes due up to ``horizon``; the moment liveness or startup killed it, if so."""
    probes = probe_specs(spec)
    context = _context(sync, spec, cr)
    initial = frozenset(set(context.files) | set(sync.runtime.contents))
    for kind in ("startup", "liveness", "readiness"):
        probe = probes.get(kind)
        if probe is None or kind in instance.steady:
            continue
        if kind != "startup" and "startup" in probes and not instance.started:
            continue
        period = float(probe.get("periodSeconds") or 10)
        threshold = int(probe.get("failureThreshold") or 3)
        due = instance.next_probe.get(kind) or instance.started_at + timedelta(
            seconds=float(probe.get("initialDelaySeconds") or 0)
        )
        for _ in range(threshold + 2):
            if due > horizon:
                break
            age = instance.age(due)
            result = run_probe(
                probe,
                instance.process,
                age,
                container=spec,
                pod_ip=sync.runtime.ip,
                context=context,
                initial_files=initial,
            )
            due += timedelta(seconds=period)
            if result.ok:
                instance.failures[kind] = 0
                if kind == "startup":
                    instance.started = True
                    instance.steady.add(kind)
                    for other in ("liveness", "readiness"):
                        instance.next_probe.setdefault(other, due)
                if kind == "readiness":
                    instance.ready = True
                if not [t for t in instance.process.change_times() if t > age]:
                    instance.steady.add(kind)
                    break
                continue
            instance.failures[kind] = instance.failures.get(kind, 0) + 1
            sync.event(spec, cr.init, "Warning", "Unhealthy", failure_event(kind, result.message))
            if instance.failures[kind] < threshold:
                continue
            if kind == "readiness":
                instance.ready = False
                continue
            sync.event(
                spec,
                cr.init,
                "Normal",
                "Killing",
                f"Container {cr.name} failed {kind} probe, will be restarted",
            )
            return due - timedelta(seconds=period)
        instance.next_probe[kind] = due
        if kind not in instance.steady:
            sync.after(due)
    return None


def _context(sync: Sync, spec: Obj, cr: ContainerRuntime) -> RunContext:
    pulled = cr.pulled
    assert pulled is not None
    return RunContext(
        image=pulled.image,
        tag=pulled.ref.tag,
        env={},
        hostname=str(sync.pod["metadata"]["name"]),
        started_at=sync.now,
        files=set(pulled.image.files),
        contents=sync.runtime.contents,
        executables=executable_paths(sync.pod, sync.runtime.contents),
        network=sync.network,
        working_dir=str(spec.get("workingDir") or "/"),
    )


def _argv(spec: Obj, pulled: Pulled, env: dict[str, str]) -> list[str]:
    command = [str(c) for c in spec.get("command") or []]
    args = [str(a) for a in spec.get("args") or []]
    if command:
        argv = command + args
    else:
        argv = list(pulled.image.entrypoint) + (args or list(pulled.image.cmd))
    return expand(argv, env)


def _start(sync: Sync, spec: Obj, cr: ContainerRuntime) -> bool:
    """Pull, configure and start a new instance; True once an instance exists."""
    pulled = ensure_image(sync, spec, cr)
    if pulled is None:
        return False
    cr.pulled = pulled
    try:
        env = resolve_env(sync.store, sync.pod, spec, sync.node_ip, sync.runtime.ip)
    except ConfigProblem as problem:
        sync.event(spec, cr.init, "Warning", "Failed", f"Error: {problem}")
        cr.wait("CreateContainerConfigError", str(problem))
        retry(sync, cr, cap=60.0)
        return False
    context = _context(sync, spec, cr)
    context.env = env
    argv = _argv(spec, pulled, env)
    process = start_process(argv, context, node_arch=sync.arch)
    container_id = f"{sync.container_runtime}://{secrets.token_hex(32)}"
    if process.start_error == NO_COMMAND:
        message = (
            f'failed to generate container "{container_id.split("://", 1)[1]}" spec: failed to '
            "generate spec: no command specified"
        )
        sync.event(spec, cr.init, "Warning", "Failed", f"Error: {message}")
        cr.wait("CreateContainerError", message)
        retry(sync, cr)
        return False
    cr.retry_backoff = 0.0
    sync.event(spec, cr.init, "Normal", "Created", f"Created container: {cr.name}")
    if cr.ever_started:
        cr.restart_count += 1
        if cr.last_exit is not None:
            cr.last_state = {"terminated": cr.last_exit}
        cr.crash_backoff = min(cr.crash_backoff * 2, MAX_BACKOFF) if cr.crash_backoff else 0.0
    cr.ever_started = True
    probes = probe_specs(spec)
    cr.instance = Instance(
        container_id=container_id,
        started_at=sync.now,
        process=process,
        image_id=pulled.image_id,
        started="startup" not in probes,
        comm=process_name(argv),
    )
    cr.image_id = pulled.image_id
    cr.state = {"running": {"startedAt": format_time(sync.now)}}
    if process.start_error:
        failure = start_failure(sync.container_runtime, cr.name, process.start_error)
        sync.event(spec, cr.init, "Warning", "Failed", failure.event)
        _finish(sync, spec, cr, sync.now, failure.exit_code, failure.reason, failure.message)
        cr.wait("RunContainerError", failure.event.removeprefix("Error: "))
        return True
    sync.event(spec, cr.init, "Normal", "Started", f"Started container {cr.name}")
    return True
