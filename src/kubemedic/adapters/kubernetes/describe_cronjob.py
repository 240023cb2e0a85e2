"""CronJobs from ``kubectl describe cronjob`` text.

kubectl prints the schedule, the concurrency policy, whether it is suspended, the history
limits, the starting deadline (``200s``, or ``<unset>``), the job template's pod template,
when it last scheduled a Job and which Jobs are active (``Active Jobs: nightly-28391520``),
then its events: the ones its controller reports (``SuccessfulCreate``, ``TooManyMissedTimes``
or, before Kubernetes 1.8, ``FailedNeedsStart``) are what a diagnosis of it rests on.
"""

from __future__ import annotations

from typing import Any

from kubemedic.adapters.kubernetes.describe_meta import described, flag, key_values, metadata
from kubemedic.adapters.kubernetes.describe_pod import pod_spec
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import Clock, parse_date, stamp

Raw = dict[str, Any]

_NUMBERS = {
    "Successful Job History Limit": "successfulJobsHistoryLimit",
    "Failed Job History Limit": "failedJobsHistoryLimit",
    "Starting Deadline Seconds": "startingDeadlineSeconds",
}
_JOB_NUMBERS = {
    "Parallelism": "parallelism",
    "Completions": "completions",
    "Active Deadline Seconds": "activeDeadlineSeconds",
}


def describe_cronjob(doc: Field, clock: Clock) -> list[Raw]:
    meta = metadata(doc)
    namespace = meta.get("namespace", "")
    spec: Raw = {}
    if schedule := doc.text("Schedule"):
        spec["schedule"] = schedule
    if (zone := doc.text("Time Zone")) and zone != "<unset>":
        spec["timeZone"] = zone
    if policy := doc.text("Concurrency Policy"):
        spec["concurrencyPolicy"] = policy
    if (suspended := flag(doc.text("Suspend"))) is not None:
        spec["suspend"] = suspended
    spec.update(_numbers(doc, _NUMBERS))
    job = _numbers(doc, _JOB_NUMBERS)
    template = doc.child("Pod Template")
    if template is not None:
        labels = key_values(template.child("Labels"), "=")
        job["template"] = {
            "metadata": {"labels": labels} if labels else {},
            "spec": pod_spec(template),
        }
    if job:
        spec["jobTemplate"] = {"spec": job}
    status: Raw = {}
    last = stamp(parse_date(doc.text("Last Schedule Time")))
    if last is not None:
        status["lastScheduleTime"] = last
    active = [
        n.strip() for n in doc.text("Active Jobs").split(",") if n.strip() not in ("", "<none>")
    ]
    if active:
        status["active"] = [
            {"apiVersion": "batch/v1", "kind": "Job", "name": n, "namespace": namespace}
            for n in active
        ]
    parts = {"metadata": meta, "spec": spec, "status": status}
    return described(doc, clock, "batch/v1", "CronJob", parts)


def _numbers(doc: Field, keys: dict[str, str]) -> Raw:
    """The fields among ``keys`` that show a number (``200s`` is 200; ``<unset>`` is none)."""
    found: Raw = {}
    for key, name in keys.items():
        text = doc.text(key).removesuffix("s")
        if text.isdigit():
            found[name] = int(text)
    return found
