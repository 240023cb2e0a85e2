"""Pending without a verdict: the default scheduler never looked at the pod.

No FailedScheduling event means nobody tried. The reason is in the pod's own spec: a scheduling
gate still in place, a ``schedulerName`` no running scheduler answers to, or a ``nodeName`` set
to a node that does not exist — or, failing all three, kube-scheduler itself is not running.
"""

from __future__ import annotations

from datetime import timedelta

from kubemedic.analyzers._build import event_evidence
from kubemedic.analyzers._pending_case import Explanation, pod_spec_evidence
from kubemedic.analyzers._template_patch import (
    recreate_step,
    stuck_pod_step,
    template_field_removal,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef, Remediation
from kubemedic.models.k8s import Event, Pod
from kubemedic.models.severity import RiskTier

DEFAULT_SCHEDULER = "default-scheduler"
KUEUE_WORKLOAD_ANNOTATION = "kueue.x-k8s.io/workload"
# A scheduler normally answers within seconds; gates are often held on purpose (queueing).
SILENT_AFTER = timedelta(minutes=2)
GATED_AFTER = timedelta(minutes=10)


def scheduling_gates(pod: Pod) -> tuple[str, ...]:
    gates = pod.spec.get("schedulingGates") or ()
    return tuple(str(g.get("name")) for g in gates if isinstance(g, dict) and g.get("name"))


def scheduler_name(pod: Pod) -> str:
    return str(pod.spec.get("schedulerName") or DEFAULT_SCHEDULER)


def waited(view: ClusterView, pod: Pod) -> timedelta:
    created = pod.created_at
    return view.observed_at - created if created is not None else timedelta(0)


def explain_unattempted(view: ClusterView, pod: Pod, workload: ObjectRef) -> Explanation | None:
    """Why no scheduler has reported on this pod, once it has waited long enough to tell."""
    age = waited(view, pod)
    gates = scheduling_gates(pod)
    if gates:
        return _gated(view, pod, gates, age) if age >= GATED_AFTER else None
    if pod.node_name:
        return _missing_node(pod, workload)
    if age < SILENT_AFTER or not view.knows("Event", pod.namespace):
        return None
    scheduler = scheduler_name(pod)
    if scheduler != DEFAULT_SCHEDULER:
        return _custom_scheduler(pod, scheduler, age, workload)
    return _scheduler_silent(pod, age)


def _minutes(age: timedelta) -> str:
    return f"{int(age.total_seconds() // 60)} min"


def _gated(view: ClusterView, pod: Pod, gates: tuple[str, ...], age: timedelta) -> Explanation:
    listed = ", ".join(gates)
    cause = (
        f"Pod {pod.name} has spec.schedulingGates [{listed}] and has waited {_minutes(age)}; the "
        "scheduler ignores a gated pod until the controller that owns the gate (a queueing or "
        "quota controller) removes it."
    )
    evidence = [pod_spec_evidence(pod, "spec.schedulingGates", f"scheduling gates: {listed}")]
    queued = _kueue_verdict(view, pod)
    if queued is not None:
        cause += f" Kueue says: {queued.message}"
        evidence.append(event_evidence(queued))
    return Explanation(
        category=Category.SCHEDULING_NOT_ATTEMPTED,
        summary=f"Pod is held back from scheduling by gate {listed}",
        root_cause=cause,
        evidence=tuple(evidence),
        remediation=Remediation(
            summary=f"Find out why the owner of {gates[0]} keeps the gate: it may be waiting for "
            "quota, or its controller may be down.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The gate is removed and the scheduler places the pod.",
            steps=(
                "Check the controller that adds this gate (e.g. Kueue: its workload's admission "
                "status) before touching the pod.",
                "Remove the gate by hand only if that controller no longer exists.",
            ),
            commands=(f"kubectl get pod {pod.name} -n {pod.namespace} -o yaml",),
        ),
    )


def _kueue_verdict(view: ClusterView, pod: Pod) -> Event | None:
    """The newest event on the Kueue Workload that holds this pod, if any was collected."""
    workload = pod.annotations.get(KUEUE_WORKLOAD_ANNOTATION)
    if not workload:
        return None
    events = view.events_for(ObjectRef("Workload", str(workload), pod.namespace))
    return events[-1] if events else None


def _missing_node(pod: Pod, workload: ObjectRef) -> Explanation:
    return Explanation(
        category=Category.SCHEDULING_NOT_ATTEMPTED,
        summary=f"Pod is bound to node {pod.node_name}, which does not exist",
        root_cause=f"Pod {pod.name} has spec.nodeName {pod.node_name} set, which bypasses the "
        f"scheduler, and no node named {pod.node_name} exists, so no kubelet will ever start it.",
        evidence=(pod_spec_evidence(pod, "spec.nodeName", f"nodeName {pod.node_name}"),),
        remediation=Remediation(
            summary="Remove spec.nodeName from the pod template (use a nodeSelector to target "
            "nodes) and recreate the pod.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The scheduler places the new pod on an existing node.",
            steps=tuple(
                s
                for s in (
                    recreate_step(workload, {"nodeName": None}, pod),
                    stuck_pod_step(workload, pod.name),
                )
                if s
            )
            or (
                f"The command removes nodeName from {workload}'s pod template; its controller "
                "then creates pods the scheduler can place.",
            ),
            commands=(
                "kubectl get nodes",
                *(c for c in (template_field_removal(workload, "nodeName"),) if c),
            ),
        ),
    )


def _custom_scheduler(pod: Pod, scheduler: str, age: timedelta, workload: ObjectRef) -> Explanation:
    return Explanation(
        category=Category.SCHEDULING_NOT_ATTEMPTED,
        summary=f"Pod waits for scheduler {scheduler}, which has not acted on it",
        root_cause=f"Pod {pod.name} asks for schedulerName {scheduler} and has waited "
        f"{_minutes(age)} with no scheduling event: no running scheduler answers to that name "
        "(not installed, crashing, or a typo).",
        evidence=(pod_spec_evidence(pod, "spec.schedulerName", f"schedulerName {scheduler}"),),
        remediation=Remediation(
            summary=f"Start or repair scheduler {scheduler}, or remove schedulerName to use the "
            "default scheduler.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="A scheduler picks the pod up: a Scheduled or FailedScheduling event.",
            steps=(
                f"Look for the {scheduler} pods and their logs.",
                recreate_step(workload)
                or f"To use the default scheduler, remove schedulerName from {workload}'s "
                "pod template.",
            ),
            commands=(f"kubectl get pods -A | grep {scheduler}",),
        ),
    )


def _scheduler_silent(pod: Pod, age: timedelta) -> Explanation:
    return Explanation(
        category=Category.SCHEDULING_NOT_ATTEMPTED,
        summary="Pod has not been looked at by the scheduler",
        root_cause=f"Pod {pod.name} has waited {_minutes(age)} with no scheduling decision and "
        "no FailedScheduling event: kube-scheduler is probably not running or cannot reach the "
        "API server.",
        evidence=(
            pod_spec_evidence(pod, "spec.schedulerName", f"schedulerName {DEFAULT_SCHEDULER}"),
        ),
        remediation=Remediation(
            summary="Check that kube-scheduler is running and healthy.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The scheduler places the pod or reports why it cannot.",
            steps=("On managed clusters, check the provider's control-plane status page.",),
            commands=("kubectl get pods -n kube-system -l component=kube-scheduler",),
        ),
    )
