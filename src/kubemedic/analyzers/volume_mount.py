"""Pods stuck because a volume cannot be attached or mounted (ConfigMaps and Secrets aside).

Covers Multi-Attach of ReadWriteOnce volumes (the RollingUpdate deadlock), attach errors from
the cloud or CSI controller, CSI drivers missing on the node, NFS and hostPath mounts, subPath
mounts that cannot be prepared, and mounts that time out with no more specific error. Missing
ConfigMap/Secret volume sources are the config analyzer's; the kubelet's transient
``not registered`` messages are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubemedic.analyzers._build import (
    Fix,
    event_evidence,
    matching_events,
    merged_fix,
    pod_finding,
    status_evidence,
)
from kubemedic.analyzers._mount_advice import filesystem_advice, timeout_advice
from kubemedic.analyzers._mount_events import (
    MOUNT_EVENT_REASONS,
    MountFailure,
    MountProblem,
    parse_mount_event,
    subpath_failure,
    waiting_for_volumes,
)
from kubemedic.analyzers._mount_fixes import advise
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._volume_info import Advice, VolumeInfo, volume_infos
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding
from kubemedic.models.k8s import Pod
from kubemedic.models.severity import Severity

NAME = "volume-mount"
ID = "KM-POD-VOLUME-MOUNT-FAILURE"
_CREATE_ERRORS = frozenset({"CreateContainerConfigError", "CreateContainerError"})
_NOT_STORAGE = frozenset({"configMap", "secret", "projected", "downwardAPI", "emptyDir"})


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None:
            continue
        if not waiting_for_volumes(pod) and not any(
            s.state.waiting_reason in _CREATE_ERRORS for s in pod.all_container_statuses
        ):
            continue
        infos = volume_infos(view, pod)
        failures, evidence = _failures(view, pod, infos)
        if failures:
            yield _finding(view, pod, failures, evidence, infos)


def _failures(
    view: ClusterView, pod: Pod, infos: Mapping[str, VolumeInfo]
) -> tuple[list[MountFailure], list[Evidence]]:
    by_pv = {info.pv: name for name, info in infos.items() if info.pv}
    latest: dict[tuple[MountProblem, str], MountFailure] = {}
    evidence: list[Evidence] = []
    if waiting_for_volumes(pod):
        for event in matching_events(view, pod, MOUNT_EVENT_REASONS):
            failure = parse_mount_event(event)
            if failure is not None:
                volume = by_pv.get(failure.volume, failure.volume)  # events may name the PV
                latest[(failure.problem, volume)] = replace(failure, volume=volume)
    for status in pod.all_container_statuses:
        if status.state.waiting_reason in _CREATE_ERRORS:
            failure = subpath_failure(status.state.waiting_message, pod)
            if failure is not None:
                latest[(failure.problem, failure.volume)] = failure
                fact = f"{status.state.waiting_reason}: {status.state.waiting_message}"
                evidence.append(status_evidence(pod, status, "state.waiting", fact))
    specific = [f for f in latest.values() if f.problem is not MountProblem.TIMEOUT]
    named = {f.volume for f in specific}
    failures = list(specific)
    for timeout in (f for f in latest.values() if f.problem is MountProblem.TIMEOUT):
        stuck = [
            v
            for v in timeout.volume.split(",")
            if v not in named and v in infos and _storage(infos[v].raw)
        ]
        if stuck:
            failures.append(
                MountFailure(MountProblem.TIMEOUT, ",".join(stuck), timeout.detail, timeout.event)
            )
        elif specific and timeout.event is not None:
            evidence.append(event_evidence(timeout.event))
    evidence = [event_evidence(f.event) for f in failures if f.event is not None] + evidence
    return failures, evidence


def _storage(volume: Mapping[str, Any]) -> bool:
    """A volume whose failure is a storage matter (not a ConfigMap/Secret/token source)."""
    return not any(key in volume for key in _NOT_STORAGE)


def _finding(
    view: ClusterView,
    pod: Pod,
    failures: Sequence[MountFailure],
    evidence: list[Evidence],
    infos: Mapping[str, VolumeInfo],
) -> Finding:
    advice: list[Advice] = [_advise(view, pod, f, infos) for f in failures]
    evidence += [fact for a in advice for fact in a.evidence]
    volumes = {name for a in advice for name in a.volume.split(",")}
    readers = [
        c.name
        for c in pod.init_containers + pod.containers
        if any(m.get("name") in volumes for m in c.volume_mounts)
    ]
    containers = list(dict.fromkeys(readers)) or [s.name for s in pod.all_container_statuses]
    fixes = [Fix(a.fix, a.steps, a.commands, a.risk) for a in advice]
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=Severity.HIGH,
        category=Category.VOLUME_MOUNT_FAILURE,
        containers=containers,
        summary="; ".join(_capitalized(a.summary) for a in advice),
        root_cause=" ".join(_capitalized(a.cause) for a in advice),
        evidence=list(dict.fromkeys(evidence)),
        events=[f.event for f in failures if f.event is not None],
        remediation=merged_fix(fixes).remediation(
            "Every volume attaches and mounts, and the pod's containers start (the pod leaves "
            "ContainerCreating or CreateContainerError)."
        ),
    )


def _advise(
    view: ClusterView, pod: Pod, failure: MountFailure, infos: Mapping[str, VolumeInfo]
) -> Advice:
    """A failed mount command or a bare timeout gets its own reading; the rest ``advise``."""
    if failure.problem is MountProblem.FILESYSTEM and failure.error is not None:
        info = infos.get(failure.volume) or VolumeInfo(failure.volume, "", {})
        return filesystem_advice(view, pod, failure, failure.error, info)
    if failure.problem is MountProblem.TIMEOUT:
        return timeout_advice(view, pod, failure, infos)
    return advise(view, pod, failure, infos)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


ANALYZER = Analyzer(
    name=NAME,
    description="Volumes that cannot be attached or mounted: Multi-Attach of ReadWriteOnce "
    "volumes, attach and CSI errors, NFS and hostPath mounts, subPath setup, mount timeouts.",
    categories=(Category.VOLUME_MOUNT_FAILURE,),
    analyze=analyze,
)
