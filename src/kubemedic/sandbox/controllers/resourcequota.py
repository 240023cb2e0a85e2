"""The resource quota controller: ``status.hard`` and ``status.used`` of every ResourceQuota.

``kubectl describe quota`` and ``kubectl get quota`` read the status; it is recomputed whenever
an object in the quota's namespace changes, so a finished or deleted pod frees its share.
"""

from __future__ import annotations

from kubemedic.sandbox.admission.resourcequota import used
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue


class ResourceQuotaController(Controller):
    name = "resourcequota"
    kind = "ResourceQuota"
    component = "resourcequota-controller"

    def __init__(
        self, store: Store, clock: SimClock, queue: WorkQueue, recorder: EventRecorder
    ) -> None:
        super().__init__(store, clock, queue, recorder)
        self._quotas: dict[str, set[str]] = {}  # namespace → quota names

    def on_change(self, event_type: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "")
        if obj.get("kind") == self.kind:
            names = self._quotas.setdefault(namespace, set())
            if event_type == "DELETED":
                names.discard(str(meta.get("name")))
            else:
                names.add(str(meta.get("name")))
                self.enqueue(namespace, str(meta.get("name")))
            return
        for name in self._quotas.get(namespace, ()):
            self.enqueue(namespace, name)

    def reconcile(self, quota: Obj) -> None:
        hard = dict((quota.get("spec") or {}).get("hard") or {})
        status = {
            "hard": hard,
            "used": {name: str(amount) for name, amount in used(self.store, quota, hard).items()},
        }

        def write(obj: Obj) -> None:
            obj["status"] = status

        meta = quota["metadata"]
        self.store.mutate(self.kind, meta["namespace"], meta["name"], write)
