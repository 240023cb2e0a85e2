"""Fixes for a failing probe, as patches to the workload's container.

The probe analyzers know what failed (the kubelet's message) and where the probe points; this
turns that into the change: aim the probe at the declared port, give it more time, or let a
startup probe cover a slow start — each as a ``kubectl patch`` on the owning workload. Probes
of one container that fail the same way (liveness and readiness on one wrong path) get one fix
that changes them all.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._probes import PortMismatch, never_passes, port_mismatch
from kubemedic.analyzers._template_patch import container_patch, recreate_step
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Probe

STARTUP_PERIOD = 10
"""periodSeconds of a suggested startupProbe."""

MIN_STARTUP_BUDGET = 120
"""Seconds of start-up a suggested startupProbe allows at the least."""

_USUAL_ROUTES = ("/healthz", "/health", "/livez", "/readyz", "/ready", "/actuator/health")
"""Health routes servers commonly answer on, tried when the probed one is missing."""

_EXEC_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
"""Kinds ``kubectl exec kind/name`` resolves to one of their pods (a CronJob's it cannot)."""


def _patched(
    summary: str,
    steps: tuple[str, ...],
    workload: ObjectRef,
    spec: ContainerSpec,
    fields: Mapping[str, Any],
) -> Fix:
    """A fix applied by patching the container; recreate instructions where no patch can be."""
    patch = container_patch(workload, spec, fields)
    if patch is not None:
        return Fix(summary, steps, (patch,))
    recreate = recreate_step(workload)
    return Fix(summary, steps + ((recreate,) if recreate else ()), ())


def config_fix(
    workload: ObjectRef,
    spec: ContainerSpec,
    probes: Sequence[Probe],
    message: str,
    hint: str,
    previous: ContainerSpec | None = None,
) -> Fix:
    """The change for probes that fail the same way: a configuration fault first, else the app.

    ``previous`` is the container as the revision before this one declared it, when known: the
    values it probed with worked.
    """
    mismatch = port_mismatch(spec, probes[0])
    if mismatch is not None:
        return retarget_port(workload, spec, probes, mismatch)
    if "statuscode: 404" in message:
        return wrong_path(workload, spec, probes, previous)
    if "deadline exceeded" in message or "Timeout" in message:
        return longer_timeout(workload, spec, probes)
    if never_passes(probes[0]):
        return replace_command(probes, spec)
    return check_endpoint(workload, probes, spec, hint)


def named(probes: Sequence[Probe]) -> str:
    """``the liveness probe`` or ``the liveness and readiness probes``."""
    return f"the {' and '.join(p.kind for p in probes)} probe" + ("s" if len(probes) > 1 else "")


def retarget_port(
    workload: ObjectRef, spec: ContainerSpec, probes: Sequence[Probe], mismatch: PortMismatch
) -> Fix:
    """Point the probes at the port the container declares."""
    target = mismatch.suggested
    probe = probes[0]
    if target is None:
        return Fix(
            f"Point {named(probes)} of {spec.name} at the port the server listens on: "
            f"{mismatch.described}.",
            (
                "Find the listening port: "
                + _in_container(workload, spec, "netstat -tlnp")
                + " (or ss -tlnp).",
            ),
            (),
        )
    check = "Check the server answers there: " + _in_container(
        workload, spec, f"wget -qO- http://127.0.0.1:{target}{probe.path or '/'}"
    )
    return _patched(
        f"Point {named(probes)} of {spec.name} at port {target}, the port the container "
        f"declares (it probes {mismatch.probe_port}).",
        (check,) if probe.handler == "httpGet" else (),
        workload,
        spec,
        {f"{p.kind}Probe": {p.handler: {"port": target}} for p in probes},
    )


def longer_timeout(workload: ObjectRef, spec: ContainerSpec, probes: Sequence[Probe]) -> Fix:
    """Give probes that time out more time (and look at CPU throttling)."""
    current = max(p.timeout_seconds for p in probes)
    seconds = max(5, current * 3)
    return _patched(
        f"Raise the timeoutSeconds of {named(probes)} from {current} to {seconds}, and check "
        f"{spec.name} for CPU throttling or a slow dependency behind the endpoint.",
        (
            "A health endpoint should answer in milliseconds without calling other services; "
            "if it queries a database, make it cheaper.",
        ),
        workload,
        spec,
        {f"{p.kind}Probe": {"timeoutSeconds": seconds} for p in probes},
    )


def wrong_path(
    workload: ObjectRef,
    spec: ContainerSpec,
    probes: Sequence[Probe],
    previous: ContainerSpec | None = None,
) -> Fix:
    """Aim HTTP probes at a route the server has: the one the previous revision probed, else
    one another probe of the container reaches on the same port; else only the application's
    documentation knows it."""
    both = " of both probes" if len(probes) > 1 else ""
    known = _known_route(spec, probes, previous)
    if known is not None:
        path, where = known
        return _patched(
            f"Point {named(probes)} of {spec.name} at {path}: the server has no route "
            f"{probes[0].path} (404), and {where}.",
            (),
            workload,
            spec,
            {f"{p.kind}Probe": {"httpGet": {"path": path}} for p in probes},
        )
    steps = [
        "Find the application's health route in its documentation and set it as "
        f"httpGet.path{both}; the command tries the usual ones ({' '.join(_USUAL_ROUTES)}) "
        "and prints those that answer."
    ]
    fields = {f"{p.kind}Probe": {"httpGet": {"path": "<health-path>"}} for p in probes}
    patch = container_patch(workload, spec, fields)
    if patch is not None:
        steps.append(f"Then patch the workload with that route in place of <health-path>: {patch}")
    url = f"http://127.0.0.1:{_port_number(spec, probes[0])}"
    script = f"for p in {' '.join(_USUAL_ROUTES)}; do wget -q -O /dev/null {url}$p && echo $p; done"
    tries = _in_container(workload, spec, f"sh -c {shlex.quote(script)}")
    return Fix(
        f"Fix the path of {named(probes)} of {spec.name}: the server has no route "
        f"{probes[0].path} (404).",
        tuple(steps),
        (tries,) if workload.kind in _EXEC_KINDS else (),
    )


def _known_route(
    spec: ContainerSpec, probes: Sequence[Probe], previous: ContainerSpec | None
) -> tuple[str, str] | None:
    """A path the server answers on, and how that is known."""
    failing = probes[0]
    before = previous.probe(failing.kind) if previous is not None else None
    if before is not None and before.handler == "httpGet" and before.path != failing.path:
        return before.path, f"the previous revision probed {before.path}"
    kinds = {p.kind for p in probes}
    for kind in ("liveness", "readiness", "startup"):
        other = spec.probe(kind)
        if (
            kind not in kinds
            and other is not None
            and other.handler == "httpGet"
            and other.port == failing.port
            and other.path not in ("", failing.path)
        ):
            return other.path, f"the {kind} probe reaches {other.path} on the same port"
    return None


def replace_command(probes: Sequence[Probe], spec: ContainerSpec) -> Fix:
    """An exec probe whose command fails whatever the container does."""
    script = never_passes(probes[0])
    return Fix(
        f"Replace the command of {named(probes)} of {spec.name}: `{script}` fails every time, "
        "so the probe can never pass.",
        (
            "Make the command test the application (a file it writes when ready, a local health "
            "call), or use an httpGet or tcpSocket probe on the port it serves.",
        ),
        (),
    )


def startup_probe(
    workload: ObjectRef, spec: ContainerSpec, probe: Probe, needed_seconds: float
) -> Fix:
    """Cover a slow start with a startupProbe on the same endpoint as the liveness probe."""
    budget = max(MIN_STARTUP_BUDGET, needed_seconds * 2)
    threshold = math.ceil(budget / STARTUP_PERIOD)
    handler = {probe.handler: dict(probe.raw.get(probe.handler) or {})}
    fields = {
        "startupProbe": {**handler, "periodSeconds": STARTUP_PERIOD, "failureThreshold": threshold}
    }
    return _patched(
        f"Add a startupProbe to {spec.name} allowing {threshold * STARTUP_PERIOD}s of start-up "
        f"(failureThreshold {threshold} × periodSeconds {STARTUP_PERIOD}); the liveness probe "
        "only starts once it succeeds.",
        (
            f"initialDelaySeconds={probe.initial_delay_seconds} is shorter than the start-up: "
            "raising it also delays detection of a real hang, a startupProbe does not.",
        ),
        workload,
        spec,
        fields,
    )


def longer_startup(workload: ObjectRef, spec: ContainerSpec, probe: Probe) -> Fix:
    """A startupProbe that gives up before the application is up."""
    allowed = probe.failure_threshold * probe.period_seconds
    threshold = max(
        probe.failure_threshold * 2, math.ceil(MIN_STARTUP_BUDGET / probe.period_seconds)
    )
    return _patched(
        f"Allow {spec.name} more start-up time: the startupProbe gives up after {allowed}s "
        f"(failureThreshold {probe.failure_threshold} × periodSeconds {probe.period_seconds}); "
        f"raise failureThreshold to {threshold}.",
        ("Or make start-up faster (warm caches lazily, run migrations in a Job).",),
        workload,
        spec,
        {"startupProbe": {"failureThreshold": threshold}},
    )


_SCOPE: dict[str, str] = {
    "liveness": "A liveness check must only test the process itself; checking databases or other "
    "services from it turns their outage into restarts.",
    "readiness": "A readiness check should test what serving a request needs, and answer fast: "
    "a check on a shared dependency takes every replica out of the Service at once when it "
    "fails.",
    "startup": "A startup check should pass as soon as the process can serve; later health is "
    "the liveness probe's job.",
}


def check_endpoint(
    workload: ObjectRef, probes: Sequence[Probe], spec: ContainerSpec, failure: str
) -> Fix:
    """No configuration fault found: the application itself reports unhealthy."""
    probe = probes[0]
    if probe.handler == "httpGet":
        url = f"http://127.0.0.1:{_port_number(spec, probe)}{probe.path or '/'}"
        call = "Call it by hand: " + _in_container(workload, spec, f"wget -qO- {url}")
    else:
        call = f"Run the check by hand inside {spec.name}: {probe.endpoint}"
    return Fix(
        f"Find why {spec.name} fails {named(probes)} ({failure}): read the application log at "
        "the time of the failures and run the check by hand.",
        (call, *(_SCOPE[p.kind] for p in probes if p.kind in _SCOPE)),
        (),
    )


def _in_container(workload: ObjectRef, spec: ContainerSpec, command: str) -> str:
    """``kubectl exec`` running ``command`` in the container of one of the workload's pods."""
    if workload.kind not in _EXEC_KINDS:
        return f"run {command} in container {spec.name} of a pod of its latest Job"
    return f"kubectl exec {workload.kubectl_ref} -c {spec.name} -- {command}"


def _port_number(spec: ContainerSpec, probe: Probe) -> int | str | None:
    """The probe's port as a number: a named port is the containerPort of that name."""
    port = probe.port
    named_port = next((p.get("containerPort") for p in spec.ports if p.get("name") == port), None)
    return named_port if isinstance(named_port, int) else port
