"""A claim carries ``kubernetes.io/pvc-protection`` and outlives its deletion while in use."""

from __future__ import annotations

from kubemedic.sandbox.tables import TableOptions, to_table
from tests.sandbox.conftest import Cluster

CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "data", "namespace": "apps"},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
}
USER = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "user", "namespace": "apps"},
    "spec": {
        "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "infinity"]}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
    },
}


def test_a_claim_in_use_waits_for_its_pod_before_it_goes(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    created = store.create(CLAIM)
    assert created["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    store.create(USER)
    empty_cluster.wait(
        lambda: (store.get("Pod", "apps", "user").get("status") or {}).get("phase") == "Running",
        "the pod to run",
    )
    store.delete("PersistentVolumeClaim", "apps", "data")
    empty_cluster.clock.sleep(30)
    claim = store.get("PersistentVolumeClaim", "apps", "data")
    assert claim["metadata"]["deletionTimestamp"]
    table = to_table("PersistentVolumeClaim", [claim], empty_cluster.clock.now(), TableOptions())
    assert table["rows"][0]["cells"][1] == "Terminating"
    store.delete("Pod", "apps", "user")
    empty_cluster.wait(
        lambda: store.try_get("PersistentVolumeClaim", "apps", "data") is None,
        "the claim to go once its pod is gone",
    )


def test_an_unused_claim_is_deleted_at_once(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    store.create(CLAIM)
    store.delete("PersistentVolumeClaim", "apps", "data")
    empty_cluster.wait(
        lambda: store.try_get("PersistentVolumeClaim", "apps", "data") is None,
        "the claim to go",
    )
