"""The DaemonSet controller: one pod per eligible node, placed through the scheduler.

Like the real controller it pins each pod to its node with required node affinity on
``metadata.name`` and lets the default scheduler bind it; nodes whose taints the pods do not
tolerate, or whose labels miss the nodeSelector, get no pod.
"""

from __future__ import annotations

import orjson

from kubemedic.sandbox.apierrors import NotFoundError, StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import (
    is_active,
    is_available,
    is_ready,
    owned_pods,
    pod_from_template,
    template_hash,
)
from kubemedic.sandbox.scheduler import matches_node, tolerates

HASH_LABEL = "controller-revision-hash"


def _node_of(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    terms = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or []
    for term in terms:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""


class DaemonSetController(Controller):
    name = "daemonset"
    kind = "DaemonSet"
    component = "daemonset-controller"

    def on_change(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") == "Node" and event_type in ("ADDED", "DELETED", "MODIFIED"):
            for ds in self.store.list("DaemonSet")[0]:
                self.enqueue(ds["metadata"]["namespace"], ds["metadata"]["name"])
            return
        super().on_change(event_type, obj)

    def reconcile(self, ds: Obj) -> None:
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        revision = template_hash(template)
        nodes = self.store.list("Node")[0]
        eligible = {n["metadata"]["name"] for n in nodes if self._eligible(template, n)}
        pods = [p for p in owned_pods(self.store, ds) if is_active(p)]
        by_node: dict[str, list[Obj]] = {}
        for pod in pods:
            by_node.setdefault(_node_of(pod), []).append(pod)
        for node in sorted(eligible - set(by_node)):
            self._create(ds, template, node, revision)
        for node, node_pods in by_node.items():
            extra = node_pods if node not in eligible else node_pods[1:]
            outdated = [
                p
                for p in node_pods[:1]
                if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != revision
            ]
            for pod in extra + outdated:
                self._delete(pod)
        self._write_status(ds, eligible, revision)

    @staticmethod
    def _eligible(template: Obj, node: Obj) -> bool:
        pod_spec = template.get("spec") or {}
        tolerations = list(pod_spec.get("tolerations") or [])
        for taint in (node.get("spec") or {}).get("taints") or []:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
                tolerations, taint
            ):
                return False
        return matches_node(pod_spec, node)

    def _create(self, ds: Obj, template: Obj, node: str, revision: str) -> None:
        copy = orjson.loads(orjson.dumps(template))
        affinity = copy.setdefault("spec", {}).setdefault("affinity", {})
        affinity["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
        pod = pod_from_template(ds, copy, labels={HASH_LABEL: revision})
        try:
            created = self.store.create(pod)
        except StoreError as exc:
            self.event(ds, "Warning", "FailedCreate", f"Error creating: {exc.message}")
            self.sync_failed(ds)
            return
        self.sync_succeeded(ds)
        self.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

    def _delete(self, pod: Obj) -> None:
        try:
            self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        except NotFoundError:
            return

    def _write_status(self, ds: Obj, eligible: set[str], revision: str) -> None:
        pods = [p for p in owned_pods(self.store, ds) if is_active(p)]
        now = self.clock.now()
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        scheduled = [p for p in pods if (p.get("spec") or {}).get("nodeName")]
        available = sum(1 for p in pods if is_available(p, min_ready, now))
        status = {
            "observedGeneration": ds["metadata"].get("generation", 1),
            "desiredNumberScheduled": len(eligible),
            "currentNumberScheduled": len(scheduled),
            "numberMisscheduled": sum(
                1 for p in scheduled if p["spec"]["nodeName"] not in eligible
            ),
            "numberReady": sum(1 for p in pods if is_ready(p)),
            "numberAvailable": available,
            "updatedNumberScheduled": sum(
                1
                for p in scheduled
                if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == revision
            ),
        }
        if len(eligible) - available > 0:
            status["numberUnavailable"] = len(eligible) - available

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate("DaemonSet", ds["metadata"]["namespace"], ds["metadata"]["name"], write)
