"""Liveness and startup probe kills: restarts the kubelet caused, not the application.

A container killed by its own probe looks like a crash (exit 137 or 143, CrashLoopBackOff),
and "fixing the app" is the wrong answer when the probe aims at a port nobody listens on or
gives a slow starter too little time. This analyzer ties the kubelet's kills to the
restarts, quotes what the probe saw, and checks the probe against the container. The readiness
analyzer leaves restarting containers to this one, so a readiness probe failing alongside is
named here too, and fixed with the liveness probe when it fails the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kubemedic.analyzers._build import Fix, event_evidence, log_evidence, pod_finding
from kubemedic.analyzers._crash import run_phrase
from kubemedic.analyzers._crash_evidence import restart_evidence, termination_evidence
from kubemedic.analyzers._crashing import long_running, restarted_long_ago
from kubemedic.analyzers._exit_codes import ran_for
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.analyzers._probe_fix import (
    config_fix,
    longer_startup,
    named,
    startup_probe,
)
from kubemedic.analyzers._probes import (
    PortMismatch,
    ProbeKill,
    failure_count,
    failure_hint,
    failures_evidence,
    latest_message,
    port_mismatch,
    ports_evidence,
    probe_evidence,
    probe_failures,
    probe_kill,
)
from kubemedic.analyzers._registry import Analyzer
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, Probe
from kubemedic.models.severity import Severity

ID = "KM-POD-PROBE-LIVENESS"
_STARTED_IN = re.compile(r"(?i)\bstarted\b.*?\bin (\d+(?:\.\d+)?) ?(s|sec|seconds|ms)\b")
_NOT_LISTENING = ("connection refused", "deadline exceeded", "timeout", "Timeout")


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None:
            continue
        for status in long_running(pod):
            if restarted_long_ago(view, status):
                continue
            kill = probe_kill(view, pod, status)
            spec = pod.container(status.name)
            if kill is not None and spec is not None:
                yield _finding(view, pod, status, spec, kill)


@dataclass(frozen=True, slots=True)
class _Alongside:
    """The container's readiness probe, failing while the liveness probe kills it."""

    probe: Probe
    failures: tuple[Event, ...]
    message: str
    same_way: bool

    def described(self, spec: ContainerSpec) -> str:
        count = failure_count(self.failures)
        if self.same_way:
            said = f"fails the same way ({count} failures)"
        else:
            quoted = f' ("{self.message}")' if self.message else ""
            said = f"fails too: {failure_hint(self.message, self.probe, spec)}{quoted}"
        return (
            f" Its readiness probe {self.probe.endpoint} {said}, so Services send the pod no "
            "traffic either."
        )


def _finding(
    view: ClusterView, pod: Pod, status: ContainerStatus, spec: ContainerSpec, kill: ProbeKill
) -> Finding:
    probe = spec.probe(kill.kind)
    message = latest_message(kill.failures)
    hint = failure_hint(message, probe, spec)
    mismatch = port_mismatch(spec, probe) if probe else None
    term = status.last_termination
    ran = ran_for(term)
    started_in = _logged_start_up(view, pod, status.name)
    slow = probe is not None and _slow_start(probe, message, mismatch, ran, spec)
    alongside = _readiness_alongside(view, pod, status, spec, kill, message)
    cause = (
        f"The kubelet restarted container {spec.name} because its {kill.kind} probe "
        f"{probe.endpoint if probe else ''} kept failing: {hint}"
        + (f' ("{message}")' if message else "")
        + "."
    )
    if mismatch is not None:
        cause += f" The probe is misconfigured: {mismatch.described}."
    if slow and probe is not None and ran is not None:
        cause += (
            f" It never passed: the instance was killed {ran:.0f}s after starting, the first "
            f"moment the probe allowed (initialDelaySeconds="
            f"{probe.initial_delay_seconds}, then {probe.failure_threshold} failures "
            f"{probe.period_seconds}s apart): start-up takes longer than the probe waits."
        )
    elif ran is not None:
        cause += f" The killed instance {run_phrase(ran)}."
    if started_in is not None:
        cause += f" The application logs a start-up of {started_in:.0f}s."
    if alongside is not None:
        cause += alongside.described(spec)
    cause += f" Restarts so far: {status.restart_count}."
    fixed: tuple[Probe, ...] = ()
    if probe is None:
        fix = Fix(f"Check the {kill.kind} probe of {spec.name} in the workload.", (), ())
    else:
        needed = max(ran or 0, started_in or 0)
        previous = previous_revision(view, pod)
        before = previous.container(spec.name) if previous is not None else None
        fix, fixed = _fix(
            view.workload_of(pod), spec, probe, slow, message, needed, alongside, before
        )
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer="probe_liveness",
        severity=Severity.MEDIUM if status.ready else Severity.HIGH,
        category=Category.PROBE_LIVENESS,
        containers=[status.name],
        summary=f"Container {spec.name} is restarted by its failing {kill.kind} probe"
        + (f" ({probe.endpoint})" if probe else ""),
        root_cause=cause,
        evidence=_evidence(view, pod, status, spec, probe, kill, mismatch, alongside),
        events=kill.kills + kill.failures + (alongside.failures if alongside else ()),
        remediation=fix.remediation(_outcome(spec, kill.kind, fixed)),
    )


def _outcome(spec: ContainerSpec, kind: str, fixed: tuple[Probe, ...]) -> str:
    probes = named(fixed) if fixed else f"the {kind} probe"
    verb = "pass" if len(fixed) > 1 else "passes"
    return (
        f"{probes[0].upper()}{probes[1:]} of {spec.name} {verb}: no more 'failed {kind} probe' "
        "kills, restartCount stops growing and the pod becomes Ready and stays Ready."
    )


def _readiness_alongside(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    kill: ProbeKill,
    message: str,
) -> _Alongside | None:
    """The readiness probe when it too failed past its threshold since the killed instance began.

    Only beside a liveness kill: readiness probes do not run until a startup probe succeeds.
    """
    probe = spec.probe("readiness")
    liveness = spec.probe(kill.kind)
    if kill.kind != "liveness" or probe is None or liveness is None or status.ready:
        return None
    term = status.last_termination
    began = term.started_at if term is not None else None
    failures = tuple(
        e
        for e in probe_failures(view, pod, status.name, "readiness")
        if began is None or e.last_seen is None or e.last_seen >= began
    )
    if failure_count(failures) < probe.failure_threshold:
        return None
    said = latest_message(failures)
    same_way = probe.endpoint == liveness.endpoint and said == message
    return _Alongside(probe, failures, said, same_way)


def _slow_start(
    probe: Probe,
    message: str,
    mismatch: PortMismatch | None,
    ran: float | None,
    spec: ContainerSpec,
) -> bool:
    """Killed at the first chance the probe gave, never having answered: a slow starter."""
    if mismatch is not None or ran is None or not _not_listening(message):
        return False
    if probe.kind == "liveness" and spec.probe("startup") is not None:
        return False
    first_chance = probe.initial_delay_seconds + probe.period_seconds * probe.failure_threshold
    return ran <= first_chance + probe.period_seconds + 30


def _logged_start_up(view: ClusterView, pod: Pod, container: str) -> float | None:
    """Start-up time the application reports itself ("Started App in 95.3 seconds")."""
    for tail in view.log_tails(pod.namespace, pod.name, container):
        for line in tail.lines:
            found = _STARTED_IN.search(line)
            if found:
                value = float(found.group(1))
                return value / 1000 if found.group(2) == "ms" else value
    return None


def _fix(
    workload: ObjectRef,
    spec: ContainerSpec,
    probe: Probe,
    slow: bool,
    message: str,
    needed: float,
    alongside: _Alongside | None,
    before: ContainerSpec | None,
) -> tuple[Fix, tuple[Probe, ...]]:
    """The probe change that addresses what the failures show, and the probes it fixes."""
    same_way = alongside is not None and alongside.same_way
    if port_mismatch(spec, probe) is None and probe.kind == "startup" and _not_listening(message):
        return longer_startup(workload, spec, probe), (probe,)
    if slow:
        fix = startup_probe(workload, spec, probe, needed)
        if same_way:
            waits = "The readiness probe fails the same way only until start-up ends: leave it."
            fix = Fix(fix.summary, (*fix.steps, waits), fix.commands)
        return fix, (probe,)
    hint = failure_hint(message, probe, spec)
    if alongside is None or same_way:
        probes = (probe, alongside.probe) if alongside is not None else (probe,)
        return config_fix(workload, spec, probes, message, hint, before), probes
    also = config_fix(
        workload,
        spec,
        (alongside.probe,),
        alongside.message,
        failure_hint(alongside.message, alongside.probe, spec),
        before,
    )
    fix = config_fix(workload, spec, (probe,), message, hint, before)
    merged = Fix(
        f"{fix.summary} The readiness probe fails for another reason. {also.summary}",
        fix.steps + also.steps,
        fix.commands + also.commands,
    )
    return merged, (probe, alongside.probe)


def _not_listening(message: str) -> bool:
    return any(m in message for m in _NOT_LISTENING)


def _evidence(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    probe: Probe | None,
    kill: ProbeKill,
    mismatch: PortMismatch | None,
    alongside: _Alongside | None,
) -> list[Evidence]:
    evidence: list[Evidence] = []
    if probe is not None:
        evidence.append(probe_evidence(pod, spec, probe))
    if mismatch is not None:
        evidence.append(ports_evidence(pod, spec, mismatch))
    if kill.failures:
        evidence.append(failures_evidence(kill.failures))
    evidence += [event_evidence(e) for e in kill.kills[-1:]]
    if alongside is not None:
        evidence += [
            probe_evidence(pod, spec, alongside.probe),
            failures_evidence(alongside.failures),
        ]
    evidence += termination_evidence(pod, status) + restart_evidence(pod, status)
    tail = view.crash_log(pod.namespace, pod.name, status.name)
    if tail is not None and tail.lines:
        last = next((line for line in reversed(tail.lines) if line.strip()), "")
        if last:
            evidence.append(log_evidence(pod, status.name, tail, last))
    return evidence


ANALYZER = Analyzer(
    name="probe_liveness",
    description="Containers restarted by failing liveness or startup probes.",
    categories=(Category.PROBE_LIVENESS,),
    analyze=analyze,
)
