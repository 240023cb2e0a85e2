"""CronJobs that missed too many schedules (``TooManyMissedTimes``).

The CronJob controller counts every start time missed since the last run; past 100 it warns.
That means the controller was down, the CronJob was suspended for a long time or a clock is
skewed — and without ``startingDeadlineSeconds`` the count never resets on its own. Failed runs
of a CronJob are reported on their Jobs (attributed to the CronJob), not here.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Sequence
from datetime import timedelta

from kubemedic.analyzers._build import event_evidence, spec_evidence
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._workload import status_evidence, workload_finding
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding, Remediation
from kubemedic.models.k8s import Event, Workload
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-JOB-MISSED-SCHEDULES"
RECENT = timedelta(hours=1)
SUGGESTED_STARTING_DEADLINE = 200
_MISSED = re.compile(r"too many missed start times?:? \(?>?\s*(\d+)", re.IGNORECASE)


def analyze(view: ClusterView) -> Iterator[Finding]:
    for cronjob in view.workloads("CronJob"):
        events = [e for e in view.events_for(cronjob) if _missed(e)]
        if not events:
            continue
        last = events[-1].last_seen  # an undated event is taken as current
        if last is not None and view.observed_at - last > RECENT:
            continue  # an old warning; the controller has been scheduling since
        yield _finding(view, cronjob, events)


def _missed(event: Event) -> bool:
    """``TooManyMissedTimes`` (Kubernetes 1.10 on, worded differently over the years), or the
    older ``FailedNeedsStart`` when it says so ("Cannot determine if job needs to be started:
    Too many missed start time (> 100)"; the reason also covers other errors)."""
    if event.reason == "TooManyMissedTimes":
        return True
    return event.reason == "FailedNeedsStart" and _MISSED.search(event.message) is not None


def _finding(view: ClusterView, cronjob: Workload, events: Sequence[Event]) -> Finding:
    last = events[-1]
    match = _MISSED.search(last.message)
    missed = f"{match.group(1)} " if match else ""
    deadline = cronjob.spec.get("startingDeadlineSeconds")
    schedule = cronjob.spec.get("schedule", "?")
    evidence = [
        event_evidence(last),
        spec_evidence(cronjob, "spec.schedule", f"schedule {schedule!r}"),
        spec_evidence(
            cronjob,
            "spec.startingDeadlineSeconds",
            f"startingDeadlineSeconds {deadline if deadline is not None else 'not set'}",
        ),
    ]
    last_run = cronjob.status.get("lastScheduleTime")
    if last_run:
        evidence.append(status_evidence(cronjob, "lastScheduleTime", f"last run {last_run}"))
    cause = (
        f"The CronJob controller counted {missed}missed start times of schedule {schedule!r} "
        f"since the last run{f' ({last_run})' if last_run else ''}: it was not running, the "
        "CronJob was suspended for a long time, or the controller's clock is skewed."
    )
    if deadline is None:
        cause += (
            " Without startingDeadlineSeconds every missed time since the last run is counted, "
            "so the warning repeats."
        )
    patch = json.dumps(
        {"spec": {"startingDeadlineSeconds": SUGGESTED_STARTING_DEADLINE}}, separators=(",", ":")
    )
    return workload_finding(
        view,
        cronjob,
        id=ID,
        analyzer="cronjobs",
        severity=Severity.MEDIUM,
        category=Category.JOB_MISSED_SCHEDULES,
        summary=f"CronJob {cronjob.name} missed {missed}scheduled runs",
        root_cause=cause,
        evidence=evidence,
        events=events,
        remediation=Remediation(
            summary="Set startingDeadlineSeconds so only recent missed runs count, and check "
            "that kube-controller-manager is healthy and its clock in sync.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="No new TooManyMissedTimes events; the next scheduled run starts "
            "on time.",
            commands=(
                f"kubectl patch {cronjob.ref.kubectl_ref} --type merge -p {shlex.quote(patch)}",
                f"kubectl get {cronjob.ref.kubectl_ref} -o wide",
                "kubectl get pods -n kube-system -l component=kube-controller-manager",
            ),
        ),
    )


ANALYZER = Analyzer(
    name="cronjobs",
    description="CronJobs whose controller reports too many missed start times.",
    categories=(Category.JOB_MISSED_SCHEDULES,),
    analyze=analyze,
)
