"""What the writer sends, and how it reports a write the API server refuses, fails or throttles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.writer import ClusterWriter, PatchType
from kubemedic.errors import ClusterError, Conflict, Forbidden, Unauthorized
from kubemedic.models.findings import ObjectRef

from . import cluster
from .conftest import Sleeps, write_kubeconfig
from .fake_api import FakeApiServer, Reply, status

WEB = ObjectRef("Deployment", "web", "shop")
WEB_PATH = "/apis/apps/v1/namespaces/shop/deployments/web"
HPAS = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"
HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web"},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5},
}


def writer(kubeconfig: Path, sleeps: Sleeps | None = None) -> ClusterWriter:
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5, sleep=sleeps or Sleeps())
    return ClusterWriter(client)


def test_writes_say_who_changes_what_and_which_merge_to_apply(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    deployment = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": cluster.meta("web")}
    api.script(WEB_PATH, *[Reply(200, deployment)] * 4)
    with writer(kubeconfig) as client:
        client.patch(WEB, {"spec": {"replicas": 3}}, patch_type=PatchType.STRATEGIC, dry_run=True)
        client.patch(WEB, {"spec": {"paused": True}}, patch_type=PatchType.MERGE)
        client.patch(WEB, [{"op": "remove", "path": "/spec/paused"}], patch_type=PatchType.JSON)
        client.delete(WEB, uid="u-1", resource_version="48190")

    dry_run, merge, json_patch, delete = api.received
    assert [r.method for r in api.received] == ["PATCH", "PATCH", "PATCH", "DELETE"]
    assert dry_run.query == {"fieldManager": "kubemedic", "dryRun": "All"}
    assert merge.query == json_patch.query == {"fieldManager": "kubemedic"}
    assert [r.content_type for r in (dry_run, merge, json_patch)] == [
        "application/strategic-merge-patch+json",
        "application/merge-patch+json",
        "application/json-patch+json",
    ]
    assert json.loads(json_patch.body) == [{"op": "remove", "path": "/spec/paused"}]
    assert json.loads(delete.body) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "preconditions": {"uid": "u-1", "resourceVersion": "48190"},
    }


def test_a_refused_patch_names_the_verb_the_resource_and_the_check(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    message = (
        'deployments.apps "web" is forbidden: User "ci-bot" cannot patch resource "deployments" '
        'in API group "apps" in the namespace "shop"'
    )
    api.script(WEB_PATH, Reply(403, status(403, "Forbidden", message)), Reply(403, {}))
    with writer(kubeconfig) as client:
        with pytest.raises(Forbidden) as worded:
            client.patch(WEB, {"spec": {"replicas": 0}}, patch_type=PatchType.STRATEGIC)
        with pytest.raises(Forbidden) as bare:
            client.delete(WEB)

    assert worded.value.message == message
    assert worded.value.hint == (
        "check with: kubectl auth can-i patch deployments.apps -n shop --context fake"
    )
    assert bare.value.message == 'not allowed to delete deployments.apps in namespace "shop"'
    assert bare.value.hint == (
        "check with: kubectl auth can-i delete deployments.apps -n shop --context fake"
    )


def test_a_conflict_says_the_object_changed_and_never_repeats_the_body(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    message = (
        'Operation cannot be fulfilled on secrets "db": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )
    api.script("/api/v1/namespaces/shop/secrets/db", Reply(409, status(409, "Conflict", message)))
    patch = {"metadata": {"resourceVersion": "41"}, "data": {"password": cluster.SECRET_VALUE}}
    with writer(kubeconfig) as client, pytest.raises(Conflict) as caught:
        client.patch(ObjectRef("Secret", "db", "shop"), patch, patch_type=PatchType.MERGE)

    assert caught.value.message == (
        f'Secret "db" in namespace "shop" changed since it was read, so the patch was not '
        f"applied ({message})"
    )
    assert (
        caught.value.hint == "read the object again and re-plan the change against what it is now"
    )
    assert cluster.SECRET_VALUE not in str(caught.value)


def test_a_throttled_create_is_retried_after_what_the_server_asked(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    busy = status(429, "TooManyRequests", "Too many requests, please try again later.")
    created = HPA | {"metadata": cluster.meta("web")}
    api.script(HPAS, Reply(429, busy, {"Retry-After": "2"}), Reply(201, created))
    sleeps = Sleeps()
    with writer(kubeconfig, sleeps) as client:
        answer = client.create("HorizontalPodAutoscaler", "shop", HPA)

    assert answer["metadata"]["uid"] == created["metadata"]["uid"]
    assert sleeps.seconds == [2.0]
    assert [(r.method, r.path) for r in api.received] == [("POST", HPAS), ("POST", HPAS)]


def test_a_create_that_failed_on_the_server_is_not_sent_again(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    failing = Reply(500, status(500, "InternalError", "etcdserver: request timed out"))
    api.script(HPAS, failing, Reply(201, HPA))
    sleeps = Sleeps()
    with writer(kubeconfig, sleeps) as client, pytest.raises(ClusterError) as caught:
        client.create("HorizontalPodAutoscaler", "shop", HPA)

    assert caught.value.message == (
        f"the API server at {api.url} answered HTTP 500 Internal Server Error to POST "
        f"{HPAS}?fieldManager=kubemedic: etcdserver: request timed out"
    )
    assert caught.value.hint == (
        "the change may have been applied all the same: read the object before trying again"
    )
    assert api.paths().count(HPAS) == 1
    assert sleeps.seconds == []


def test_an_invalid_create_carries_the_api_reason(api: FakeApiServer, kubeconfig: Path) -> None:
    message = (
        'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.minReplicas: Invalid value: '
        "0: must be greater than or equal to 1"
    )
    api.script(HPAS, Reply(422, status(422, "Invalid", message, name="web")))
    with writer(kubeconfig) as client, pytest.raises(ClusterError) as caught:
        client.create("HorizontalPodAutoscaler", "shop", HPA)

    assert caught.value.message == (
        f'the API server refused to create HorizontalPodAutoscaler "web" in namespace "shop": '
        f"{message}"
    )


def test_rejected_credentials_on_a_write(api: FakeApiServer, tmp_path: Path) -> None:
    stale = write_kubeconfig(tmp_path / "kubeconfig", api.url, {"token": "expired"})
    with writer(stale) as client, pytest.raises(Unauthorized):
        client.replace(WEB, {"metadata": {"name": "web"}})

    assert api.received[0].method == "PUT"


@pytest.mark.parametrize(
    "unserved",
    [
        Reply(404, status(404, "NotFound", "the server could not find the requested resource")),
        Reply(503, status(503, "ServiceUnavailable", "the server is currently unable")),
    ],
)
def test_no_pod_metrics_without_a_metrics_api(
    api: FakeApiServer, kubeconfig: Path, unserved: Reply
) -> None:
    api.script("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", unserved)
    with writer(kubeconfig) as client:
        assert client.pod_metrics("shop") is None
