"""Shared reading of controllers and their pods for the workload-level analyzers.

Workload findings sit on top of pod findings: they say *how much* of a workload is down and
*why no pod exists*, while the pod analyzers say why a pod fails. These helpers keep that split
consistent: a kubectl-like one-word state per pod (to name the visible pod problem without
re-diagnosing it), the settle time before a short outage counts, the controller's own
``FailedCreate`` signals, and one way to build a finding about a controller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from kubemedic.analyzers._build import event_evidence
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import (
    AffectedPod,
    Evidence,
    EvidenceSource,
    Finding,
    ObjectRef,
    Remediation,
)
from kubemedic.models.k8s import Condition, Event, KObject, Pod, Workload
from kubemedic.models.severity import Severity

# How long a workload may be short of ready pods before it is reported: long enough for a
# restart or a slow start, short enough that a real outage is not hidden for long.
SETTLE = timedelta(minutes=5)


def location(obj: KObject, path: str = "") -> str:
    """``Deployment shop/web status.conditions[Progressing]``: where a fact was read."""
    name = f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
    return f"{obj.kind} {name} {path}".rstrip()


def status_evidence(obj: KObject, path: str, fact: str) -> Evidence:
    return Evidence(fact, EvidenceSource.STATUS, location(obj, f"status.{path}"))


def condition_evidence(obj: KObject, cond: Condition) -> Evidence:
    """A status condition quoted as ``kubectl describe`` shows it."""
    fact = f"{cond.type}={cond.status} reason {cond.reason or 'none'}"
    if cond.message:
        fact += f": {cond.message}"
    return status_evidence(obj, f"conditions[{cond.type}]", fact)


def is_live(pod: Pod) -> bool:
    """A pod that counts towards a workload: not finished, not being deleted."""
    return pod.phase not in ("Succeeded", "Failed") and pod.deletion_timestamp is None


def not_ready_since(pod: Pod) -> datetime | None:
    """When a live pod last became not Ready (its creation when it never was)."""
    cond = pod.condition("Ready")
    if cond is not None and cond.is_true:
        return None
    return (cond.last_transition if cond is not None else None) or pod.created_at


def settled(pods: Iterable[Pod], now: datetime) -> bool:
    """True when at least one of these unready pods has been unready for ``SETTLE`` or more."""
    for pod in pods:
        since = not_ready_since(pod)
        if since is None or now - since >= SETTLE:
            return True
    return False


def pod_state(pod: Pod) -> str:
    """The pod's state the way ``kubectl get pods`` would show it, plus the last exit code."""
    if pod.deletion_timestamp is not None:
        return "Terminating"
    if pod.phase in ("Failed", "Succeeded"):
        return pod.reason or pod.phase
    scheduled = pod.condition("PodScheduled")
    if scheduled is not None and not scheduled.is_true:
        return f"Pending ({scheduled.reason or 'not scheduled'})"
    for status in pod.init_container_statuses:
        waiting = status.state.waiting_reason
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
        term = status.state.terminated
        if term is not None and term.exit_code != 0:
            return f"Init:{term.reason or f'ExitCode:{term.exit_code}'}"
    for status in pod.container_statuses:
        waiting = status.state.waiting_reason
        last = status.last_state.terminated
        if waiting == "CrashLoopBackOff" and last is not None:
            why = f" {last.reason}" if last.reason else ""
            return f"CrashLoopBackOff (last exit {last.exit_code}{why})"
        if waiting:
            return waiting
        term = status.state.terminated
        if term is not None:
            return term.reason or f"ExitCode:{term.exit_code}"
    if pod.phase == "Pending":
        return "Pending"
    return "Ready" if pod.is_ready else "Running but not Ready"


def describe_states(pods: Iterable[Pod], view: ClusterView | None = None) -> str:
    """``2 in CrashLoopBackOff (last exit 1 Error), 1 Running but not Ready``.

    With ``view``, each pod's state is worked out once per view: a workload's finding and its
    Service's both describe every unready replica, and a workload may have 100,000.
    """
    if view is None:
        counts = Counter(pod_state(p) for p in pods)
    else:
        known = view.derived(_pod_states)
        counts = Counter(
            known[id(p)] if id(p) in known else known.setdefault(id(p), pod_state(p)) for p in pods
        )
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count} {in_state(state)}" for state, count in ordered)


def _pod_states(view: ClusterView) -> dict[int, str]:
    """The states ``describe_states`` found so far in this view, by pod (the view holds its
    pods, so their ids stay theirs)."""
    return {}


def in_state(state: str) -> str:
    """``in CrashLoopBackOff`` but ``Running but not Ready``: a state after a count or a verb."""
    return state if state.startswith(("Running", "Terminating", "Ready")) else f"in {state}"


def pod_state_evidence(pods: Sequence[Pod], limit: int = 5) -> list[Evidence]:
    """One line per pod (the first few) with its state and the kubelet's message if any."""
    evidence = []
    for pod in pods[:limit]:
        fact = f"pod {pod.name} is {in_state(pod_state(pod))}"
        message = _waiting_message(pod)
        if message:
            fact += f": {message}"
        evidence.append(Evidence(fact, EvidenceSource.STATUS, location(pod, "status")))
    if len(pods) > limit:
        evidence.append(
            Evidence(
                f"{len(pods) - limit} more pods in the same states",
                EvidenceSource.COMPUTED,
                f"pods of {pods[0].namespace}",
            )
        )
    return evidence


def _waiting_message(pod: Pod) -> str:
    scheduled = pod.condition("PodScheduled")
    if scheduled is not None and not scheduled.is_true:
        return scheduled.message
    for status in pod.all_container_statuses:
        if status.state.waiting_reason not in ("", "PodInitializing", "ContainerCreating"):
            return status.state.waiting_message
    return ""


# -- the controller cannot create pods -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateFailure:
    """A controller that is short of pods and says why it cannot create them."""

    controller: Workload
    message: str
    events: tuple[Event, ...]
    condition: Condition | None = None

    @property
    def evidence(self) -> list[Evidence]:
        found = [event_evidence(e) for e in self.events[-2:]]
        if self.condition is not None:
            found.append(condition_evidence(self.controller, self.condition))
        return found


def create_failure(view: ClusterView, controller: Workload) -> CreateFailure | None:
    """The controller's ``FailedCreate`` error, when it still lacks the pods it wants.

    A refusal the controller has since got past (it created a pod after it, and reports no
    ``ReplicaFailure``) is history: a quota hit during an old rollout's surge says nothing
    about the pod an autoscaler asked for a second ago, which the status has not counted yet.
    """
    if not _short_of_pods(controller):
        return None
    cond = controller.condition("ReplicaFailure")
    if cond is not None and not (cond.is_true and cond.message):
        cond = None
    events = tuple(
        e for e in view.events_for(controller) if e.reason == "FailedCreate" and e.message
    )
    created = _last_created(view, controller)
    if cond is None and created is not None:
        events = tuple(e for e in events if e.last_seen is None or e.last_seen >= created)
    if events:
        return CreateFailure(controller, events[-1].message, events, cond)
    if cond is not None:
        return CreateFailure(controller, cond.message, (), cond)
    return None


def _last_created(view: ClusterView, controller: Workload) -> datetime | None:
    """When the controller last reported creating a pod (its ``SuccessfulCreate`` events)."""
    moments = [
        e.last_seen
        for e in view.events_for(controller)
        if e.reason == "SuccessfulCreate" and e.last_seen is not None
    ]
    return max(moments, default=None)


def _short_of_pods(controller: Workload) -> bool:
    status = controller.status_int
    if controller.kind in ("ReplicaSet", "StatefulSet"):
        return status("replicas") < controller.replicas
    if controller.kind == "DaemonSet":
        return status("currentNumberScheduled") < status("desiredNumberScheduled")
    if controller.kind == "Job":
        return not job_finished(controller) and status("active") < job_expected_active(controller)
    return False


def job_finished(job: KObject) -> bool:
    return any(
        c.is_true and c.type in ("Complete", "Failed", "SuccessCriteriaMet", "FailureTarget")
        for c in job.conditions
    )


def job_expected_active(job: Workload) -> int:
    """How many pods a running Job wants at once: parallelism, capped by the work left."""
    if job.spec.get("suspend") is True:
        return 0
    parallelism = job.spec.get("parallelism")
    wanted = parallelism if isinstance(parallelism, int) else 1
    completions = job.spec.get("completions")
    if isinstance(completions, int):
        wanted = min(wanted, completions - job.status_int("succeeded"))
    return max(wanted, 0)


# -- building the finding ---------------------------------------------------------------------


def workload_finding(
    view: ClusterView,
    obj: KObject,
    *,
    id: str,
    analyzer: str,
    severity: Severity,
    category: Category,
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    remediation: Remediation,
    events: Sequence[Event] = (),
    pods: Sequence[Pod] = (),
    since: datetime | None = None,
    related: Sequence[ObjectRef] = (),
    own: bool = False,
) -> Finding:
    """A finding about a controller, attributed to its top-level owner (``own``: to itself).

    ``since`` is when the problem began when no event says so (a condition's transition).
    PVCs, Services and HPAs are reported as themselves (``own=True``) even when owned.
    """
    first = min((e.first_seen for e in events if e.first_seen is not None), default=since)
    last = max((e.last_seen for e in events if e.last_seen is not None), default=first)
    target = obj.ref if own else view.workload_of(obj)
    return Finding(
        id=id,
        severity=severity,
        category=category,
        object=target,
        summary=summary,
        root_cause=root_cause,
        evidence=tuple(evidence),
        remediation=remediation,
        affected=tuple(sorted((AffectedPod(p.namespace, p.name) for p in pods), key=_POD_ORDER)),
        first_seen=first,
        last_seen=last,
        analyzer=analyzer,
        related=tuple(r for r in related if r != target),
    )


_POD_ORDER = attrgetter("namespace", "name", "containers")
"""``AffectedPod``'s own order as one key, compared in C: a workload may have 100,000 pods."""


def plural(count: int, noun: str) -> str:
    """``1 pod``, ``3 pods``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
