"""The safety net: a pod that visibly fails gets a finding even when no analyzer knows why.

Every other analyzer recognises a mechanism; a failure none of them knows (a new waiting
reason, a non-zero exit with an empty log, a pod not Ready without probe events) would end in
"No problems found". This one reads only what a person sees in ``kubectl get pods`` and
``kubectl describe pod`` — a container waiting for a failure reason, a non-zero exit, phase
Failed or Unknown, Ready=False for longer than the probes allow, Warning events of the last
hour — and reports those signals with the commands that show more. It is a fallback: the
diagnose service keeps its findings only for pods that no other finding covers.

What is not a failure stays quiet: pods being deleted (``terminating`` owns them), finished
pods and the pods of a Job that completed, restarts and warnings from before a pod became
Ready. Warnings a Ready pod logged since are context (``info``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubemedic._internal.timeutils import format_time
from kubemedic.analyzers._build import event_evidence, log_evidence, pod_finding, status_evidence
from kubemedic.analyzers._failure_signals import (
    Signal,
    container_signals,
    current_warnings,
    failure_signals,
    recent_warnings,
    termination_fact,
)
from kubemedic.analyzers._registry import Analyzer, Covered
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import ContainerStatus, Event, Pod
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-POD-UNKNOWN"
WARNINGS_ID = "KM-POD-WARNING-EVENTS"
NAME = "unknown"
_SHOWN_WARNINGS = 3


def analyze(view: ClusterView) -> Iterator[Finding]:
    return analyze_uncovered(view, frozenset())


def analyze_uncovered(view: ClusterView, covered: Covered) -> Iterator[Finding]:
    """The findings about pods other than ``covered`` (which the diagnose service would drop)."""
    for pod in _candidates(view):
        if (pod.namespace, pod.name) in covered:
            continue
        if pod.deletion_timestamp is not None or pod.phase == "Succeeded":
            continue
        if view.of_completed_job(pod):
            continue
        finding = _finding(view, pod)
        if finding is not None:
            yield finding


def _candidates(view: ClusterView) -> list[Pod]:
    """Troubled pods, plus pods that look healthy but have Warning events."""
    pods = list(view.troubled_pods)
    seen = {(p.namespace, p.name) for p in pods}
    for event in view.of_kind("Event", Event):
        raw = event.raw  # read raw: this runs for every event of the cluster
        if raw.get("type") != "Warning":
            continue
        involved = raw.get("involvedObject") or raw.get("regarding") or {}
        key = (involved.get("namespace") or "", involved.get("name") or "")
        if involved.get("kind") != "Pod" or key in seen:
            continue
        seen.add(key)
        pod = view.get("Pod", *key)
        if isinstance(pod, Pod):
            pods.append(pod)
    return pods


def _finding(view: ClusterView, pod: Pod) -> Finding | None:
    signals = failure_signals(view, pod)
    if signals:
        return _failure_finding(view, pod, signals, recent_warnings(view, pod))
    warnings = current_warnings(view, pod)
    return _warnings_finding(view, pod, warnings) if warnings else None


# -- the findings ------------------------------------------------------------------------------


def _failure_finding(
    view: ClusterView, pod: Pod, signals: Sequence[Signal], warnings: Sequence[Event]
) -> Finding:
    statuses = _concerned(pod)
    what = "; ".join(s.text for s in signals)
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=Severity.HIGH,
        category=Category.UNKNOWN,
        containers=[s.name for s in statuses],
        summary=f"Pod {pod.name} fails for a reason kubemedic does not recognise: "
        f"{signals[0].text}",
        root_cause=f"Pod {pod.namespace}/{pod.name} visibly fails ({what}), but no analyzer "
        "recognises the cause. The evidence is what the cluster reports; the pod's "
        "description, its containers' logs and its events usually name the cause.",
        evidence=_evidence(view, pod, signals, statuses, warnings),
        remediation=Remediation(
            summary="Find the cause by hand: describe the pod, read the failing container's "
            "log (the previous instance's after a restart) and the pod's events.",
            risk=RiskTier.TRIVIAL,
            reversible=True,
            expected_outcome="The description, log or events name the cause; once it is fixed, "
            "the pod runs and becomes Ready.",
            steps=(
                "Describe the pod: each container's State and Last State, the Conditions and "
                "the Events section say what Kubernetes tried and what failed.",
                "Read the log of the failing container; the last lines before an exit usually "
                "name the cause.",
                "Look the symptom up in docs/runbooks/unknown.md.",
            ),
            commands=_commands(pod, statuses),
        ),
        events=warnings,
    )


def _warnings_finding(view: ClusterView, pod: Pod, warnings: Sequence[Event]) -> Finding:
    """Warnings on a pod that serves, or that is still within its start-up allowance: context."""
    ready = pod.condition("Ready")
    reasons = ", ".join(dict.fromkeys(e.reason for e in reversed(warnings)))
    if ready is not None and ready.is_true:
        when = f" at {format_time(ready.last_transition)}" if ready.last_transition else ""
        state, now = "is Ready", f"became Ready{when} and serves"
    else:
        state, now = "is still starting", "is not Ready yet but within what its start-up allows"
    return pod_finding(
        view,
        pod,
        id=WARNINGS_ID,
        analyzer=NAME,
        severity=Severity.INFO,
        category=Category.UNKNOWN,
        containers=(),
        summary=f"Pod {pod.name} {state} and reports Warning events: {reasons}",
        root_cause=f"Pod {pod.namespace}/{pod.name} {now}; no analyzer recognises these Warning "
        "events as a failure. Nothing has failed so far.",
        evidence=_event_lines(warnings),
        remediation=Remediation(
            summary="Nothing to fix while the pod runs; read the warnings if they keep coming.",
            risk=RiskTier.TRIVIAL,
            reversible=True,
            expected_outcome="The warnings stop, or their message names what to change.",
            commands=_commands(pod, ()),
        ),
        events=warnings,
    )


def _concerned(pod: Pod) -> tuple[ContainerStatus, ...]:
    """The containers the signals are about: those failing or not ready, else all."""
    statuses = pod.all_container_statuses
    failing = tuple(s for s in statuses if container_signals(pod, s))
    unready = tuple(s for s in pod.container_statuses if not s.ready)
    return failing or unready or statuses


def _evidence(
    view: ClusterView,
    pod: Pod,
    signals: Sequence[Signal],
    statuses: Sequence[ContainerStatus],
    warnings: Sequence[Event],
) -> list[Evidence]:
    evidence = [s.evidence for s in signals]
    for status in statuses:
        last = status.last_state.terminated
        if last is not None:
            evidence.append(
                status_evidence(pod, status, "lastState.terminated", termination_fact(last))
            )
        if status.restart_count:
            evidence.append(
                status_evidence(
                    pod, status, "restartCount", f"restarted {status.restart_count} times"
                )
            )
        tail = view.crash_log(pod.namespace, pod.name, status.name)
        lines = [line for line in tail.lines if line.strip()] if tail is not None else []
        if tail is not None and lines:
            evidence.append(log_evidence(pod, status.name, tail, lines[-1]))
    shown = set(evidence)
    return evidence + [e for e in _event_lines(warnings) if e not in shown]


def _event_lines(warnings: Sequence[Event]) -> list[Evidence]:
    """The latest Warning event of each reason, newest first (a few)."""
    latest: dict[str, Event] = {}
    for event in reversed(warnings):
        latest.setdefault(event.reason, event)
    return [event_evidence(e) for e in list(latest.values())[:_SHOWN_WARNINGS]]


def _commands(pod: Pod, statuses: Sequence[ContainerStatus]) -> tuple[str, ...]:
    """describe, the logs that exist (``--previous`` only after a restart), the pod's events."""
    ref = ObjectRef("Pod", pod.name, pod.namespace).kubectl_ref
    namespace = f" -n {pod.namespace}" if pod.namespace else ""
    commands = [f"kubectl describe {ref}"]
    for status in statuses:
        if status.restart_count or status.last_state.terminated is not None:
            commands.append(f"kubectl logs {ref} -c {status.name} --previous")
        elif status.state.is_running or status.state.terminated is not None:
            commands.append(f"kubectl logs {ref} -c {status.name}")
    commands.append(
        f"kubectl get events{namespace} --field-selector "
        f"involvedObject.kind=Pod,involvedObject.name={pod.name}"
    )
    return tuple(commands)


ANALYZER = Analyzer(
    name=NAME,
    description="Pods that visibly fail for a reason no other analyzer recognises: the raw "
    "signals and the commands that show more (a fallback, for pods no other finding covers).",
    categories=(Category.UNKNOWN,),
    analyze=analyze,
    fallback=True,
    analyze_uncovered=analyze_uncovered,
)
