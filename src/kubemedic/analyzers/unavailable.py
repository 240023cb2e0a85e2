"""Deployments, StatefulSets and DaemonSets with fewer available pods than they want.

The pod findings say why pods fail; this finding says what it costs: how many replicas still
serve and for how long, and whether nothing serves at all (critical). It adds what only the
controller view shows: StatefulSet pods never created behind a stuck ordinal, a stuck pod that
must be deleted after the template is fixed, DaemonSet failures that follow one kind of node.
Rollouts within their deadline, workloads scaled to zero and outages shorter than the settle
time are not reported; timed-out rollouts and refused pods have their own analyzers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from kubemedic._internal.timeutils import human_duration
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._rollout import ReplicaSets, rollout_in_progress, rollout_of
from kubemedic.analyzers._workload import (
    SETTLE,
    condition_evidence,
    create_failure,
    describe_states,
    is_live,
    not_ready_since,
    pod_state_evidence,
    status_evidence,
    workload_finding,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, Remediation
from kubemedic.models.k8s import Node, Pod, Workload
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-WL-UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A workload short of available pods, with what the controller kind adds to the story."""

    workload: Workload
    want: int
    available: int
    unready: tuple[Pod, ...]
    notes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    commands: tuple[str, ...] = field(default=())


Check = Callable[[ClusterView, Workload], "Shortfall | None"]


def analyze(view: ClusterView) -> Iterator[Finding]:
    checks: tuple[tuple[str, Check], ...] = (
        ("Deployment", partial(_deployment, replica_sets=ReplicaSets(view))),
        ("StatefulSet", _stateful_set),
        ("DaemonSet", _daemon_set),
    )
    for kind, check in checks:
        for workload in view.workloads(kind):
            shortfall = check(view, workload)
            if shortfall is None:
                continue
            since = _since(shortfall)
            if since is not None and view.observed_at - since < SETTLE:
                continue  # a restart or a slow start, not an outage yet
            yield _finding(view, shortfall, since)


def _live_pods(view: ClusterView, workload: Workload) -> tuple[Pod, ...]:
    return tuple(p for p in view.pods_of(workload) if is_live(p))


def _deployment(
    view: ClusterView, deployment: Workload, *, replica_sets: ReplicaSets
) -> Shortfall | None:
    want, available = deployment.replicas, deployment.status_int("availableReplicas")
    if want == 0 or available >= want or rollout_in_progress(deployment):
        return None
    progressing = deployment.condition("Progressing")
    replica_failure = deployment.condition("ReplicaFailure")
    if (progressing is not None and progressing.reason == "ProgressDeadlineExceeded") or (
        replica_failure is not None and replica_failure.is_true
    ):
        return None  # reported as a timed-out rollout or as refused pods
    pods = _live_pods(view, deployment)
    available = max(available, sum(p.is_ready for p in pods))  # the status may lag behind
    if available >= want:
        return None
    rollout = rollout_of(view, deployment, replica_sets)
    if rollout.newest is not None and create_failure(view, rollout.newest) is not None:
        return None
    cond = deployment.condition("Available")
    evidence = (condition_evidence(deployment, cond),) if cond is not None else ()
    commands: tuple[str, ...] = ()
    if rollout.previous is not None:
        commands = (
            f"kubectl rollout undo {deployment.ref.kubectl_ref} "
            f"--to-revision={rollout.previous.revision}",
        )
    unready = tuple(p for p in pods if not p.is_ready)
    return Shortfall(deployment, want, available, unready, (), evidence, commands)


def _stateful_set(view: ClusterView, sts: Workload) -> Shortfall | None:
    want = sts.replicas
    ready = sts.status_int("readyReplicas")
    available = sts.status_int("availableReplicas") if "availableReplicas" in sts.status else ready
    if want == 0 or available >= want or create_failure(view, sts) is not None:
        return None
    pods = {p.name: p for p in _live_pods(view, sts)}
    available = max(available, sum(p.is_ready for p in pods.values()))
    if available >= want:
        return None
    ordinals = [f"{sts.name}-{i}" for i in range(want)]
    unready = tuple(pods[n] for n in ordinals if n in pods and not pods[n].is_ready)
    notes, commands = [], []
    missing = [n for n in ordinals if n not in pods]
    ordered = sts.spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    if missing and unready and ordered:
        notes.append(
            f"With podManagementPolicy OrderedReady, {', '.join(missing)} will not be created "
            f"until {unready[0].name} is Ready."
        )
    elif missing:
        notes.append(f"Pods {', '.join(missing)} do not exist.")
    update = sts.status.get("updateRevision")
    if unready and update and update != sts.status.get("currentRevision"):
        stuck = unready[0]
        if stuck.labels.get("controller-revision-hash") == update:
            notes.append(
                f"{stuck.name} runs the new revision {update}: after fixing the template, "
                "delete it so it is recreated from the fix (a StatefulSet does not replace a "
                "pod stuck on a broken revision by itself)."
            )
            commands.append(f"kubectl delete pod {stuck.name} -n {sts.namespace}")
    notes += _pending_claims(view, sts, unready)
    return Shortfall(sts, want, available, unready, tuple(notes), (), tuple(commands))


def _pending_claims(view: ClusterView, sts: Workload, pods: Sequence[Pod]) -> list[str]:
    notes = []
    templates = [
        t.get("metadata", {}).get("name") for t in sts.spec.get("volumeClaimTemplates") or ()
    ]
    for pod in pods:
        for template in templates:
            claim = view.get("PersistentVolumeClaim", sts.namespace, f"{template}-{pod.name}")
            if claim is not None and claim.status.get("phase") == "Pending":
                notes.append(f"Its claim {claim.name} of {pod.name} is Pending.")
    return notes


def _daemon_set(view: ClusterView, ds: Workload) -> Shortfall | None:
    want = ds.status_int("desiredNumberScheduled")
    available = ds.status_int("numberAvailable")
    if want == 0 or available >= want or create_failure(view, ds) is not None:
        return None
    pods = _live_pods(view, ds)
    available = max(available, sum(p.is_ready for p in pods))
    if available >= want:
        return None
    unready = tuple(p for p in pods if not p.is_ready)
    nodes = sorted({p.node_name for p in unready if p.node_name})
    notes = []
    if nodes:
        notes.append(f"Failing on {len(nodes)} of {want} nodes: {', '.join(nodes[:10])}.")
        notes += _arch_pattern(view, unready, [p for p in pods if p.is_ready])
    misscheduled = ds.status_int("numberMisscheduled")
    if misscheduled:
        notes.append(f"{misscheduled} pods run on nodes they should not (numberMisscheduled).")
    return Shortfall(ds, want, available, unready, tuple(notes))


def _arch_pattern(view: ClusterView, failing: Sequence[Pod], healthy: Sequence[Pod]) -> list[str]:
    """A DaemonSet failing exactly on the nodes of one CPU architecture points at the image."""

    def archs(pods: Sequence[Pod]) -> set[str]:
        found = set()
        for pod in pods:
            node = view.get("Node", "", pod.node_name)
            if isinstance(node, Node) and node.labels.get("kubernetes.io/arch"):
                found.add(node.labels["kubernetes.io/arch"])
        return found

    bad, good = archs(failing), archs(healthy)
    if len(bad) == 1 and good and not bad & good:
        arch = next(iter(bad))
        return [
            f"All failing pods run on {arch} nodes and all healthy ones on "
            f"{', '.join(sorted(good))} nodes: check that the image is built for {arch}."
        ]
    return []


def _since(shortfall: Shortfall) -> datetime | None:
    """When the shortfall began: the earliest unready pod, else the Available condition."""
    times = [t for t in (not_ready_since(p) for p in shortfall.unready) if t is not None]
    if times:
        return min(times)
    cond = shortfall.workload.condition("Available")
    return cond.last_transition if cond is not None and not cond.is_true else None


def _finding(view: ClusterView, shortfall: Shortfall, since: datetime | None) -> Finding:
    workload, want, available = shortfall.workload, shortfall.want, shortfall.available
    ref = workload.ref
    lasting = f" for {human_duration((view.observed_at - since).total_seconds())}" if since else ""
    daemon = workload.kind == "DaemonSet"
    unit = "pods" if daemon else "replicas"
    if available == 0:
        cause = f"No {unit[:-1]} of {ref} is available{lasting}: it serves nothing."
    else:
        cause = f"Only {available} of {want} {unit} of {ref} are available{lasting}."
    if shortfall.unready:
        cause += f" Its unready pods: {describe_states(shortfall.unready, view)}."
    cause += "".join(f" {note}" for note in shortfall.notes)
    selector = ",".join(f"{k}={v}" for k, v in (workload.selector.get("matchLabels") or {}).items())
    listing = f"kubectl get pods -n {workload.namespace}" + (f" -l {selector}" if selector else "")
    return workload_finding(
        view,
        workload,
        id=ID,
        analyzer="unavailable",
        severity=Severity.CRITICAL if available == 0 else Severity.MEDIUM,
        category=Category.WORKLOAD_UNAVAILABLE,
        summary=f"No {unit[:-1]} of {ref} is available (0 of {want})"
        if available == 0
        else f"{ref} has {available} of {want} {unit} available",
        root_cause=cause,
        evidence=[
            status_evidence(
                workload,
                "numberAvailable" if daemon else "availableReplicas",
                f"{available} of {want} {unit} available",
            ),
            *shortfall.evidence,
            *pod_state_evidence(shortfall.unready),
        ],
        pods=shortfall.unready,
        since=since,
        remediation=Remediation(
            summary="Fix the cause reported for the unready pods; if it started with the last "
            "change, roll that change back.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"{want} of {want} {unit} of {ref} are available.",
            steps=(
                "Read the pod-level findings for the pods listed here and apply their fix.",
                "Watch the workload recover with the commands below.",
            ),
            commands=(
                *shortfall.commands,
                listing,
                f"kubectl rollout status {ref.kubectl_ref}",
            ),
        ),
    )


ANALYZER = Analyzer(
    name="unavailable",
    description="Deployments, StatefulSets and DaemonSets with fewer available pods than "
    "desired, outside a rollout in progress.",
    categories=(Category.WORKLOAD_UNAVAILABLE,),
    analyze=analyze,
)
