"""kubemedic's writer against the sandbox: reads, patches, dry runs, conflicts and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.adapters.kubernetes.writer import ClusterWriter, PatchType
from kubemedic.errors import ClusterError, Conflict, Forbidden, InputError, NotFound
from kubemedic.models.findings import ObjectRef
from kubemedic.sandbox.statedir import READONLY_CONTEXT
from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e

WEB = ObjectRef("Deployment", "web", "default")
HPA = ObjectRef("HorizontalPodAutoscaler", "web", "default")


def writer_for(sandbox: Sandbox, *, context: str | None = None) -> ClusterWriter:
    return ClusterWriter.connect(context=context, kubeconfig=sandbox.kubeconfig, timeout=10)


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27.2"}]},
            },
        },
    }


def hpa(target: str) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": 2,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def test_reads_what_the_cluster_holds_without_secret_values(sandbox: Sandbox) -> None:
    with writer_for(sandbox) as writer:
        backend = writer.get(ObjectRef("Deployment", "backend", "todo"))
        pods = sandbox.wait_for(
            lambda: writer.list("Pod", "todo", label_selector="app=backend"), what="backend pods"
        )
        secret = writer.get(ObjectRef("Secret", "backend-secrets", "todo"))
        with pytest.raises(NotFound, match='Deployment "nope" not found in namespace "todo"'):
            writer.get(ObjectRef("Deployment", "nope", "todo"))
        with pytest.raises(InputError, match="never holds Secret values"):
            writer.replace(ObjectRef("Secret", "backend-secrets", "todo"), secret)

    assert backend["spec"]["replicas"] == 2
    assert len(pods) == 2
    assert {p["kind"] for p in pods} == {"Pod"}
    assert {p["metadata"]["labels"]["app"] for p in pods} == {"backend"}
    assert secret["data"]
    assert set(secret["data"].values()) == {""}  # key names only


def test_a_dry_run_changes_nothing_and_the_real_patch_applies(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as writer:
        preview = writer.create("Deployment", "default", deployment("web"), dry_run=True)
        with pytest.raises(NotFound):
            writer.get(WEB)
        writer.create("Deployment", "default", deployment("web"))
        before = writer.get(WEB)

        planned = writer.patch(
            WEB, {"spec": {"replicas": 3}}, patch_type=PatchType.STRATEGIC, dry_run=True
        )
        unchanged = writer.get(WEB)
        applied = writer.patch(WEB, {"spec": {"replicas": 3}}, patch_type=PatchType.STRATEGIC)
        after = writer.get(WEB)

    assert preview["metadata"]["name"] == "web"
    assert planned["spec"]["replicas"] == 3
    assert unchanged == before
    assert applied["spec"]["replicas"] == after["spec"]["replicas"] == 3
    assert after["metadata"]["generation"] == 2


def test_every_patch_type_reaches_the_object(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as writer:
        writer.create("Deployment", "default", deployment("web"))
        writer.patch(WEB, {"spec": {"paused": True}}, patch_type=PatchType.MERGE)
        image = [
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/image",
                "value": "nginx:1.27.3",
            }
        ]
        patched = writer.patch(WEB, image, patch_type=PatchType.JSON)
        with pytest.raises(InputError, match="must be a list of operations"):
            writer.patch(WEB, {"spec": {}}, patch_type=PatchType.JSON)

    assert patched["spec"]["paused"] is True
    assert patched["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27.3"


def test_a_change_planned_on_a_stale_read_is_a_conflict(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as writer:
        writer.create("Deployment", "default", deployment("web"))
        read = writer.get(WEB)
        writer.patch(WEB, {"spec": {"replicas": 2}}, patch_type=PatchType.MERGE)  # someone else
        stale = {"metadata": {"resourceVersion": read["metadata"]["resourceVersion"]}}

        with pytest.raises(Conflict) as patched:
            writer.patch(WEB, stale | {"spec": {"replicas": 5}}, patch_type=PatchType.STRATEGIC)
        with pytest.raises(Conflict) as replaced:
            writer.replace(WEB, read | {"spec": read["spec"] | {"replicas": 5}})
        current = writer.get(WEB)

    for caught in (patched, replaced):
        assert caught.value.message.startswith(
            'Deployment "web" in namespace "default" changed since it was read'
        )
    assert current["spec"]["replicas"] == 2


def test_hpa_created_and_deleted_after_dry_runs(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as writer:
        writer.create("Deployment", "default", deployment("web"))
        writer.create("HorizontalPodAutoscaler", "default", hpa("web"), dry_run=True)
        with pytest.raises(NotFound):
            writer.get(HPA)
        created = writer.create("HorizontalPodAutoscaler", "default", hpa("web"))
        with pytest.raises(Conflict) as exists:
            writer.create("HorizontalPodAutoscaler", "default", hpa("web"))

        lingering = writer.delete(HPA, dry_run=True)
        still_there = writer.get(HPA)
        with pytest.raises(Conflict, match="Precondition failed: UID"):
            writer.delete(HPA, uid="4b0c0c3e-0000-4000-8000-000000000000")
        deleted = writer.delete(HPA, uid=created["metadata"]["uid"])
        with pytest.raises(NotFound):
            writer.get(HPA)

    assert created["spec"]["maxReplicas"] == 5
    assert exists.value.message.startswith(
        'HorizontalPodAutoscaler "web" in namespace "default" already exists'
    )
    assert lingering is not None
    assert lingering["metadata"]["uid"] == created["metadata"]["uid"]
    assert still_there["metadata"]["uid"] == created["metadata"]["uid"]
    assert deleted is None


def test_an_invalid_change_is_refused_with_the_api_reason(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as writer:
        writer.create("Deployment", "default", deployment("web"))
        with pytest.raises(ClusterError) as refused:
            writer.patch(WEB, {"spec": {"replicas": -1}}, patch_type=PatchType.MERGE, dry_run=True)
        with pytest.raises(ClusterError) as misnamed:
            writer.create("Deployment", "default", deployment("Web_1"))

    assert refused.value.message == (
        'the API server refused to patch Deployment "web" in namespace "default": '
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0"
    )
    assert misnamed.value.message.startswith(
        'the API server refused to create Deployment "Web_1" in namespace "default": '
        'Deployment.apps "Web_1" is invalid: metadata.name: Invalid value: "Web_1"'
    )


def test_a_read_only_identity_is_refused_with_the_check_to_run(bare_sandbox: Sandbox) -> None:
    with writer_for(bare_sandbox) as admin:
        admin.create("Deployment", "default", deployment("web"))
    with writer_for(bare_sandbox, context=READONLY_CONTEXT) as viewer:
        assert viewer.get(WEB)["metadata"]["name"] == "web"
        with pytest.raises(Forbidden) as refused:
            viewer.patch(WEB, {"spec": {"replicas": 0}}, patch_type=PatchType.STRATEGIC)

    assert 'User "kubemedic-viewer" cannot patch resource "deployments"' in refused.value.message
    assert refused.value.hint == (
        "check with: kubectl auth can-i patch deployments.apps -n default "
        f"--context {READONLY_CONTEXT}"
    )


def test_pod_metrics_of_a_namespace(sandbox: Sandbox) -> None:
    def backend_metrics() -> list[dict[str, Any]]:
        metrics = writer.pod_metrics("todo") or []
        return [m for m in metrics if m["metadata"]["name"].startswith("backend-")]

    with writer_for(sandbox) as writer:
        backend = sandbox.wait_for(backend_metrics, what="metrics of the backend pods")

    assert {m["kind"] for m in backend} == {"PodMetrics"}
    assert all(m["containers"][0]["usage"]["cpu"] for m in backend)
