"""The PersistentVolume controller and a local-path provisioner: claims bind or say why not.

A claim whose StorageClass exists gets a fresh PersistentVolume ``pvc-<uid>`` and both turn
Bound; a claim naming a missing class stays Pending with the persistentvolume-controller's
``ProvisioningFailed`` event ``storageclass.storage.k8s.io "x" not found``. Classes with
``WaitForFirstConsumer`` wait for the scheduler to pick a node.
"""

from __future__ import annotations

import contextlib

from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj

RETRY_SECONDS = 15.0
SELECTED_NODE = "volume.kubernetes.io/selected-node"
LOCAL_PATH = "/var/local-path-provisioner"


class StorageController(Controller):
    name = "storage"
    kind = "PersistentVolumeClaim"
    component = "persistentvolume-controller"

    def on_change(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") == "StorageClass":
            for pvc in self.store.list("PersistentVolumeClaim")[0]:
                if (pvc.get("status") or {}).get("phase") != "Bound":
                    self.enqueue(pvc["metadata"]["namespace"], pvc["metadata"]["name"])
            return
        if obj.get("kind") == "PersistentVolumeClaim" and event_type != "DELETED":
            super().on_change(event_type, obj)

    def storage_class(self, pvc: Obj) -> tuple[str, Obj | None]:
        name = (pvc.get("spec") or {}).get("storageClassName")
        if name:
            return str(name), self.store.try_get("StorageClass", "", str(name))
        for sc in self.store.list("StorageClass")[0]:
            if (sc["metadata"].get("annotations") or {}).get(
                "storageclass.kubernetes.io/is-default-class"
            ) == "true":
                return str(sc["metadata"]["name"]), sc
        return "", None

    def reconcile(self, pvc: Obj) -> None:
        meta = pvc["metadata"]
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return
        name, sc = self.storage_class(pvc)
        if not name:
            self._pending(pvc)
            self.event(
                pvc,
                "Normal",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            )
            return
        if sc is None:
            self._pending(pvc)
            self.event(
                pvc,
                "Warning",
                "ProvisioningFailed",
                f'storageclass.storage.k8s.io "{name}" not found',
            )
            self.enqueue(meta["namespace"], meta["name"], RETRY_SECONDS)
            return
        node = (meta.get("annotations") or {}).get(SELECTED_NODE)
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            self._pending(pvc)
            self.event(
                pvc,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
            )
            return
        self.provision(pvc, sc)

    def select_node(self, pod: Obj, node: str) -> None:
        """The scheduler chose ``node`` for ``pod``: provision its waiting claims there."""
        namespace = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            pvc = (
                self.store.try_get("PersistentVolumeClaim", namespace, str(claim))
                if claim
                else None
            )
            if pvc is None or (pvc.get("status") or {}).get("phase") == "Bound":
                continue

            def mark(obj: Obj) -> None:
                obj["metadata"].setdefault("annotations", {})[SELECTED_NODE] = node

            marked = self.store.mutate("PersistentVolumeClaim", namespace, str(claim), mark)
            _, sc = self.storage_class(pvc)
            if marked is not None and sc is not None:
                self.provision(marked, sc)

    def _pending(self, pvc: Obj) -> None:
        def write(obj: Obj) -> None:
            obj["status"] = {"phase": "Pending"}

        self.store.mutate(
            "PersistentVolumeClaim", pvc["metadata"]["namespace"], pvc["metadata"]["name"], write
        )

    def provision(self, pvc: Obj, sc: Obj) -> None:
        meta = pvc["metadata"]
        spec = pvc.get("spec") or {}
        provisioner = str(sc.get("provisioner") or "rancher.io/local-path")
        volume = f"pvc-{meta['uid']}"
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        modes = spec.get("accessModes") or ["ReadWriteOnce"]
        pv = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": volume,
                "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
                "finalizers": ["kubernetes.io/pv-protection"],
            },
            "spec": {
                "capacity": {"storage": size},
                "accessModes": modes,
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "hostPath": {
                    "path": f"{LOCAL_PATH}/{volume}_{meta['namespace']}_{meta['name']}",
                    "type": "DirectoryOrCreate",
                },
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta["uid"],
                },
            },
        }
        self.event(
            pvc,
            "Normal",
            "Provisioning",
            "External provisioner is provisioning volume for claim "
            f'"{meta["namespace"]}/{meta["name"]}"',
        )
        with contextlib.suppress(StoreError):  # provisioned by an earlier attempt
            self.store.create(pv)
        self._bind_volume(volume)

        def bind(obj: Obj) -> None:
            obj["spec"]["volumeName"] = volume
            obj["spec"].setdefault("storageClassName", sc["metadata"]["name"])
            annotations = obj["metadata"].setdefault("annotations", {})
            annotations["pv.kubernetes.io/bind-completed"] = "yes"
            annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
            annotations["volume.kubernetes.io/storage-provisioner"] = provisioner
            obj["status"] = {"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}}

        self.store.mutate("PersistentVolumeClaim", meta["namespace"], meta["name"], bind)
        self.event(
            pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {volume}"
        )

    def _bind_volume(self, name: str) -> None:
        def bound(obj: Obj) -> None:
            obj["status"] = {"phase": "Bound"}

        self.store.mutate("PersistentVolume", "", name, bound)
