"""Controllers that cannot create pods: quota, LimitRange, PodSecurity, ServiceAccount, webhooks.

No pod exists, so the pod analyzers see nothing and this workload finding *is* the root cause:
the API server's refusal from the controller's ``FailedCreate`` event (or its ``ReplicaFailure``
condition), parsed into the exact fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubemedic.analyzers._failure_signals import WINDOW
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._workload import (
    CreateFailure,
    condition_evidence,
    create_failure,
    status_evidence,
    workload_finding,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding, ObjectRef, Remediation
from kubemedic.models.k8s import Event, Workload
from kubemedic.models.severity import RiskTier, Severity

if TYPE_CHECKING:  # the admission rules are imported only when a controller was refused
    from kubemedic.analyzers._admission import Rejection
    from kubemedic.analyzers._admission_fixes import Advice, Context

ID = "KM-WL-FAILED-CREATE"
_CONTROLLERS = ("ReplicaSet", "StatefulSet", "DaemonSet", "Job")
_PREAMBLE = re.compile(
    r"^(?:Error creating: |create (?:Pod|Claim) \S+ (?:for Pod \S+ )?in StatefulSet \S+ "
    r"failed error: )"
)


def analyze(view: ClusterView) -> Iterator[Finding]:
    reported: set[ObjectRef] = set()
    for kind in _CONTROLLERS:
        for controller in view.workloads(kind):
            failure = create_failure(view, controller)
            if failure is None:
                continue
            target = view.workload_of(controller)
            if target not in reported:
                reported.add(target)
                yield _finding(view, failure)
    for deployment in view.workloads("Deployment"):
        # Its ReplicaSets may not have been collected; the Deployment copies their condition.
        cond = deployment.condition("ReplicaFailure")
        if cond is not None and cond.is_true and cond.message and deployment.ref not in reported:
            yield _finding(view, CreateFailure(deployment, cond.message, (), cond))
    for failure in _named_only(view):
        yield _finding(view, failure)


def _named_only(view: ClusterView) -> Iterator[CreateFailure]:
    """Refusals that recent events report about a controller, when the input holds no
    workload at all (a pasted ``kubectl get events``). Where workloads are given, the analysis
    above reads them, their conditions and their events."""
    if any(view.workloads(kind) for kind in (*_CONTROLLERS, "Deployment")):
        return
    horizon = view.observed_at - WINDOW
    named: dict[ObjectRef, None] = {}
    for event in view.of_kind("Event", Event):
        if event.raw.get("reason") != "FailedCreate" or not event.message:
            continue  # read raw first: this runs for every event of the cluster
        ref = event.involved_ref
        if ref.kind not in _CONTROLLERS:
            continue
        if event.last_seen is not None and event.last_seen < horizon:
            continue
        if not view.knows(ref.kind, ref.namespace):
            named.setdefault(ref)
    for ref in named:
        meta = {"name": ref.name, "namespace": ref.namespace}
        controller = Workload({"kind": ref.kind, "metadata": meta})
        ordered = view.events_for(ref)
        yield CreateFailure(controller, ordered[-1].message, ordered)


def _finding(view: ClusterView, failure: CreateFailure) -> Finding:
    from kubemedic.analyzers._admission import parse_rejection
    from kubemedic.analyzers._admission_fixes import Context

    controller = failure.controller
    target = view.workload_of(controller)
    top = view.get(target.kind, target.namespace, target.name)
    workload = top if isinstance(top, Workload) else controller
    advice = _advise(parse_rejection(failure.message), Context(view, target, workload.pod_template))
    have, want = _pod_counts(controller)
    serving = _serving(workload)
    shown = view.get(controller.kind, controller.namespace, controller.name) is not None
    evidence = [
        *failure.evidence,
        *(
            [status_evidence(controller, "replicas", f"{have} of {want} pods exist")]
            if shown
            else []
        ),
        *advice.evidence,
    ]
    stalled = workload.condition("Progressing")
    cause = advice.cause + f" {have} of {want} pods exist"
    if stalled is not None and stalled.reason == "ProgressDeadlineExceeded":
        evidence.append(condition_evidence(workload, stalled))
        cause += " and the rollout has timed out (ProgressDeadlineExceeded)"
    cause += (
        "; with no pod, pod-level checks have nothing to look at: this refusal is the cause."
        if have == 0
        else "; the missing pods were never created, so only this refusal explains them."
    )
    if not shown:
        cause = (
            f"{advice.cause.rstrip('.')}. Only events name {controller.kind} "
            f"{controller.namespace}/"
            f"{controller.name}: it is not in the input, so how many of its pods exist is "
            "unknown; each refusal is a pod it wanted and could not create."
        )
        serving = -1  # unknown: not reported as an outage
    owner = "" if controller.ref == target else f" (its {controller.kind} {controller.name})"
    return workload_finding(
        view,
        controller,
        id=ID,
        analyzer="failed-create",
        severity=_severity(target, serving),
        category=Category.WORKLOAD_FAILED_CREATE,
        summary=f"{target}{owner} cannot create pods: {_headline(failure.message)}",
        root_cause=cause,
        evidence=evidence,
        events=failure.events,
        since=failure.condition.last_transition if failure.condition else None,
        related=(controller.ref,),
        remediation=Remediation(
            summary=advice.summary,
            risk=advice.risk,
            reversible=True,
            expected_outcome=f"The {controller.kind} creates its missing pods within a minute "
            f"(no new FailedCreate events) and {target} reaches "
            + (f"{want} replicas." if shown else "the replicas it wants."),
            steps=advice.steps if shown else (*advice.steps, _owner_step(controller)),
            commands=(*advice.commands, f"kubectl describe {controller.ref.kubectl_ref}"),
        ),
    )


def _owner_step(controller: Workload) -> str:
    """For a controller only events name: its owner, if any, holds the template to change."""
    return (
        f"{controller.kind} {controller.name} is not in the input: if another object owns it "
        f"(kubectl describe {controller.ref.kubectl_ref} shows Controlled By, a Deployment "
        "for a ReplicaSet, a CronJob for a Job), make the change in the owner's template "
        "instead, or the owner's next rollout brings the refusal back."
    )


def _advise(rejection: Rejection, ctx: Context) -> Advice:
    """What to tell the user about one refusal of the workload's pods."""
    from kubemedic.analyzers._admission import (
        LimitRangeViolation,
        MissingServiceAccount,
        PodSecurityViolation,
        QuotaExceeded,
        QuotaNeedsValues,
        WebhookDenied,
        WebhookUnavailable,
    )
    from kubemedic.analyzers._admission_fixes import (
        Advice,
        pod_security,
        service_account,
        webhook_denied,
        webhook_unavailable,
    )
    from kubemedic.analyzers._quota_fixes import limit_range, quota_exceeded, quota_needs_values

    if isinstance(rejection, QuotaExceeded):
        return quota_exceeded(rejection, ctx)
    if isinstance(rejection, QuotaNeedsValues):
        return quota_needs_values(rejection, ctx)
    if isinstance(rejection, LimitRangeViolation):
        return limit_range(rejection, ctx)
    if isinstance(rejection, PodSecurityViolation):
        return pod_security(rejection, ctx)
    if isinstance(rejection, MissingServiceAccount):
        return service_account(rejection, ctx)
    if isinstance(rejection, WebhookDenied):
        return webhook_denied(rejection, ctx)
    if isinstance(rejection, WebhookUnavailable):
        return webhook_unavailable(rejection, ctx)
    return Advice(
        cause=f"The API server refuses to create the pods of {ctx.workload}: {rejection.message}",
        summary="Fix what the API server's message names; the controller retries on its own.",
        risk=RiskTier.LOW,
        commands=(f"kubectl describe {ctx.workload.kubectl_ref}",),
    )


def _pod_counts(controller: Workload) -> tuple[int, int]:
    status = controller.status_int
    if controller.kind == "DaemonSet":
        return status("currentNumberScheduled"), status("desiredNumberScheduled")
    if controller.kind == "Job":
        parallelism = controller.spec.get("parallelism")
        return status("active"), parallelism if isinstance(parallelism, int) else 1
    return status("replicas"), controller.replicas


def _serving(workload: Workload) -> int:
    if workload.kind == "DaemonSet":
        return workload.status_int("numberAvailable")
    if workload.kind in ("Job", "CronJob"):
        return workload.status_int("active")
    return workload.status_int("availableReplicas") or workload.status_int("readyReplicas")


def _severity(target: ObjectRef, serving: int) -> Severity:
    if target.kind in ("Job", "CronJob") or serving < 0:
        return Severity.HIGH
    return Severity.CRITICAL if serving == 0 else Severity.HIGH


def _headline(message: str) -> str:
    """The refusal on one line, without ``Error creating: pods "x" is forbidden:`` and the like."""
    _, marker, rest = message.partition("is forbidden: ")
    text = " ".join((rest if marker else _PREAMBLE.sub("", message)).split())
    return text if len(text) <= 160 else text[:157] + "..."


ANALYZER = Analyzer(
    name="failed-create",
    description="Controllers whose pods the API server refuses (quota, LimitRange, PodSecurity, "
    "missing ServiceAccount, admission webhooks).",
    categories=(Category.WORKLOAD_FAILED_CREATE,),
    analyze=analyze,
)
