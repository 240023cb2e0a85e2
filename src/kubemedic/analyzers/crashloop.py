"""Crash loops: containers that keep ending on their own, reported with why they end.

A status-only tool repeats "back-off restarting failed container". This analyzer reports the
cause instead — the runtime error, the meaning of the exit code or signal, the quoted log line
— and sorts it into command-not-found, permission-denied, exec-format, exits-zero or an
application error. OOM kills and probe kills belong to their own analyzers; old restarts of a
container that has run fine since, and stops the kubelet asked for, are not crashes. The one
container of a pod known only from a ``kubectl get pods`` row is diagnosed from the row and
its pasted log (``_crash_row``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import partial

from kubemedic.analyzers._arch import node_architecture
from kubemedic.analyzers._build import (
    event_evidence,
    matching_events,
    pod_finding,
    related_evidence,
    spec_evidence,
)
from kubemedic.analyzers._crash import Crash, diagnose_container, is_runtime
from kubemedic.analyzers._crash_case import CRASH_IDS, CrashCase, crash_dependency
from kubemedic.analyzers._crash_evidence import crash_evidence
from kubemedic.analyzers._crash_fix import crash_remediation
from kubemedic.analyzers._crash_row import row_crash_finding
from kubemedic.analyzers._crashing import failed_elsewhere, is_crashing, long_running
from kubemedic.analyzers._exit_codes import SIGKILL_EXIT
from kubemedic.analyzers._probes import probe_kill
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._same_failure import SameFailures
from kubemedic.analyzers._workload import plural
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod
from kubemedic.models.severity import Severity
from kubemedic.models.table_status import from_row

IDS = CRASH_IDS
"""The finding id of each category (kept in ``_crash_case``, shared with ``_crash_row``)."""
_BACK_OFF = re.compile(r"back-off (\S+) restarting")
_NODE_OOM_WINDOW = timedelta(minutes=2)
_NODE_OOM_REASONS = frozenset({"SystemOOM", "OOMKilling"})


def analyze(view: ClusterView) -> Iterator[Finding]:
    alike = SameFailures(view)  # replicas that crash alike are explained once
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None or failed_elsewhere(pod):
            continue
        statuses = long_running(pod)
        names = [status.name for status in statuses]
        architecture = _node_architecture(view, pod)
        crashes = partial(_crashes, view, alike, pod, statuses, architecture)
        alike.replica(pod, names, crashes, extra=architecture)
    yield from alike.findings()


def _crashes(
    view: ClusterView,
    alike: SameFailures,
    pod: Pod,
    statuses: Sequence[ContainerStatus],
    architecture: str,
) -> Iterator[Finding]:
    """The findings of a pod's crashing containers (its twins get them without asking)."""
    for status in statuses:
        if not is_crashing(view, pod, status) or probe_kill(view, pod, status) is not None:
            continue
        back_offs, runtime = _events(view, pod, status.name)
        finding = alike.finding(
            pod,
            [status.name],
            back_offs + runtime,
            partial(_analyzed, view, pod, status),
            extra=architecture,
        )
        if finding is not None:
            yield finding


def _analyzed(view: ClusterView, pod: Pod, status: ContainerStatus) -> Finding | None:
    if from_row(pod, status):
        return row_crash_finding(view, pod, status)
    crash = diagnose_container(view, pod, status)
    spec = pod.container(status.name)
    if crash is None or spec is None:
        return None
    return _finding(view, pod, status, spec, crash)


def _events(view: ClusterView, pod: Pod, container: str) -> tuple[list[Event], list[Event]]:
    """The back-offs of a container, and the runtime's errors about starting it."""
    found = matching_events(view, pod, ("BackOff", "Failed"), container=container)
    back_offs = [e for e in found if e.reason == "BackOff"]
    return back_offs, [e for e in found if e.reason == "Failed" and is_runtime(e)]


def _node_architecture(view: ClusterView, pod: Pod) -> str:
    """What the crash diagnosis reads of the node: whether the image is built for its CPU."""
    return view.derived(_architectures).get(pod.node_name, "")


def _architectures(view: ClusterView) -> dict[str, str]:
    return {node.name: node_architecture(node) for node in view.nodes}


def _finding(
    view: ClusterView, pod: Pod, status: ContainerStatus, spec: ContainerSpec, crash: Crash
) -> Finding:
    workload = view.workload_of(pod)
    back_offs, runtime = _events(view, pod, status.name)
    node_oom = _node_oom(view, pod, crash)
    case = CrashCase(crash, pod, spec, workload, crash_dependency(view, pod, crash), node_oom, view)
    evidence = _evidence(view, pod, status, case)
    evidence += [event_evidence(e) for e in (runtime[-1:] + back_offs[-1:])]
    serving = status.state.is_running and status.ready
    cause = crash.explanation
    if node_oom is not None:
        cause += (
            f" The node ran out of memory at that moment and its kernel OOM killer fired: "
            f'"{node_oom.message}".'
        )
    return pod_finding(
        view,
        pod,
        id=IDS[crash.category],
        analyzer="crashloop",
        severity=Severity.MEDIUM if serving else Severity.HIGH,
        category=crash.category,
        containers=[status.name],
        summary=_summary(crash, spec, serving, pod.restart_policy != "Never"),
        root_cause=f"{cause} {_restarts(status)}".strip(),
        evidence=evidence,
        events=back_offs + runtime,
        remediation=crash_remediation(case),
    )


def _summary(crash: Crash, spec: ContainerSpec, serving: bool, restarts: bool) -> str:
    name = spec.name
    subject = crash.subject
    if crash.category is Category.CRASHLOOP_COMMAND_NOT_FOUND:
        return f"Container {name} cannot start: command {subject or spec.command[:1]!r} not found"
    if crash.category is Category.CRASHLOOP_PERMISSION_DENIED:
        return f"Container {name} crash-loops on permission denied ({subject or crash.headline})"
    if crash.category is Category.VOLUME_PERMISSION_DENIED and crash.volume is not None:
        path = crash.volume.path
        return f"Container {name} may not write to volume {crash.volume.volume} ({path})"
    if crash.category is Category.CRASHLOOP_EXEC_FORMAT:
        return f"Container {name} cannot start: {subject or 'its binary'} is for another CPU"
    if crash.category is Category.CRASHLOOP_COMPLETED_EXITS_ZERO:
        return f"Container {name} exits 0 and is restarted over and over (restartPolicy Always)"
    if serving:
        return f"Container {name} crashed and restarted: {crash.headline}"
    if not restarts:
        return f"Container {name} failed: {crash.headline}"
    return f"Container {name} keeps crashing: {crash.headline}"


def _restarts(status: ContainerStatus) -> str:
    if not status.restart_count:
        return ""
    text = f"It has restarted {plural(status.restart_count, 'time')}"
    back_off = _BACK_OFF.search(status.state.waiting_message)
    if back_off:
        text += f"; the kubelet now waits {back_off.group(1)} before each new attempt"
    return text + "."


def _evidence(
    view: ClusterView, pod: Pod, status: ContainerStatus, case: CrashCase
) -> list[Evidence]:
    crash, spec = case.crash, case.spec
    evidence = crash_evidence(view, pod, status, crash)
    if crash.category is not Category.CRASHLOOP_APP_ERROR and (spec.command or spec.args):
        group = "initContainers" if spec.is_init else "containers"
        line = " ".join(spec.command + spec.args)
        evidence.append(spec_evidence(pod, f"spec.{group}[{spec.name}].command", f"runs: {line}"))
    evidence += _node_evidence(view, pod, crash)
    if case.node_oom is not None:
        evidence.append(event_evidence(case.node_oom))
    if case.dependency is not None:
        evidence.append(related_evidence(case.dependency.location, case.dependency.fact))
    return evidence


def _node_evidence(view: ClusterView, pod: Pod, crash: Crash) -> list[Evidence]:
    """The node's architecture, for an exec format error."""
    node = view.get("Node", "", pod.node_name) if pod.node_name else None
    if crash.category is not Category.CRASHLOOP_EXEC_FORMAT or node is None:
        return []
    arch = node.labels.get("kubernetes.io/arch") or "unknown"
    return [related_evidence(f"Node {node.name}", f"node architecture: {arch}")]


def _node_oom(view: ClusterView, pod: Pod, crash: Crash) -> Event | None:
    """The node's "System OOM encountered" event when it explains a SIGKILL (exit 137)."""
    if crash.exit_code != SIGKILL_EXIT or not pod.node_name:
        return None
    finished = crash.finished_at
    for event in reversed(view.events_for(ObjectRef("Node", pod.node_name))):
        if event.reason not in _NODE_OOM_REASONS:
            continue
        seen = event.last_seen
        if finished is None or seen is None or abs(seen - finished) <= _NODE_OOM_WINDOW:
            return event
    return None


ANALYZER = Analyzer(
    name="crashloop",
    description="Containers that keep exiting: the exit code, runtime error or log line why.",
    categories=tuple(IDS),
    analyze=analyze,
)
