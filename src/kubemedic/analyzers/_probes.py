"""Probe facts shared by the crash, liveness and readiness analyzers.

One rule decides who owns a restart: when the kubelet's "failed liveness probe, will be
restarted" kill (or, without it, failing liveness checks during the instance's life) explains
the last termination, the probe analyzer reports it and the crash analyzer stays silent. The
rest reads what the kubelet said about a probe, checks where the probe points and quotes both
as evidence.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kubemedic.analyzers._build import event_evidence, matching_events, spec_evidence
from kubemedic.analyzers._exit_codes import during_instance
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, Probe, dig

_PROBE_KILL = re.compile(r"failed (liveness|startup) probe, will be restarted")
_STATUS_CODE = re.compile(r"statuscode: (\d{3})")
_KILLED_EXIT_CODES = frozenset({0, 130, 137, 143})
"""How a process ends after the kubelet's SIGTERM (and SIGKILL once the grace period ends)."""
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_ALWAYS_FAILS = re.compile(r"^(?:exit\s+0*[1-9]\d*|(?:/usr)?(?:/bin/)?false)\s*;?$")


@dataclass(frozen=True, slots=True)
class ProbeKill:
    """A container restarted because its liveness or startup probe failed."""

    kind: str
    kills: tuple[Event, ...]
    failures: tuple[Event, ...]


def probe_failures(view: ClusterView, pod: Pod, container: str, kind: str) -> list[Event]:
    """``Unhealthy`` events of one probe kind (``liveness``, ``readiness``, ``startup``)."""
    prefix = f"{kind.capitalize()} probe "
    events = matching_events(view, pod, ("Unhealthy",), container=container)
    return [e for e in events if e.message.startswith(prefix)]


def current_failures(
    view: ClusterView, pod: Pod, status: ContainerStatus, kind: str
) -> list[Event]:
    """``Unhealthy`` events of one probe kind seen since the running instance started."""
    since = status.state.running_since
    return [
        e
        for e in probe_failures(view, pod, status.name, kind)
        if since is None or e.last_seen is None or e.last_seen >= since
    ]


def liveness_failing(view: ClusterView, pod: Pod, status: ContainerStatus) -> bool:
    """A running, not-ready container whose liveness or startup probe has failed in this
    instance one failure short of a restart or more: the kubelet is about to restart it
    (``probe_failing`` reports it, its readiness probe included)."""
    spec = pod.container(status.name)
    if spec is None or status.ready or not status.state.is_running:
        return False
    for kind in ("startup", "liveness"):
        probe = spec.probe(kind)
        failures = current_failures(view, pod, status, kind) if probe else []
        if probe is not None and failure_count(failures) >= max(1, probe.failure_threshold - 1):
            return True
    return False


def failure_count(events: Sequence[Event]) -> int:
    """Failures counted by the kubelet across (aggregated) events."""
    return sum(e.count for e in events)


def failures_since(events: Sequence[Event], moment: datetime, period_seconds: int) -> int:
    """Failures the kubelet recorded from ``moment`` on.

    An aggregated event only says how many failures happened between its first and last time;
    the probe runs every ``period_seconds``, so the part of its span after ``moment`` holds at
    most one failure per period. An undated event is taken as current: one failure at least.
    """
    total = 0
    for event in events:
        last = event.last_seen
        if last is None:
            total += 1
            continue
        if last < moment:
            continue
        start = max(event.first_seen or last, moment)
        periods = int((last - start).total_seconds() // max(period_seconds, 1))
        total += min(event.count, periods + 1)
    return total


def never_passes(probe: Probe) -> str:
    """The script of an exec probe that fails whatever the container does (``exit 1``)."""
    raw = dig(probe.raw, "exec", "command")
    command = [str(part) for part in raw] if isinstance(raw, list) else []
    if len(command) == 3 and posixpath.basename(command[0]) in _SHELLS and command[1] == "-c":
        script = command[2].strip()
    else:
        script = " ".join(command).strip()
    return script if _ALWAYS_FAILS.match(script) else ""


def probe_evidence(pod: Pod, spec: ContainerSpec, probe: Probe) -> Evidence:
    """The probe as the pod spec declares it: where it points and its timing."""
    group = "initContainers" if spec.is_init else "containers"
    return spec_evidence(
        pod,
        f"spec.{group}[{spec.name}].{probe.kind}Probe",
        f"{probe.kind} probe {probe.endpoint} {probe.timing}",
    )


def failures_evidence(failures: Sequence[Event]) -> Evidence:
    """The kubelet's latest failure message and how many failures it counted."""
    latest = failures[-1]
    return event_evidence(
        latest, f"{latest.message.rstrip(': ')} ({failure_count(failures)} failures)"
    )


def probe_kill(view: ClusterView, pod: Pod, status: ContainerStatus) -> ProbeKill | None:
    """The probe that killed the container's last instance, if a probe did.

    Asked of every restarted container by the crash, liveness and probe analyzers alike: the
    answer is worked out once per view."""
    known = view.derived(_probe_kills)
    key = (pod.namespace, pod.name, status.name)
    if key not in known:
        known[key] = _probe_kill(view, pod, status)
    return known[key]


def _probe_kills(view: ClusterView) -> dict[tuple[str, str, str], ProbeKill | None]:
    """The answers of :func:`probe_kill` in this view so far, by pod and container."""
    return {}


def _probe_kill(view: ClusterView, pod: Pod, status: ContainerStatus) -> ProbeKill | None:
    term = status.last_termination
    if term is None or term.reason == "OOMKilled":
        return None
    kills = [
        e
        for e in matching_events(view, pod, ("Killing",), container=status.name)
        if _PROBE_KILL.search(e.message) and during_instance(e.last_seen, e.last_seen, term)
    ]
    if kills:
        found = _PROBE_KILL.search(kills[-1].message)
        kind = found.group(1) if found else "liveness"
        return ProbeKill(kind, tuple(kills), tuple(probe_failures(view, pod, status.name, kind)))
    if term.exit_code not in _KILLED_EXIT_CODES:
        return None
    spec = pod.container(status.name)
    for kind in ("liveness", "startup"):
        probe = spec.probe(kind) if spec else None
        failures = [
            e
            for e in probe_failures(view, pod, status.name, kind)
            if during_instance(e.first_seen, e.last_seen, term)
        ]
        if probe is not None and failure_count(failures) >= probe.failure_threshold:
            return ProbeKill(kind, (), tuple(failures))
    return None


@dataclass(frozen=True, slots=True)
class PortMismatch:
    """A probe aimed at a port the container does not declare."""

    probe_port: int | str
    declared: tuple[str, ...]
    suggested: int | None

    @property
    def described(self) -> str:
        ports = ", ".join(self.declared)
        return f"the probe targets port {self.probe_port} but the container declares {ports}"


def port_mismatch(spec: ContainerSpec, probe: Probe) -> PortMismatch | None:
    """Compare the probe's port with ``containerPort``s (only when the container declares any)."""
    port = probe.port
    ports = [(p.get("name"), p.get("containerPort")) for p in spec.ports]
    numbers = [n for _, n in ports if isinstance(n, int)]
    if port is None or not numbers:
        return None
    if isinstance(port, str) and not port.isdigit():
        if any(name == port for name, _ in ports):
            return None
    elif int(port) in numbers:
        return None
    declared = tuple(f"{n}" + (f" ({name})" if name else "") for name, n in ports)
    return PortMismatch(port, declared, numbers[0] if len(numbers) == 1 else None)


def ports_evidence(pod: Pod, spec: ContainerSpec, mismatch: PortMismatch) -> Evidence:
    """The ports the container declares, next to a probe aimed elsewhere."""
    group = "initContainers" if spec.is_init else "containers"
    ports = ", ".join(mismatch.declared)
    return spec_evidence(pod, f"spec.{group}[{spec.name}].ports", f"declares containerPort {ports}")


def port_label(spec: ContainerSpec, probe: Probe) -> str:
    """The probe's port as a person reads it: ``8080`` or ``http (8080)`` for a named port."""
    port = probe.port
    if isinstance(port, str) and not port.isdigit():
        number = next((p.get("containerPort") for p in spec.ports if p.get("name") == port), None)
        return f"{port} ({number})" if number is not None else port
    return str(port)


def failure_hint(message: str, probe: Probe | None, spec: ContainerSpec | None = None) -> str:
    """What a probe failure message says about the cause, in one clause."""
    code = _STATUS_CODE.search(message)
    port = port_label(spec, probe) if probe and spec else (probe.port if probe else None)
    if code and code.group(1) == "404":
        return f"the server has no route {probe.path if probe else 'for the probe'} (HTTP 404)"
    if code and code.group(1) in ("401", "403"):
        return f"the endpoint requires authentication (HTTP {code.group(1)})"
    if code:
        return f"the application answers its health endpoint with HTTP {code.group(1)}"
    if "connection refused" in message:
        return f"nothing listens on port {port} in the container (yet)"
    if "deadline exceeded" in message or "timeout" in message.lower():
        seconds = probe.timeout_seconds if probe else 1
        return (
            f"the endpoint did not answer within timeoutSeconds={seconds} (a slow, overloaded "
            "or CPU-throttled app)"
        )
    if "HTTP response to HTTPS client" in message or "first record does not look like" in message:
        return "the probe's scheme does not match the server (HTTP vs HTTPS)"
    if probe is not None and (script := never_passes(probe)):
        return f"the probe command `{script}` fails every time, whatever the container does"
    if probe is not None and probe.handler == "exec":
        return "the probe command exits non-zero"
    return "the probe fails"


def latest_message(events: Sequence[Event]) -> str:
    """The newest failure message, without the ``Liveness probe failed:`` prefix."""
    if not events:
        return ""
    message = events[-1].message
    return message.split(": ", 1)[1] if ": " in message else message
