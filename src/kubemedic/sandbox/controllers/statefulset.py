"""The StatefulSet controller: ordinal pods ``<set>-<n>`` with their own PersistentVolumeClaims.

With the default OrderedReady policy pod ``n+1`` is created only once pod ``n`` is Running and
Ready, so one broken replica stalls the rest, as on a real cluster. Claims come from
``volumeClaimTemplates`` as ``<claim>-<set>-<n>`` and outlive the pods.
"""

from __future__ import annotations

import orjson

from kubemedic.sandbox.apierrors import AlreadyExistsError, NotFoundError, StoreError
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import (
    is_active,
    is_available,
    is_ready,
    owned_pods,
    pod_from_template,
    template_hash,
)

REVISION_LABEL = "controller-revision-hash"


class StatefulSetController(Controller):
    name = "statefulset"
    kind = "StatefulSet"
    component = "statefulset-controller"

    def reconcile(self, sts: Obj) -> None:
        spec = sts.get("spec") or {}
        meta = sts["metadata"]
        want = int(spec.get("replicas", 1))
        revision = f"{meta['name']}-{template_hash(spec.get('template') or {})}"
        pods = {p["metadata"]["name"]: p for p in owned_pods(self.store, sts)}
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        for ordinal in range(want):
            name = f"{meta['name']}-{ordinal}"
            pod = pods.get(name)
            if pod is None:
                self._create(sts, spec, name, ordinal, revision)
                if ordered:
                    break
                continue
            if not is_active(pod):
                if (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
                    self._delete(pod)
                break
            if ordered and not is_ready(pod):
                break
        for name, pod in sorted(pods.items(), reverse=True):
            if int(name.rsplit("-", 1)[-1]) >= want and not pod["metadata"].get(
                "deletionTimestamp"
            ):
                self._delete(pod)
                break
        self._update(sts, pods, want, revision)
        self._write_status(sts, revision)

    def _update(self, sts: Obj, pods: dict[str, Obj], want: int, revision: str) -> None:
        """RollingUpdate: replace the highest-ordinal outdated pod once all others are ready."""
        strategy = ((sts.get("spec") or {}).get("updateStrategy") or {}).get(
            "type", "RollingUpdate"
        )
        if strategy != "RollingUpdate" or len(pods) < want:
            return
        if not all(is_ready(p) for p in pods.values()):
            return
        for name in sorted(pods, key=lambda n: -int(n.rsplit("-", 1)[-1])):
            pod = pods[name]
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision:
                self._delete(pod)
                return

    def _create(self, sts: Obj, spec: Obj, name: str, ordinal: int, revision: str) -> None:
        template = orjson.loads(orjson.dumps(spec.get("template") or {}))
        volumes = template.setdefault("spec", {}).setdefault("volumes", [])
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            self._claim(sts, claim, claim_name, name)
            volumes.append(
                {
                    "name": claim["metadata"]["name"],
                    "persistentVolumeClaim": {"claimName": claim_name},
                }
            )
        labels = {
            REVISION_LABEL: revision,
            "statefulset.kubernetes.io/pod-name": name,
            "apps.kubernetes.io/pod-index": str(ordinal),
        }
        pod = pod_from_template(sts, template, name=name, labels=labels)
        pod["spec"].setdefault("hostname", name)
        if spec.get("serviceName"):
            pod["spec"].setdefault("subdomain", spec["serviceName"])
        try:
            self.store.create(pod)
        except AlreadyExistsError:
            return
        except StoreError as exc:
            self.event(
                sts,
                "Warning",
                "FailedCreate",
                f"create Pod {name} in StatefulSet {sts['metadata']['name']} failed error: "
                f"{exc.message}",
            )
            self.sync_failed(sts)
            return
        self.sync_succeeded(sts)
        self.event(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful",
        )

    def _claim(self, sts: Obj, template: Obj, name: str, pod: str) -> None:
        namespace = sts["metadata"]["namespace"]
        if self.store.try_get("PersistentVolumeClaim", namespace, name) is not None:
            return
        labels = {**((sts.get("spec") or {}).get("selector") or {}).get("matchLabels", {})}
        claim = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": orjson.loads(orjson.dumps(template.get("spec") or {})),
        }
        try:
            self.store.create(claim)
        except StoreError as exc:
            self.event(
                sts,
                "Warning",
                "FailedCreate",
                f"create Claim {name} for Pod {pod} in StatefulSet {sts['metadata']['name']} "
                f"failed error: {exc.message}",
            )
            return
        self.event(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Claim {name} Pod {pod} in StatefulSet {sts['metadata']['name']} success",
        )

    def _delete(self, pod: Obj) -> None:
        try:
            self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        except NotFoundError:
            return

    def _write_status(self, sts: Obj, revision: str) -> None:
        pods = [p for p in owned_pods(self.store, sts) if is_active(p)]
        now = self.clock.now()
        min_ready = int((sts.get("spec") or {}).get("minReadySeconds") or 0)
        updated = sum(
            1 for p in pods if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
        )
        revisions = sorted(
            {(p["metadata"].get("labels") or {}).get(REVISION_LABEL, revision) for p in pods}
        )
        current = (
            revisions[0]
            if len(revisions) == 1
            else next((r for r in revisions if r != revision), revision)
        )
        status = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": sum(1 for p in pods if is_ready(p)),
            "currentReplicas": sum(
                1
                for p in pods
                if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == current
            ),
            "updatedReplicas": updated,
            "availableReplicas": sum(1 for p in pods if is_available(p, min_ready, now)),
            "currentRevision": current,
            "updateRevision": revision,
            "collisionCount": 0,
        }

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate(
            "StatefulSet", sts["metadata"]["namespace"], sts["metadata"]["name"], write
        )
