"""Shared building blocks for analyzers: evidence from statuses and events, fixes, pod findings.

Analyzers describe *what* they found; these helpers keep the *how it is written down*
identical across analyzers (evidence locations, time windows, workload attribution).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kubemedic.analyzers._template_patch import static_pod_fix
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView, LogTail
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import ContainerStatus, Event, KObject, Pod
from kubemedic.models.severity import RiskTier, Severity


@dataclass(frozen=True, slots=True)
class Fix:
    """What to do about one cause, before it becomes (part of) a finding's remediation."""

    summary: str
    steps: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    risk: RiskTier = RiskTier.LOW

    def remediation(self, expected_outcome: str) -> Remediation:
        """This fix as a finding's remediation: a change that can be undone."""
        return Remediation(
            summary=self.summary,
            risk=self.risk,
            reversible=True,
            expected_outcome=expected_outcome,
            steps=self.steps,
            commands=self.commands,
        )


def merged_fix(fixes: Sequence[Fix], then: tuple[str, ...] = ()) -> Fix:
    """One fix for several containers: every summary, each step and command once, the highest
    risk; ``then`` are steps that follow all of them."""
    return Fix(
        summary=" ".join(f.summary for f in fixes),
        steps=tuple(dict.fromkeys(s for f in fixes for s in f.steps)) + then,
        commands=tuple(dict.fromkeys(c for f in fixes for c in f.commands)),
        risk=max((f.risk for f in fixes), key=list(RiskTier).index),
    )


def pod_location(pod: Pod, path: str) -> str:
    """``Pod ns/name <path>``: where a fact about a pod was read."""
    return f"Pod {pod.namespace}/{pod.name} {path}".rstrip()


def status_evidence(pod: Pod, status: ContainerStatus, path: str, fact: str) -> Evidence:
    """A fact read from a container status, e.g. ``lastState.terminated.exitCode``."""
    return Evidence(fact, EvidenceSource.STATUS, pod_location(pod, f"{status.field_path}.{path}"))


def spec_evidence(obj: KObject, path: str, fact: str) -> Evidence:
    return Evidence(fact, EvidenceSource.SPEC, f"{obj.kind} {obj.namespace}/{obj.name} {path}")


def event_evidence(event: Event, fact: str | None = None) -> Evidence:
    """An event, quoted: ``Warning BackOff (x14, last 2024-05-01T10:00:00Z)``."""
    when = event.last_seen.strftime("%Y-%m-%dT%H:%M:%SZ") if event.last_seen else "time unknown"
    ref = event.involved_ref
    where = f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name
    location = f"Event {event.describe} on {ref.kind} {where}, last {when}"
    return Evidence(fact or event.message, EvidenceSource.EVENT, location)


def log_evidence(pod: Pod, container: str, tail: LogTail, line: str) -> Evidence:
    return Evidence(
        line.strip(),
        EvidenceSource.LOG,
        f"{tail.instance} of {pod.namespace}/{pod.name} container {container} ({tail.source})",
    )


def related_evidence(obj_desc: str, fact: str) -> Evidence:
    return Evidence(fact, EvidenceSource.RELATED, obj_desc)


def matching_events(
    view: ClusterView,
    obj: KObject,
    reasons: Iterable[str],
    *,
    container: str | None = None,
    contains: str | None = None,
) -> list[Event]:
    """Events about ``obj`` with one of ``reasons``, optionally for one container (fieldPath)."""
    wanted = set(reasons)
    found = []
    for event in view.events_for(obj):
        if event.reason not in wanted:
            continue
        if container and event.field_path and f"{{{container}}}" not in event.field_path:
            continue
        if contains and contains not in event.message:
            continue
        found.append(event)
    return found


def pod_finding(
    view: ClusterView,
    pod: Pod,
    *,
    id: str,
    analyzer: str,
    severity: Severity,
    category: Category,
    containers: Sequence[str],
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    remediation: Remediation,
    events: Sequence[Event] = (),
) -> Finding:
    """A finding about one pod, attributed to its top-level workload.

    The diagnose service later folds findings with the same id and workload into one, so 12
    crashing replicas are reported once with 12 affected pods.
    """
    first, last = finding_window(pod, events)
    if pod.is_static:
        remediation = static_pod_fix(pod, remediation)
    return Finding(
        id=id,
        severity=severity,
        category=category,
        object=view.workload_of(pod),
        summary=summary,
        root_cause=root_cause,
        evidence=tuple(evidence),
        remediation=remediation,
        affected=(view.affected_pod(pod, containers),),
        first_seen=first,
        last_seen=last,
        analyzer=analyzer,
    )


def finding_window(pod: Pod, events: Sequence[Event]) -> tuple[datetime | None, datetime | None]:
    """When a pod's problem was first and last seen: its events' times, else its creation."""
    seen = [e.first_seen for e in events if e.first_seen is not None]
    last = [e.last_seen for e in events if e.last_seen is not None]
    first = min(seen, default=pod.created_at)
    return first, max(last, default=first)
