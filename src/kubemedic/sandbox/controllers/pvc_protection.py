"""The pvc-protection controller: a claim in use is not deleted under its pod.

Every claim is created with the ``kubernetes.io/pvc-protection`` finalizer, so deleting it only
marks it Terminating. This controller removes the finalizer, letting the deletion finish, once
no pod scheduled to a node mounts the claim any more (its pods were deleted), as the real
controller does.
"""

from __future__ import annotations

from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.defaults import PVC_PROTECTION


def _claims(pod: Obj) -> list[str]:
    return [
        str(claim)
        for volume in (pod.get("spec") or {}).get("volumes") or []
        if (claim := (volume.get("persistentVolumeClaim") or {}).get("claimName"))
    ]


class PvcProtectionController(Controller):
    name = "pvc-protection"
    kind = "PersistentVolumeClaim"
    component = "pvc-protection-controller"

    def on_change(self, event_type: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "")
        if obj.get("kind") == self.kind and meta.get("deletionTimestamp"):
            self.enqueue(namespace, str(meta.get("name")))
        elif obj.get("kind") == "Pod" and event_type == "DELETED":
            for claim in _claims(obj):
                self.enqueue(namespace, claim)

    def _reconcile_key(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        pvc = self.store.try_get(self.kind, namespace, name)
        if pvc is not None and pvc["metadata"].get("deletionTimestamp"):
            self.reconcile(pvc)

    def reconcile(self, pvc: Obj) -> None:
        meta = pvc["metadata"]
        if PVC_PROTECTION not in (meta.get("finalizers") or []) or self._in_use(pvc):
            return

        def release(obj: Obj) -> None:
            kept = [f for f in obj["metadata"].get("finalizers") or [] if f != PVC_PROTECTION]
            obj["metadata"]["finalizers"] = kept

        self.store.mutate(self.kind, meta["namespace"], meta["name"], release)

    def _in_use(self, pvc: Obj) -> bool:
        name = pvc["metadata"]["name"]
        return any(
            (pod.get("spec") or {}).get("nodeName") and name in _claims(pod)
            for pod in self.store.list("Pod", pvc["metadata"]["namespace"])[0]
        )
