"""Jobs that failed (backoff limit, pod failure policy, failed indexes, active deadline), are
still retrying, or are suspended.

A failed Job's reason is in its failed pods: when their end is known (a crash, an OOM kill),
the finding is that pod-level cause — its category, id and fix — with the Job's state as the
impact ("failed: backoff limit 6 reached", "stopped by podFailurePolicy rule 0", "indexes
1,3 failed"); the Job's own category is left for failures whose pods are gone or ended without
a container verdict. A Job still under its ``backoffLimit`` is "retrying (n/limit)" — worth
knowing, not a failure; completed Jobs and their pods produce nothing, nor does a failed run
of a CronJob that a newer run has since completed; a suspended Job is context only.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubemedic._internal.timeutils import human_duration
from kubemedic.analyzers._build import event_evidence, spec_evidence
from kubemedic.analyzers._job_cause import POD_CATEGORIES, PodCause, pod_cause, with_rerun
from kubemedic.analyzers._job_pods import PodFailure, failure_of, job_pods, last_failure
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._rollout import template_changes
from kubemedic.analyzers._workload import (
    condition_evidence,
    status_evidence,
    workload_finding,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import Condition, Pod, Workload
from kubemedic.models.severity import RiskTier, Severity

if TYPE_CHECKING:  # the pod failure policy rules are imported once a Job gave up
    from kubemedic.analyzers._job_policy import PolicyVerdict

NAME = "jobs"
IDS = {
    Category.JOB_BACKOFF_LIMIT: "KM-JOB-BACKOFF-LIMIT",
    Category.JOB_DEADLINE_EXCEEDED: "KM-JOB-DEADLINE-EXCEEDED",
    Category.JOB_RETRYING: "KM-JOB-RETRYING",
    Category.JOB_SUSPENDED: "KM-JOB-SUSPENDED",
}
DEFAULT_BACKOFF_LIMIT = 6
_NEVER = datetime.min.replace(tzinfo=UTC)


def analyze(view: ClusterView) -> Iterator[Finding]:
    jobs = sorted(view.workloads("Job"), key=lambda j: j.created_at or view.observed_at)
    for job in reversed(jobs):  # newest first: a CronJob's finding describes its latest run
        if job.ref in view.superseded_runs or _condition(job, "Complete", "SuccessCriteriaMet"):
            continue
        failed = _condition(job, "Failed", "FailureTarget")
        if failed is not None and failed.reason == "DeadlineExceeded":
            yield _deadline(view, job, failed)
        elif failed is not None:
            yield _gave_up(view, job, failed)
        elif failed is None and job.spec.get("suspend") is True:
            yield _suspended(view, job)
        elif failed is None and job.status_int("failed") > 0:
            yield _retrying(view, job)


def _condition(job: Workload, *types: str) -> Condition | None:
    """The first of ``types`` (in that order of preference) that the Job reports as True."""
    found = {c.type: c for c in job.conditions if c.is_true}
    return next((found[t] for t in types if t in found), None)


def _gave_up(view: ClusterView, job: Workload, cond: Condition) -> Finding:
    """A Job that failed because its pods did: backoff limit, pod failure policy, indexes."""
    from kubemedic.analyzers._job_policy import (
        budget_spent,
        failed_indexes,
        job_state,
        policy_verdict,
    )

    limit, failed = _backoff(job), job.status_int("failed")
    pods = job_pods(view, job)
    verdict = policy_verdict(job, cond)
    indexes = failed_indexes(job)
    failure = _named_failure(view, job, verdict) or last_failure(
        view, indexes.pods(pods) if indexes and indexes.pods(pods) else pods
    )
    state = job_state(job, cond, verdict, indexes, limit, failed)
    changed, change_evidence = _since_last_success(view, job)
    rerun = _rerun(
        view,
        job,
        "Fix why the pods fail, then run the Job again: a failed Job does not retry by itself.",
        failure,
    )
    cause = pod_cause(view, view.workload_of(job), failure)
    evidence = [
        *_evidence(job, cond, failure, budget_spent(failed, limit, indexes)),
        *state.evidence,
        *change_evidence,
    ]
    return _finding(
        view,
        job,
        Category.JOB_BACKOFF_LIMIT,
        severity=Severity.HIGH,
        summary=_summary(job, state.short, failure, cause),
        root_cause=(
            f"{_last_pod_sentence(failure)} {state.sentence}{changed}"
            if cause
            else f"{state.sentence} {_last_pod_sentence(failure)}{changed}"
        ),
        evidence=evidence,
        pods=_failed(pods, failure),
        since=cond.last_transition,
        remediation=with_rerun(cause, rerun) if cause else rerun,
        cause=cause,
    )


def _named_failure(
    view: ClusterView, job: Workload, verdict: PolicyVerdict | None
) -> PodFailure | None:
    """The pod a pod-failure-policy verdict names, when it is still there."""
    if verdict is None:
        return None
    pod = view.get("Pod", job.namespace, verdict.pod)
    return failure_of(view, pod, verdict.container) if isinstance(pod, Pod) else None


def _summary(job: Workload, state: str, failure: PodFailure | None, cause: PodCause | None) -> str:
    if failure is not None and cause is not None:
        return f"Container {failure.container} fails: {failure.headline}; Job {job.name} {state}"
    headline = f" — last pod: {failure.headline}" if failure else ""
    return f"Job {job.name} {state}{headline}"


def _deadline(view: ClusterView, job: Workload, cond: Condition) -> Finding:
    deadline = job.spec.get("activeDeadlineSeconds")
    seconds = deadline if isinstance(deadline, int) else 0
    pods = job_pods(view, job)
    failure = last_failure(view, pods)
    said = cond.message or "Job was active longer than specified deadline"
    deletions = [e for e in view.events_for(job) if e.reason == "SuccessfulDelete"]
    stopped = [e.message.removeprefix("Deleted pod: ") for e in deletions]
    if failure is None and stopped:
        last = (
            f"The Job controller deleted its running pod {', '.join(stopped)} at the deadline, "
            "so what it was doing is only in logs collected elsewhere."
        )
    else:
        last = _last_pod_sentence(failure)
    changed, change_evidence = _since_last_success(view, job)
    cause = (
        f"Job {job.namespace}/{job.name} ran longer than its activeDeadlineSeconds={seconds}s "
        f"({human_duration(seconds)}): {said}. Kubernetes stops a Job's pods at that point and "
        "marks it Failed, whatever their progress; time spent Pending (scheduling, image "
        f"pulls) counts too. {last}{changed}"
    )
    evidence = [
        *_evidence(job, cond, failure, f"{job.status_int('failed')} failed"),
        spec_evidence(job, "spec.activeDeadlineSeconds", f"activeDeadlineSeconds {seconds}"),
        *(event_evidence(e) for e in deletions[-2:]),
        *change_evidence,
    ]
    started = job.status.get("startTime")
    if isinstance(started, str):
        evidence.append(status_evidence(job, "startTime", f"started at {started}"))
    longer = max(seconds * 2, 60)
    return _finding(
        view,
        job,
        Category.JOB_DEADLINE_EXCEEDED,
        severity=Severity.HIGH,
        summary=f"Job {job.name} failed: active longer than its {human_duration(seconds)} deadline",
        root_cause=cause,
        evidence=evidence,
        pods=_failed(pods, failure),
        since=cond.last_transition,
        remediation=_rerun(
            view,
            job,
            f"Give the Job a deadline it can meet (e.g. activeDeadlineSeconds={longer}) or make "
            "the work faster, then run it again.",
            failure,
            patch={"activeDeadlineSeconds": longer},
        ),
    )


def _retrying(view: ClusterView, job: Workload) -> Finding:
    limit, failed = _backoff(job), job.status_int("failed")
    pods = job_pods(view, job)
    failure = last_failure(view, pods)
    left = limit + 1 - failed
    cause = (
        f"Job {job.namespace}/{job.name} is retrying ({failed}/{limit}): {failed} of its pods "
        f"failed and it keeps trying; it is marked Failed after {left} more "
        f"failure{'s' if left != 1 else ''}. " + _last_pod_sentence(failure)
    )
    facts = f"{failed} failed, {job.status_int('active')} active, backoffLimit {limit}"
    watch = Remediation(
        summary="Fix why its pods fail before the backoff limit is reached; the Job picks "
        "up the fix only if it reads it at start (a ConfigMap, a dependency), not a "
        "template change.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome=f"The next pod of Job {job.name} succeeds and the Job completes.",
        commands=(
            f"kubectl get pods -n {job.namespace} -l job-name={job.name}",
            f"kubectl describe job {job.name} -n {job.namespace}",
        ),
    )
    found = pod_cause(view, view.workload_of(job), failure)
    return _finding(
        view,
        job,
        Category.JOB_RETRYING,
        severity=Severity.MEDIUM,
        summary=_summary(job, f"is retrying ({failed}/{limit})", failure, found),
        root_cause=cause,
        evidence=_evidence(job, None, failure, facts),
        pods=_failed(pods, failure),
        since=job.created_at,
        remediation=with_rerun(found, watch) if found else watch,
        cause=found,
    )


def _suspended(view: ClusterView, job: Workload) -> Finding:
    resume = f"kubectl patch job {job.name} -n {job.namespace} --type merge -p "
    resume += shlex.quote('{"spec":{"suspend":false}}')
    return _finding(
        view,
        job,
        Category.JOB_SUSPENDED,
        severity=Severity.INFO,
        summary=f"Job {job.name} is suspended",
        root_cause=f"Job {job.namespace}/{job.name} has spec.suspend: true, so it runs no pod "
        "until it is resumed (on purpose, or by a queueing controller such as Kueue).",
        evidence=[spec_evidence(job, "spec.suspend", "spec.suspend: true")],
        remediation=Remediation(
            summary="Resume the Job when it should run.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The Job creates its pods.",
            commands=(resume,),
        ),
    )


def _finding(
    view: ClusterView,
    job: Workload,
    category: Category,
    *,
    severity: Severity,
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    remediation: Remediation,
    pods: Sequence[Pod] = (),
    since: datetime | None = None,
    cause: PodCause | None = None,
) -> Finding:
    """A finding about a Job, reported on its CronJob when it has one; with the pods' cause's
    category and id when their failure is known (the Job's category otherwise)."""
    return workload_finding(
        view,
        job,
        id=cause.id if cause else IDS[category],
        analyzer=NAME,
        severity=severity,
        category=cause.category if cause else category,
        summary=summary,
        root_cause=root_cause,
        evidence=evidence,
        remediation=remediation,
        pods=pods,
        since=since,
        related=(job.ref,),
    )


def _failed(pods: Sequence[Pod], failure: PodFailure | None) -> tuple[Pod, ...]:
    """The Job's failed pods still present (the last failure's pod at least)."""
    failed = tuple(p for p in pods if p.phase == "Failed")
    if failure is not None and failure.pod not in failed:
        failed += (failure.pod,)
    return failed


def _since_last_success(view: ClusterView, job: Workload) -> tuple[str, list[Evidence]]:
    """For a CronJob's run: how its pod template differs from the last run that succeeded."""
    owner = job.controller
    if owner is None or job.created_at is None:
        return "", []
    runs = [
        j
        for j in view.workloads("Job")
        if j.namespace == job.namespace
        and j.controller is not None
        and (j.controller.uid or j.controller.name) == (owner.uid or owner.name)
        and j.created_at is not None
        and j.created_at < job.created_at
        and _condition(j, "Complete", "SuccessCriteriaMet")
    ]
    if not runs:
        return "", []
    previous = max(runs, key=lambda j: j.created_at or _NEVER)
    changes = template_changes(previous.pod_template, job.pod_template)
    if not changes:
        return "", []
    listed = "; ".join(changes)
    evidence = Evidence(
        f"run {job.name} differs from the last successful run {previous.name}: {listed}",
        EvidenceSource.RELATED,
        f"Job {job.namespace}/{job.name} spec.template vs "
        f"Job {previous.namespace}/{previous.name} spec.template",
    )
    return f" The last successful run, {previous.name}, had a different template ({listed}).", [
        evidence
    ]


def _backoff(job: Workload) -> int:
    limit = job.spec.get("backoffLimit")
    return limit if isinstance(limit, int) else DEFAULT_BACKOFF_LIMIT


def _last_pod_sentence(failure: PodFailure | None) -> str:
    if failure is None:
        return (
            "No failed pod of the Job is left to read: pods are removed by "
            "ttlSecondsAfterFinished, by the Job controller when it gives up, or by cleanup."
        )
    return f"The last failed pod is {failure.pod.name}: {failure.explanation}"


def _evidence(
    job: Workload, cond: Condition | None, failure: PodFailure | None, counts: str
) -> list[Evidence]:
    evidence = [condition_evidence(job, cond)] if cond is not None else []
    evidence.append(status_evidence(job, "failed", counts))
    if failure is not None:
        evidence += failure.evidence
    return evidence


def _rerun(
    view: ClusterView,
    job: Workload,
    summary: str,
    failure: PodFailure | None,
    patch: dict[str, int] | None = None,
) -> Remediation:
    owner = view.workload_of(job)
    commands = []
    if failure is not None and failure.container:
        commands.append(
            f"kubectl logs {failure.pod.name} -n {job.namespace} -c {failure.container}"
        )
    if owner.kind == "CronJob":
        commands.append(
            f"kubectl create job {owner.name}-retry --from=cronjob/{owner.name} -n {job.namespace}"
        )
        steps = ("After the fix, start a run by hand instead of waiting for the schedule.",)
    else:
        steps = (
            "A finished Job cannot be restarted: delete it and re-apply its manifest after "
            "the fix.",
        )
        commands.append(f"kubectl delete job {job.name} -n {job.namespace}")
    if patch and owner.kind == "CronJob":
        commands.insert(0, _cronjob_patch(owner, patch))
    return Remediation(
        summary=summary,
        risk=RiskTier.LOW,
        reversible=owner.kind == "CronJob",
        expected_outcome="The new run's pods succeed and the Job reaches Complete.",
        steps=steps,
        commands=tuple(commands),
    )


def _cronjob_patch(cronjob: ObjectRef, fields: dict[str, int]) -> str:
    body = json.dumps({"spec": {"jobTemplate": {"spec": fields}}}, separators=(",", ":"))
    return f"kubectl patch {cronjob.kubectl_ref} --type merge -p {shlex.quote(body)}"


ANALYZER = Analyzer(
    name=NAME,
    description="Jobs that gave up on their pods (backoff limit, pod failure policy, failed "
    "indexes), hit their active deadline, are still retrying, or are suspended.",
    categories=(*IDS, *POD_CATEGORIES),
    analyze=analyze,
)
