"""The Deployment controller: ReplicaSets per template, rolling updates, rollbacks, conditions.

A template change creates ReplicaSet ``<deployment>-<pod-template-hash>`` with the next
``deployment.kubernetes.io/revision``; the rolling update then scales new up and old down
within ``maxSurge`` / ``maxUnavailable``. ``kubectl rollout undo`` copies an old ReplicaSet's
template back, so the matching ReplicaSet is adopted as new and gets the next revision. The
Progressing condition times out after ``progressDeadlineSeconds`` with the real message.
"""

from __future__ import annotations

from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time, parse_time
from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import (
    condition,
    int_or_percent,
    owned,
    owner_ref,
    set_condition,
    template_hash,
)

REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"


def revision(rs: Obj) -> int:
    value = str((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    return int(value) if value.isdigit() else 0


def _bare_template(rs: Obj) -> Any:
    template = orjson.loads(orjson.dumps((rs.get("spec") or {}).get("template") or {}))
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return template


def _replicas(rs: Obj) -> int:
    return int((rs.get("spec") or {}).get("replicas", 0))


def _status(rs: Obj, field: str) -> int:
    return int((rs.get("status") or {}).get(field) or 0)


class DeploymentController(Controller):
    name = "deployment"
    kind = "Deployment"
    component = "deployment-controller"

    def reconcile(self, deployment: Obj) -> None:
        spec = deployment.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        sets = owned(self.store, "ReplicaSet", deployment)
        template = orjson.loads(orjson.dumps(spec.get("template") or {}))
        new = next((rs for rs in sets if _bare_template(rs) == template), None)
        old = [rs for rs in sets if rs is not new]
        surge, unavailable = self._bounds(spec, replicas)
        paused = bool(spec.get("paused"))
        created = False
        if new is None and not paused:
            new = self._create_new(deployment, template, old, replicas, surge)
            created = new is not None
        elif new is not None and old and revision(new) <= max(revision(rs) for rs in old):
            new = self._bump_revision(new, max(revision(rs) for rs in old) + 1)
        if not paused and new is not None:
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(deployment, new, old, replicas)
            else:
                self._roll(deployment, new, old, replicas, surge, unavailable)
            self._clean_up(deployment, old, int(spec.get("revisionHistoryLimit", 10)))
        self._write_status(
            deployment,
            new,
            owned(self.store, "ReplicaSet", deployment),
            replicas,
            unavailable,
            created,
        )

    @staticmethod
    def _bounds(spec: Obj, replicas: int) -> tuple[int, int]:
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        surge = int_or_percent(rolling.get("maxSurge", "25%"), replicas, round_up=True)
        unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            return 0, replicas
        return surge, unavailable

    def _create_new(
        self, deployment: Obj, template: Obj, old: list[Obj], replicas: int, surge: int
    ) -> Obj | None:
        meta = deployment["metadata"]
        pod_hash = template_hash(template)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = orjson.loads(orjson.dumps((deployment.get("spec") or {}).get("selector") or {}))
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        name = f"{meta['name']}-{pod_hash}"
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {
                    REVISION: str(max((revision(r) for r in old), default=0) + 1),
                    DESIRED: str(replicas),
                    MAX_REPLICAS: str(replicas + surge),
                },
                "ownerReferences": [owner_ref(deployment)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int((deployment.get("spec") or {}).get("minReadySeconds") or 0),
                "selector": selector,
                "template": template,
            },
        }
        try:
            return self.store.create(rs)
        except StoreError as exc:
            self.event(
                deployment,
                "Warning",
                "FailedCreate",
                f"Failed to create new replica set {name!r}: {exc.message}",
            )
            return None

    def _bump_revision(self, rs: Obj, value: int) -> Obj:
        def bump(obj: Obj) -> None:
            obj["metadata"].setdefault("annotations", {})[REVISION] = str(value)

        return (
            self.store.mutate(
                "ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"], bump
            )
            or rs
        )

    def _scale(self, deployment: Obj, rs: Obj, count: int, desired: int, surge: int) -> Obj:
        before = _replicas(rs)

        def scale(obj: Obj) -> None:
            obj["spec"]["replicas"] = count
            annotations = obj["metadata"].setdefault("annotations", {})
            annotations[DESIRED] = str(desired)
            annotations[MAX_REPLICAS] = str(desired + surge)

        updated = self.store.mutate(
            "ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"], scale
        )
        if before != count:
            verb = "up" if count > before else "down"
            self.event(
                deployment,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {verb} replica set {rs['metadata']['name']} from {before} to {count}",
            )
        return updated or rs

    def _recreate(self, deployment: Obj, new: Obj, old: list[Obj], replicas: int) -> None:
        active_old = [rs for rs in old if _replicas(rs) > 0]
        for rs in active_old:
            self._scale(deployment, rs, 0, replicas, 0)
        drained = all(_status(rs, "replicas") == 0 for rs in old)
        if not active_old and drained and _replicas(new) != replicas:
            self._scale(deployment, new, replicas, replicas, 0)

    def _roll(
        self, deployment: Obj, new: Obj, old: list[Obj], replicas: int, surge: int, unavailable: int
    ) -> None:
        active_old = [rs for rs in old if _replicas(rs) > 0]
        if not active_old:
            if _replicas(new) != replicas:
                self._scale(deployment, new, replicas, replicas, surge)
            return
        total = _replicas(new) + sum(_replicas(rs) for rs in active_old)
        if _replicas(new) > replicas:
            new = self._scale(deployment, new, replicas, replicas, surge)
        elif total < replicas + surge and _replicas(new) < replicas:
            step = min(replicas + surge - total, replicas - _replicas(new))
            new = self._scale(deployment, new, _replicas(new) + step, replicas, surge)
        total = _replicas(new) + sum(_replicas(rs) for rs in active_old)
        min_available = replicas - unavailable
        new_unavailable = _replicas(new) - _status(new, "availableReplicas")
        budget = total - min_available - new_unavailable
        if budget <= 0:
            return
        for rs in sorted(active_old, key=revision):  # unhealthy old replicas go first
            broken = max(_replicas(rs) - _status(rs, "availableReplicas"), 0)
            cut = min(broken, budget)
            if cut:
                self._scale(deployment, rs, _replicas(rs) - cut, replicas, surge)
                budget -= cut
                rs["spec"]["replicas"] = _replicas(rs) - cut
        available = _status(new, "availableReplicas") + sum(
            _status(rs, "availableReplicas") for rs in active_old
        )
        budget = min(budget, available - min_available)
        for rs in sorted(active_old, key=revision):
            if budget <= 0:
                break
            cut = min(_replicas(rs), budget)
            if cut:
                self._scale(deployment, rs, _replicas(rs) - cut, replicas, surge)
                budget -= cut

    def _clean_up(self, deployment: Obj, old: list[Obj], limit: int) -> None:
        idle = [rs for rs in old if _replicas(rs) == 0 and _status(rs, "replicas") == 0]
        for rs in sorted(idle, key=revision)[: max(len(idle) - limit, 0)]:
            try:
                self.store.delete("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"])
            except StoreError:
                continue

    def _write_status(
        self,
        deployment: Obj,
        new: Obj | None,
        sets: list[Obj],
        replicas: int,
        unavailable: int,
        created: bool,
    ) -> None:
        spec = deployment.get("spec") or {}
        meta = deployment["metadata"]
        now = self.clock.now()
        stamp = format_time(now)
        new = next(
            (
                rs
                for rs in sets
                if new is not None and rs["metadata"]["uid"] == new["metadata"]["uid"]
            ),
            new,
        )
        total = sum(_status(rs, "replicas") for rs in sets)
        counts = {
            "replicas": total,
            "updatedReplicas": _status(new, "replicas") if new else 0,
            "readyReplicas": sum(_status(rs, "readyReplicas") for rs in sets),
            "availableReplicas": sum(_status(rs, "availableReplicas") for rs in sets),
        }
        previous = deployment.get("status") or {}
        status: Obj = {"observedGeneration": meta.get("generation", 1), **counts}
        status["conditions"] = list(previous.get("conditions") or [])
        missing = replicas - counts["availableReplicas"]
        if missing > 0:
            status["unavailableReplicas"] = missing
        if counts["availableReplicas"] >= replicas - unavailable:
            set_condition(
                status,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                stamp,
            )
        else:
            set_condition(
                status,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                stamp,
            )
        name = new["metadata"]["name"] if new else ""
        deadline = float(spec.get("progressDeadlineSeconds", 600))
        progressing = condition(deployment, "Progressing")
        complete = (
            new is not None
            and counts["updatedReplicas"] == replicas
            and counts["availableReplicas"] >= replicas
            and total == replicas
            and _replicas(new) == replicas
        )
        if spec.get("paused"):
            set_condition(
                status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", stamp
            )
        elif created:
            set_condition(
                status,
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                f'Created new replica set "{name}"',
                stamp,
                touch=True,
            )
        elif complete:
            set_condition(
                status,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}" has successfully progressed.',
                stamp,
            )
        else:
            moved = any(
                counts[k] > int(previous.get(k) or 0)
                for k in ("updatedReplicas", "readyReplicas", "availableReplicas")
            )
            moved = moved or total < int(previous.get("replicas") or 0) or progressing is None
            moved = moved or (progressing or {}).get("reason") in (
                "NewReplicaSetAvailable",
                "DeploymentResumed",
                "DeploymentPaused",
            )
            if moved:
                set_condition(
                    status,
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    f'ReplicaSet "{name}" is progressing.',
                    stamp,
                    touch=True,
                )
            else:
                last = parse_time((progressing or {}).get("lastUpdateTime")) or now
                left = deadline - (now - last).total_seconds()
                if left <= 0 and (progressing or {}).get("status") == "True":
                    set_condition(
                        status,
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        f'ReplicaSet "{name}" has timed out progressing.',
                        stamp,
                    )
                elif left > 0:
                    self.enqueue(meta["namespace"], meta["name"], left + 0.5)

        _copy_replica_failure(status, new, sets)

        def write(obj: Obj) -> None:
            obj["status"] = status
            if new is not None:
                annotations = obj["metadata"].setdefault("annotations", {})
                annotations[REVISION] = str(revision(new))

        self.store.mutate("Deployment", meta["namespace"], meta["name"], write)


def _copy_replica_failure(status: Obj, new: Obj | None, sets: list[Obj]) -> None:
    """A ReplicaSet's ``ReplicaFailure`` (the new one's first) shows on the Deployment too."""
    ordered = ([new] if new is not None else []) + [s for s in sets if s is not new]
    failure = next((c for rs in ordered if (c := condition(rs, "ReplicaFailure"))), None)
    kept = [c for c in status["conditions"] if c.get("type") != "ReplicaFailure"]
    if failure is not None:
        stamp = failure.get("lastTransitionTime")
        kept.append({**failure, "lastUpdateTime": stamp, "lastTransitionTime": stamp})
    status["conditions"] = kept
