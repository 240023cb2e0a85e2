"""The ReplicaSet controller: keeps ``spec.replicas`` pods alive and reports how many are ready.

Pods are named ``<replicaset>-<5 random characters>``; failed and evicted pods are left behind
(they are not "active") and replaced, which is why evictions leave a trail of Failed pods.
"""

from __future__ import annotations

from datetime import datetime

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.apierrors import NotFoundError, StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import (
    is_active,
    is_available,
    is_ready,
    owned_pods,
    pod_from_template,
    ready_since,
)

BURST = 500
_FAILURE = "ReplicaFailure"


def deletion_rank(pod: Obj) -> tuple[int, int, int, str]:
    """Which pods go first on scale-down: unscheduled, pending, not ready, then the newest."""
    status = pod.get("status") or {}
    scheduled = 1 if (pod.get("spec") or {}).get("nodeName") else 0
    running = 1 if status.get("phase") == "Running" else 0
    ready = 1 if is_ready(pod) else 0
    created = str(pod["metadata"].get("creationTimestamp") or "")
    return (scheduled, running, ready, "".join(chr(0x10FFFF - ord(c)) for c in created))


def replica_counts(pods: list[Obj], min_ready: int, now: datetime) -> tuple[int, int, int]:
    active = [p for p in pods if is_active(p)]
    ready = [p for p in active if is_ready(p)]
    available = [p for p in ready if is_available(p, min_ready, now)]
    return len(active), len(ready), len(available)


def _failure_conditions(rs: Obj, refused: str | None, now: str) -> list[Obj]:
    """``ReplicaFailure`` while pods are refused (the first refusal's words), gone after."""
    kept = [
        c for c in (rs.get("status") or {}).get("conditions") or [] if c.get("type") != _FAILURE
    ]
    current = next(
        (c for c in (rs.get("status") or {}).get("conditions") or [] if c.get("type") == _FAILURE),
        None,
    )
    if refused is None:
        return kept
    failure = current or {
        "type": _FAILURE,
        "status": "True",
        "lastTransitionTime": now,
        "reason": "FailedCreate",
        "message": refused,
    }
    return [*kept, failure]


class ReplicaSetController(Controller):
    name = "replicaset"
    kind = "ReplicaSet"
    component = "replicaset-controller"

    def reconcile(self, rs: Obj) -> None:
        spec = rs.get("spec") or {}
        want = int(spec.get("replicas", 1))
        pods = owned_pods(self.store, rs)
        active = [p for p in pods if is_active(p)]
        diff = len(active) - want
        refused: str | None = None
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                refused = self._create(rs, spec)
                if refused is not None:
                    break
        elif diff > 0:
            for pod in sorted(active, key=deletion_rank)[:diff]:
                self._delete(rs, pod)
        pods = owned_pods(self.store, rs)
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = self.clock.now()
        replicas, ready, available = replica_counts(pods, min_ready, now)
        labels = spec.get("template", {}).get("metadata", {}).get("labels") or {}
        fully = sum(
            1
            for p in pods
            if is_active(p)
            and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
        )
        status = {
            "replicas": replicas,
            "fullyLabeledReplicas": fully,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        if ready > available:
            waits = [
                min_ready - (now - since).total_seconds()
                for p in pods
                if (since := ready_since(p)) is not None
            ]
            self.enqueue(rs["metadata"]["namespace"], rs["metadata"]["name"], max(min(waits), 0.5))

        status["conditions"] = _failure_conditions(rs, refused, format_time(now))
        if refused is None:
            self.sync_succeeded(rs)
        else:
            self.sync_failed(rs)

        def write(obj: Obj) -> None:
            current = obj.get("status") or {}
            merged = {
                k: v
                for k, v in {**current, **status}.items()
                if v not in (0, []) or k == "replicas"
            }
            obj["status"] = merged

        self.store.mutate("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"], write)

    def _create(self, rs: Obj, spec: Obj) -> str | None:
        """Create one pod; the API server's refusal when it will not."""
        pod = pod_from_template(rs, spec.get("template") or {})
        try:
            created = self.store.create(pod)
        except StoreError as exc:
            self.event(rs, "Warning", "FailedCreate", f"Error creating: {exc.message}")
            return exc.message
        self.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        return None

    def _delete(self, rs: Obj, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            self.store.delete("Pod", meta["namespace"], meta["name"])
        except NotFoundError:
            return
        self.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}")
