"""Fixes for a failing probe, as patches to the workload's container.

The probe analyzers know what failed (the kubelet's message) and where the probe points; this
turns that into the change: aim the probe at the declared port, give it more time, or let a
startup probe cover a slow start — each as a ``kubectl patch`` on the owning workload.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._probes import PortMismatch
from kubemedic.analyzers._template_patch import container_patch, recreate_step
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Probe

STARTUP_PERIOD = 10
"""periodSeconds of a suggested startupProbe."""

MIN_STARTUP_BUDGET = 120
"""Seconds of start-up a suggested startupProbe allows at the least."""


@dataclass(frozen=True, slots=True)
class ProbeFix:
    """One change to a probe: what to do, why, and the patch."""

    summary: str
    steps: tuple[str, ...]
    commands: tuple[str, ...]


def _patched(
    summary: str,
    steps: tuple[str, ...],
    workload: ObjectRef,
    spec: ContainerSpec,
    fields: Mapping[str, Any],
) -> ProbeFix:
    """A fix applied by patching the container; recreate instructions where no patch can be."""
    patch = container_patch(workload, spec, fields)
    if patch is not None:
        return ProbeFix(summary, steps, (patch,))
    recreate = recreate_step(workload)
    return ProbeFix(summary, steps + ((recreate,) if recreate else ()), ())


def retarget_port(
    workload: ObjectRef, spec: ContainerSpec, probe: Probe, mismatch: PortMismatch
) -> ProbeFix:
    """Point the probe at the port the container declares."""
    target = mismatch.suggested
    field = f"{probe.kind}Probe"
    if target is None:
        return ProbeFix(
            f"Point the {probe.kind} probe of {spec.name} at the port the server listens on: "
            f"{mismatch.described}.",
            ("Find the listening port: kubectl exec POD -c CONTAINER -- netstat -tlnp (or ss).",),
            (),
        )
    check = (
        f"Check the server answers there: kubectl exec POD -c {spec.name} -- wget -qO- "
        f"http://127.0.0.1:{target}{probe.path or '/'}"
    )
    return _patched(
        f"Point the {probe.kind} probe of {spec.name} at port {target}, the port the container "
        f"declares (it probes {mismatch.probe_port}).",
        (check,) if probe.handler == "httpGet" else (),
        workload,
        spec,
        {field: {probe.handler: {"port": target}}},
    )


def longer_timeout(workload: ObjectRef, spec: ContainerSpec, probe: Probe) -> ProbeFix:
    """Give a probe that times out more time (and look at CPU throttling)."""
    seconds = max(5, probe.timeout_seconds * 3)
    return _patched(
        f"Raise the {probe.kind} probe's timeoutSeconds from {probe.timeout_seconds} to "
        f"{seconds}, and check {spec.name} for CPU throttling or a slow dependency behind the "
        "endpoint.",
        (
            "A health endpoint should answer in milliseconds without calling other services; "
            "if it queries a database, make it cheaper.",
        ),
        workload,
        spec,
        {f"{probe.kind}Probe": {"timeoutSeconds": seconds}},
    )


def wrong_path(probe: Probe, spec: ContainerSpec) -> ProbeFix:
    return ProbeFix(
        f"Fix the {probe.kind} probe path of {spec.name}: the server has no {probe.path} (404).",
        (
            "Find the application's health route (often /healthz, /health, /actuator/health or "
            "/ready) in its documentation and set it as httpGet.path.",
        ),
        (),
    )


def startup_probe(
    workload: ObjectRef, spec: ContainerSpec, probe: Probe, needed_seconds: float
) -> ProbeFix:
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


def longer_startup(workload: ObjectRef, spec: ContainerSpec, probe: Probe) -> ProbeFix:
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


def check_endpoint(probe: Probe, spec: ContainerSpec, failure: str) -> ProbeFix:
    """No configuration fault found: the application itself reports unhealthy."""
    if probe.handler == "httpGet":
        call = (
            f"Call it by hand: kubectl exec POD -c {spec.name} -- wget -qO- "
            f"http://127.0.0.1:{probe.port}{probe.path or '/'}"
        )
    else:
        call = f"Run the check by hand inside {spec.name}: {probe.endpoint}"
    return ProbeFix(
        f"Find why {spec.name} fails its {probe.kind} check ({failure}): read the application "
        "log at the time of the failures and run the check by hand.",
        (
            call,
            "A liveness check must only test the process itself; checking databases or other "
            "services from it turns their outage into restarts.",
        ),
        (),
    )
