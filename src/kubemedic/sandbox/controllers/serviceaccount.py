"""The service account controller: every namespace has a ``default`` ServiceAccount.

Pods that name no account run as ``default``; it is created with the namespace and again if
someone deletes it, as kube-controller-manager does.
"""

from __future__ import annotations

from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj

DEFAULT = "default"


class ServiceAccountController(Controller):
    name = "serviceaccount"
    kind = "Namespace"
    component = "service-account-controller"

    def on_change(self, event_type: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Namespace" and event_type != "DELETED":
            self.enqueue("", str(meta.get("name")))
        elif (obj.get("kind"), event_type, meta.get("name")) == (
            "ServiceAccount",
            "DELETED",
            DEFAULT,
        ):
            self.enqueue("", str(meta.get("namespace")))

    def reconcile(self, namespace: Obj) -> None:
        name = namespace["metadata"]["name"]
        if self.store.try_get("ServiceAccount", name, DEFAULT) is not None:
            return
        account = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": DEFAULT, "namespace": name},
        }
        try:
            self.store.create(account)
        except StoreError:
            return  # the namespace is going away, or the account appeared meanwhile
