"""Liveness and startup probe kills: restarts the kubelet caused, not the application.

A container killed by its own probe looks like a crash (exit 137 or 143, CrashLoopBackOff),
and "fixing the app" is the wrong answer when the probe aims at a port nobody listens on or
gives a slow starter too little time. This analyzer ties the kubelet's kills to the
restarts, quotes what the probe saw, and checks the probe against the container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubemedic.analyzers._build import (
    event_evidence,
    log_evidence,
    pod_finding,
    spec_evidence,
)
from kubemedic.analyzers._crash import run_phrase
from kubemedic.analyzers._crash_evidence import restart_evidence, termination_evidence
from kubemedic.analyzers._crashing import long_running, restarted_long_ago
from kubemedic.analyzers._exit_codes import ran_for
from kubemedic.analyzers._probe_fix import (
    ProbeFix,
    check_endpoint,
    longer_startup,
    longer_timeout,
    retarget_port,
    startup_probe,
    wrong_path,
)
from kubemedic.analyzers._probes import (
    PortMismatch,
    ProbeKill,
    failure_count,
    failure_hint,
    latest_message,
    port_mismatch,
    probe_kill,
)
from kubemedic.analyzers._registry import Analyzer
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Pod, Probe
from kubemedic.models.severity import RiskTier, Severity

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
    cause += f" Restarts so far: {status.restart_count}."
    if probe is None:
        fix = ProbeFix(f"Check the {kill.kind} probe of {spec.name} in the workload.", (), ())
    else:
        needed = max(ran or 0, started_in or 0)
        fix = _fix(view.workload_of(pod), spec, probe, mismatch, slow, message, needed)
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
        evidence=_evidence(view, pod, status, spec, probe, kill, mismatch),
        events=kill.kills + kill.failures,
        remediation=Remediation(
            summary=fix.summary,
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"The {kill.kind} probe of {spec.name} passes: no more 'failed "
            f"{kill.kind} probe' kills, restartCount stops growing and the pod stays Ready.",
            steps=fix.steps,
            commands=fix.commands,
        ),
    )


def _slow_start(
    probe: Probe,
    message: str,
    mismatch: PortMismatch | None,
    ran: float | None,
    spec: ContainerSpec,
) -> bool:
    """Killed at the first chance the probe gave, never having answered: a slow starter."""
    if mismatch is not None or ran is None or not any(m in message for m in _NOT_LISTENING):
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
    mismatch: PortMismatch | None,
    slow: bool,
    message: str,
    needed: float,
) -> ProbeFix:
    """The probe change that addresses what the failures show, most specific first."""
    if mismatch is not None:
        return retarget_port(workload, spec, probe, mismatch)
    if probe.kind == "startup" and any(m in message for m in _NOT_LISTENING):
        return longer_startup(workload, spec, probe)
    if slow:
        return startup_probe(workload, spec, probe, needed)
    if "statuscode: 404" in message:
        return wrong_path(probe, spec)
    if "deadline exceeded" in message or "Timeout" in message:
        return longer_timeout(workload, spec, probe)
    return check_endpoint(probe, spec, failure_hint(message, probe, spec))


def _evidence(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    probe: Probe | None,
    kill: ProbeKill,
    mismatch: PortMismatch | None,
) -> list[Evidence]:
    group = "initContainers" if spec.is_init else "containers"
    evidence: list[Evidence] = []
    if probe is not None:
        evidence.append(
            spec_evidence(
                pod,
                f"spec.{group}[{spec.name}].{kill.kind}Probe",
                f"{kill.kind} probe {probe.endpoint} {probe.timing}",
            )
        )
    if mismatch is not None:
        ports = ", ".join(mismatch.declared)
        evidence.append(
            spec_evidence(
                pod, f"spec.{group}[{spec.name}].ports", f"declares containerPort {ports}"
            )
        )
    if kill.failures:
        latest = kill.failures[-1]
        fact = f"{latest.message} ({failure_count(kill.failures)} failures)"
        evidence.append(event_evidence(latest, fact))
    evidence += [event_evidence(e) for e in kill.kills[-1:]]
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
