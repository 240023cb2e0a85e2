"""The Job controller: run pods to ``completions``, retry failures up to ``backoffLimit``.

Failed pods are replaced after the controller's back-off (10 s doubling); once more pods have
failed than ``backoffLimit`` allows, the Job gets ``Failed=True`` with reason
``BackoffLimitExceeded`` and the message ``Job has reached the specified backoff limit``.
``activeDeadlineSeconds`` ends it with ``DeadlineExceeded`` the same way.
"""

from __future__ import annotations

from datetime import timedelta

from kubemedic._internal.timeutils import format_time, parse_time
from kubemedic.sandbox.apierrors import NotFoundError, StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import (
    is_ready,
    owned_pods,
    pod_from_template,
    set_condition,
)

MAX_BACKOFF = 360.0


def _restarts(pod: Obj) -> int:
    return sum(
        int(s.get("restartCount") or 0)
        for s in (pod.get("status") or {}).get("containerStatuses") or []
    )


class JobController(Controller):
    name = "job"
    kind = "Job"
    component = "job-controller"

    def reconcile(self, job: Obj) -> None:
        spec = job.get("spec") or {}
        meta = job["metadata"]
        if any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in (job.get("status") or {}).get("conditions") or []
        ):
            return
        if spec.get("suspend"):
            return
        now = self.clock.now()
        status = dict(job.get("status") or {})
        status.setdefault("startTime", format_time(now))
        pods = owned_pods(self.store, job)
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        succeeded = phases.count("Succeeded")
        failed = phases.count("Failed") + sum(
            _restarts(p)
            for p in pods
            if spec.get("template", {}).get("spec", {}).get("restartPolicy") == "OnFailure"
        )
        active = [
            p
            for p, phase in zip(pods, phases, strict=True)
            if phase not in ("Succeeded", "Failed") and not p["metadata"].get("deletionTimestamp")
        ]
        completions = int(spec.get("completions", 1))
        parallelism = int(spec.get("parallelism", 1))
        stamp = format_time(now)
        deadline = spec.get("activeDeadlineSeconds")
        started = parse_time(status["startTime"]) or now
        if failed > int(spec.get("backoffLimit", 6)):
            self._finish(
                job,
                status,
                active,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                stamp,
            )
        elif deadline is not None and (now - started).total_seconds() >= float(deadline):
            self._finish(
                job,
                status,
                active,
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
                stamp,
            )
        elif succeeded >= completions:
            set_condition(
                status,
                "SuccessCriteriaMet",
                "True",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                stamp,
            )
            set_condition(
                status,
                "Complete",
                "True",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                stamp,
            )
            status["completionTime"] = stamp
            self.event(job, "Normal", "Completed", "Job completed")
        else:
            wanted = min(parallelism, completions - succeeded) - len(active)
            if wanted > 0 and not self._start(job, spec, wanted, failed, pods, now):
                self.sync_failed(job)
            else:
                self.sync_succeeded(job)
            if deadline is not None:
                self.enqueue(
                    meta["namespace"],
                    meta["name"],
                    float(deadline) - (now - started).total_seconds(),
                )
        status.update(
            active=len([p for p in active if not p["metadata"].get("deletionTimestamp")]),
            succeeded=succeeded,
            failed=failed,
            ready=sum(1 for p in active if is_ready(p)),
            terminating=0,
            uncountedTerminatedPods={},
        )
        if status.get("conditions") and any(
            c["type"] in ("Complete", "Failed") for c in status["conditions"]
        ):
            status["active"] = 0
        for key in ("succeeded", "failed", "active"):
            if not status.get(key):
                status.pop(key, None)

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate("Job", meta["namespace"], meta["name"], write)

    def _start(
        self, job: Obj, spec: Obj, count: int, failed: int, pods: list[Obj], now: object
    ) -> bool:
        """Start up to ``count`` pods; False when the API server refused one."""
        meta = job["metadata"]
        if failed:
            last = max(
                (
                    parse_time((p.get("status") or {}).get("startTime"))
                    for p in pods
                    if (p.get("status") or {}).get("phase") == "Failed"
                ),
                default=None,
                key=lambda t: t or 0,
            )
            wait = min(10.0 * 2 ** (failed - 1), MAX_BACKOFF)
            if last is not None and self.clock.now() < last + timedelta(seconds=wait):
                self.enqueue(
                    meta["namespace"],
                    meta["name"],
                    (last + timedelta(seconds=wait) - self.clock.now()).total_seconds(),
                )
                return True
        labels = {
            "batch.kubernetes.io/controller-uid": meta["uid"],
            "batch.kubernetes.io/job-name": meta["name"],
            "controller-uid": meta["uid"],
            "job-name": meta["name"],
        }
        for _ in range(count):
            pod = pod_from_template(job, spec.get("template") or {}, labels=labels)
            try:
                created = self.store.create(pod)
            except StoreError as exc:
                self.event(job, "Warning", "FailedCreate", f"Error creating: {exc.message}")
                return False
            self.event(
                job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
            )
        return True

    def _finish(
        self, job: Obj, status: Obj, active: list[Obj], reason: str, message: str, stamp: str
    ) -> None:
        set_condition(status, "FailureTarget", "True", reason, message, stamp)
        set_condition(status, "Failed", "True", reason, message, stamp)
        self.event(job, "Warning", reason, message)
        for pod in active:
            try:
                self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
                self.event(
                    job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"
                )
            except NotFoundError:
                continue
