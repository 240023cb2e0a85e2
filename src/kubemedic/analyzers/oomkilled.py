"""OOMKilled: a container passed its memory limit and the kernel killed it.

Distinguishes the cgroup OOM kill (``reason: OOMKilled``) from a plain SIGKILL, compares the
limit with the request and, when metrics were collected, with observed usage, and suggests a
new limit from the evidence rather than a blanket "double it". A pod known only from a
``kubectl get pods`` row showing ``OOMKilled`` has no limit in the input: its fix reads the
limit before setting a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from kubemedic._internal.quantities import format_memory, parse_quantity, round_up_memory
from kubemedic.analyzers._build import matching_events, pod_finding, spec_evidence, status_evidence
from kubemedic.analyzers._crash_case import ROLLOUT_KINDS
from kubemedic.analyzers._crashing import last_end
from kubemedic.analyzers._failure_signals import row_evidence
from kubemedic.analyzers._previous_revision import PreviousRevision, previous_revision
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import SETTABLE_KINDS
from kubemedic.analyzers._template_patch import (
    container_patch,
    container_recreate_step,
    recreate_step,
)
from kubemedic.analyzers._workload import plural
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Pod, dig
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.models.table_status import from_row

ID = "KM-POD-OOMKILLED"
HEADROOM = 1.3
STALE_AFTER = timedelta(hours=1)
_HEAP_FLAGS = re.compile(r"(-Xmx\S+|--max-old-space-size=\d+)")


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.phase == "Failed" and pod.controller is not None and pod.controller.kind == "Job":
            continue  # the jobs analyzer reports a Job's failed pods with the Job's state
        for status in pod.all_container_statuses:
            finding = _check(view, pod, status)
            if finding is not None:
                yield finding


def _check(view: ClusterView, pod: Pod, status: ContainerStatus) -> Finding | None:
    term = status.last_termination
    if term is None or term.reason != "OOMKilled":
        return None
    ended = term.finished_at or last_end(status)
    if status.ready and ended and view.observed_at - ended > STALE_AFTER:
        return None  # an old restart on a container that has been fine since
    spec = pod.container(status.name)
    if spec is None:
        return _row_finding(view, pod, status) if from_row(pod, status) else None
    limit = spec.resources.limit("memory")
    request = spec.resources.request("memory")
    peak = _observed_peak(view, pod, status.name)
    where = "state" if status.state.terminated else "lastState"
    evidence = [
        status_evidence(
            pod,
            status,
            f"{where}.terminated",
            f"terminated with reason OOMKilled, exit code {term.exit_code}"
            + (f" at {term.finished_at:%Y-%m-%dT%H:%M:%SZ}" if term.finished_at else ""),
        ),
        status_evidence(
            pod, status, "restartCount", f"restarted {plural(status.restart_count, 'time')}"
        ),
        spec_evidence(pod, f"spec.containers[{spec.name}].resources", _resources_fact(spec)),
    ]
    if term.run_seconds is not None:
        evidence.append(
            status_evidence(
                pod,
                status,
                f"{where}.terminated",
                f"the killed instance ran {term.run_seconds:.0f}s before the kill",
            )
        )
    if peak is not None:
        evidence.append(
            Evidence(
                f"observed memory working set {format_memory(peak)}",
                EvidenceSource.STATUS,
                f"PodMetrics {pod.namespace}/{pod.name} containers[{status.name}].usage.memory",
            )
        )
    heap = _heap_flag(spec)
    if heap:
        evidence.append(
            spec_evidence(pod, f"spec.containers[{spec.name}].env", f"heap set by {heap}")
        )
    events = matching_events(view, pod, ("BackOff", "Killing"), container=status.name)
    previous = previous_revision(view, pod)
    before = previous.container(spec.name) if previous is not None else None
    earlier = _earlier_limit(before, limit)
    if previous is not None and earlier is not None:
        evidence.append(
            Evidence(
                f"the previous revision ran with a memory limit of {format_memory(earlier)}",
                EvidenceSource.RELATED,
                f"{previous.name} of {previous.workload} spec.template "
                f"containers[{spec.name}].resources.limits.memory",
            )
        )
    new_limit = _suggested_limit(limit, peak, earlier)
    workload = view.workload_of(pod)
    flag = heap[1] if heap else None
    cause = _root_cause(spec.name, limit, request, peak, flag, term.run_seconds)
    release = _release_change(previous, before, spec, limit)
    if release:
        cause += f" {release}"
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer="oomkilled",
        severity=Severity.HIGH if not status.ready else Severity.MEDIUM,
        category=Category.OOMKILLED,
        containers=[status.name],
        summary=f"Container {spec.name} is killed for exceeding its memory limit"
        + (f" of {format_memory(limit)}" if limit else ""),
        root_cause=cause,
        evidence=evidence,
        events=events,
        remediation=_remediation(workload, spec, new_limit, flag, previous if release else None),
    )


def _remediation(
    workload: ObjectRef,
    spec: ContainerSpec,
    new_limit: str,
    flag: str | None,
    rollback: PreviousRevision | None,
) -> Remediation:
    """A higher limit on the workload (recreated for a bare Pod or Job); a rollback first when
    the kills came with a release that needs more memory under the same limit."""
    raise_it = f"Raise the memory limit of {spec.name} to {new_limit}" + (
        f" and lower {flag} to about 75% of it" if flag else ""
    )
    change = {"resources": {"limits": {"memory": new_limit}}}
    if workload.kind in SETTABLE_KINDS:
        commands = [
            f"kubectl set resources {workload.kubectl_ref} -c {spec.name} "
            f"--limits=memory={new_limit}"
        ]
    else:
        patch = container_patch(workload, spec, change)  # a CronJob; nothing for a Pod or Job
        commands = [patch] if patch else []
    steps = [
        "Check the memory trend: a steady climb until each kill is a leak, a flat level just "
        "above the limit is an undersized limit.",
        f"Set the limit to {new_limit} (and the request at least to the observed working set) "
        "on the workload, not on the pod.",
        *(s for s in (container_recreate_step(workload, spec, change),) if s),
    ]
    summary = f"{raise_it}, or fix the memory growth if usage keeps climbing."
    if rollback is not None:
        summary = (
            f"Return to {rollback.name}, which had the same limit: the new release needs more "
            f"memory (or leaks). {raise_it} only if it truly needs more."
        )
        steps.append(f"Or keep the release and raise the limit: {' '.join(commands)}")
        commands = [rollback.undo]
    if workload.kind in ROLLOUT_KINDS:
        commands.append(f"kubectl rollout status {workload.kubectl_ref}")
    return Remediation(
        summary=summary,
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome=f"{spec.name} stays under its limit: no further OOMKilled restarts, the "
        "pod becomes Ready and restartCount stops growing.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _row_finding(view: ClusterView, pod: Pod, status: ContainerStatus) -> Finding:
    """An OOM kill a pods table row shows: the limit to raise is not in the input, so the fix
    reads it first, then sets the new one on the workload (one container: no ``-c``)."""
    workload = view.workload_of(pod)
    target = f"{pod.name} -n {pod.namespace}"
    restarts = f", {status.restart_count} restarts" if status.restart_count else ""
    evidence = [row_evidence(pod, "STATUS", "OOMKilled: the pod has one app container")]
    if status.restart_count:
        fact = f"restarted {plural(status.restart_count, 'time')}"
        evidence.append(row_evidence(pod, "RESTARTS", fact))
    read = f"kubectl get pod {target} -o jsonpath='{{.spec.containers[0].resources}}'"
    steps = [
        "The first command prints the container's requests and limits: put about twice its "
        "memory limit in place of <limit> (after a kill the real need is unknown); if the "
        "kills come after a long run rather than at start, look for what grows as well.",
    ]
    commands = [read]
    if workload.kind in SETTABLE_KINDS:
        commands.append(f"kubectl set resources {workload.kubectl_ref} --limits=memory=<limit>")
    else:
        change = {"containers": [{"resources": {"limits": {"memory": "<limit>"}}}]}
        steps.extend(s for s in (recreate_step(workload, change, pod),) if s)
    if workload.kind in ROLLOUT_KINDS:
        commands.append(f"kubectl rollout status {workload.kubectl_ref}")
    named = f" ({status.name})" if status.name else ""
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer="oomkilled",
        severity=Severity.HIGH,
        category=Category.OOMKILLED,
        containers=[status.name] if status.name else [],
        summary=f"Pod {pod.name}: its container{named} is killed for exceeding its memory limit",
        root_cause=f"A kubectl get pods row shows pod {pod.namespace}/{pod.name} OOMKilled"
        f"{restarts}: its one app container{named} used more memory than its limit and the "
        "kernel OOM killer ended it. Its limit and request, and what it runs, are not in the "
        "input" + ("" if status.name else ", nor its name") + ": the fix reads them first.",
        evidence=evidence,
        remediation=Remediation(
            summary="Raise the memory limit of its container on the workload, or fix the "
            "memory growth if usage keeps climbing.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The container stays under its limit: no further OOMKilled "
            "restarts, the pod becomes Ready and its RESTARTS count stops growing.",
            steps=tuple(steps),
            commands=tuple(commands),
        ),
    )


def _resources_fact(spec: ContainerSpec) -> str:
    limit = spec.resources.limit_text("memory") or "none"
    request = spec.resources.request_text("memory") or "none"
    return f"memory limit {limit}, request {request}"


def _observed_peak(view: ClusterView, pod: Pod, container: str) -> float | None:
    metrics = view.get("PodMetrics", pod.namespace, pod.name)
    if metrics is None:
        return None
    for entry in dig(metrics.raw, "containers") or ():
        if isinstance(entry, dict) and entry.get("name") == container:
            return parse_quantity(dig(entry, "usage", "memory"))
    return None


def _heap_flag(spec: ContainerSpec) -> tuple[str, str] | None:
    """The heap-size flag and the spec field it is set in (env, command or args)."""
    sources = [("env", str(e.get("value", ""))) for e in spec.env]
    sources += [("command", c) for c in spec.command] + [("args", a) for a in spec.args]
    for field, text in sources:
        match = _HEAP_FLAGS.search(text)
        if match:
            return field, match.group(1)
    return None


def _suggested_limit(limit: float | None, peak: float | None, earlier: float | None) -> str:
    """1.3 x a peak that reached the limit; else the limit the previous revision ran with, when
    the latest rollout lowered it; else twice the current limit (the real need is unknown)."""
    if peak is not None and peak >= (limit or 0):
        return round_up_memory(peak * HEADROOM)
    if earlier is not None:
        return format_memory(earlier)
    base = max(x for x in (limit, peak, 64 * 2**20) if x is not None)
    return round_up_memory(base * 2)


def _earlier_limit(before: ContainerSpec | None, limit: float | None) -> float | None:
    """The previous revision's higher memory limit, when the latest rollout lowered it."""
    earlier = before.resources.limit("memory") if before is not None else None
    return earlier if earlier is not None and limit is not None and earlier > limit else None


def _release_change(
    previous: PreviousRevision | None,
    before: ContainerSpec | None,
    spec: ContainerSpec,
    limit: float | None,
) -> str:
    """Why the new release, not the limit, is to blame: the kills are on the newest revision,
    which changed the image, command or environment under the limit the revision before it
    had ("" when that is not so)."""
    if previous is None or before is None or limit is None:
        return ""
    if before.resources.limit("memory") != limit:
        return ""
    changed = [
        name
        for name, was, now in (
            ("image", before.image, spec.image),
            ("command", before.command + before.args, spec.command + spec.args),
            ("environment", list(before.env), list(spec.env)),
        )
        if was != now
    ]
    if not changed:
        return ""
    return (
        f"The kills began with the rollout from {previous.name}, which changed the "
        f"{' and '.join(changed)} under the same {format_memory(limit)} limit: the new release "
        "needs more memory, or leaks."
    )


def _root_cause(
    container: str,
    limit: float | None,
    request: float | None,
    peak: float | None,
    heap: str | None,
    ran: float | None,
) -> str:
    if limit is None:
        return (
            f"Container {container} has no memory limit, so it was killed by a limit inherited "
            "from a LimitRange or by the node running out of memory."
        )
    text = f"Container {container} used more than its {format_memory(limit)} memory limit"
    if request is not None and request < limit:
        text += f" (request {format_memory(request)})"
    text += " and the kernel OOM killer ended it (exit 137)."
    if peak is not None:
        text += f" Its observed working set is {format_memory(peak)}."
    if heap:
        text += f" The runtime heap is set by {heap}; heap plus off-heap memory must fit the limit."
    if ran is not None and ran < 60:
        text += f" It died {ran:.0f}s after start: the limit is too small for start-up itself."
    elif ran is not None:
        text += f" It ran {ran / 60:.0f} min first: growth over time points to load or a leak."
    return text


ANALYZER = Analyzer(
    name="oomkilled",
    description="Containers killed for passing their memory limit (reason OOMKilled).",
    categories=(Category.OOMKILLED,),
    analyze=analyze,
)
