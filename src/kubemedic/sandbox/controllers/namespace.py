"""The namespace controller: a deleted namespace empties itself, then goes away."""

from __future__ import annotations

from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.resources import KINDS


class NamespaceController(Controller):
    name = "namespace"
    kind = "Namespace"
    component = "namespace-controller"

    def _reconcile_key(self, key: str) -> None:
        namespace = self.store.try_get("Namespace", "", key.partition("/")[2])
        if namespace is not None and namespace["metadata"].get("deletionTimestamp"):
            self.reconcile(namespace)

    def reconcile(self, namespace: Obj) -> None:
        name = namespace["metadata"]["name"]
        remaining = 0
        for kind, resource in KINDS.items():
            if not resource.namespaced or not resource.stored:
                continue
            for obj in self.store.list(kind, name)[0]:
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.store.delete(kind, name, obj["metadata"]["name"])
                except StoreError:
                    continue
        if remaining:
            self.enqueue("", name, 1.0)
            return

        def finalize(obj: Obj) -> None:
            obj.setdefault("spec", {})["finalizers"] = []
            obj["metadata"]["finalizers"] = [
                f for f in obj["metadata"].get("finalizers") or [] if f != "kubernetes"
            ]

        self.store.mutate("Namespace", "", name, finalize)
