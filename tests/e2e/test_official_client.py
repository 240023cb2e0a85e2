"""The official Python client (``kubernetes``) against the sandbox: list, watch, patch, delete."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e


def deployment(name: str, image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name, "team": "shop"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": image, "env": [{"name": "A", "value": "1"}]},
                        {"name": "proxy", "image": "envoyproxy/envoy:v1.31.0"},
                    ]
                },
            },
        },
    }


def test_create_list_read_patch_and_delete_round_trip(bare_sandbox: Sandbox) -> None:
    with bare_sandbox.api_client() as api_client:
        apps = client.AppsV1Api(api_client)
        for name in ("api", "web", "worker"):
            apps.create_namespaced_deployment("default", deployment(name))

        listed = apps.list_namespaced_deployment("default", label_selector="app in (api,web)")
        assert [d.metadata.name for d in listed.items] == ["api", "web"]
        assert int(listed.metadata.resource_version) > 0

        page = apps.list_namespaced_deployment("default", limit=2)
        assert len(page.items) == 2
        rest = apps.list_namespaced_deployment(
            "default", limit=2, _continue=page.metadata._continue
        )
        assert [d.metadata.name for d in rest.items] == ["worker"]
        assert rest.metadata._continue is None

        patch = {
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}
        }
        patched = apps.patch_namespaced_deployment("web", "default", patch)
        containers = patched.spec.template.spec.containers
        assert [(c.name, c.image) for c in containers] == [
            ("app", "nginx:1.28"),
            ("proxy", "envoyproxy/envoy:v1.31.0"),
        ]
        assert containers[0].env[0].name == "A"
        assert patched.metadata.generation == 2

        scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
        assert scale.spec.replicas == 3
        assert apps.read_namespaced_deployment("web", "default").spec.replicas == 3

        apps.delete_namespaced_deployment("web", "default")
        with pytest.raises(ApiException) as missing:
            apps.read_namespaced_deployment("web", "default")
        assert missing.value.status == 404


def test_stale_update_is_a_409_conflict(bare_sandbox: Sandbox) -> None:
    with bare_sandbox.api_client() as api_client:
        apps = client.AppsV1Api(api_client)
        apps.create_namespaced_deployment("default", deployment("web"))
        stale = apps.read_namespaced_deployment("web", "default")
        apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 2}})
        stale.spec.replicas = 5
        with pytest.raises(ApiException) as conflict:
            apps.replace_namespaced_deployment("web", "default", stale)
        assert conflict.value.status == 409
        assert "the object has been modified" in conflict.value.body


def test_watch_streams_every_change_in_order(bare_sandbox: Sandbox) -> None:
    changes = 1000
    with bare_sandbox.api_client() as api_client:
        core = client.CoreV1Api(api_client)
        core.create_namespaced_config_map(
            "default", {"metadata": {"name": "counter"}, "data": {"n": "0"}}
        )
        start = core.list_namespaced_config_map("default").metadata.resource_version
        seen: list[tuple[str, str]] = []
        ready = threading.Event()

        def consume() -> None:
            stream = watch.Watch()
            ready.set()
            for event in stream.stream(
                core.list_namespaced_config_map,
                "default",
                resource_version=start,
                timeout_seconds=60,
            ):
                seen.append((event["type"], event["object"].data["n"]))
                if len(seen) == changes + 1:
                    stream.stop()

        consumer = threading.Thread(target=consume)
        consumer.start()
        ready.wait()
        for n in range(1, changes + 1):
            core.patch_namespaced_config_map("counter", "default", {"data": {"n": str(n)}})
        core.delete_namespaced_config_map("counter", "default")
        consumer.join(timeout=60)

    assert not consumer.is_alive()
    assert seen[:changes] == [("MODIFIED", str(n)) for n in range(1, changes + 1)]
    assert seen[changes] == ("DELETED", str(changes))


def test_read_only_token_gets_403_on_writes(bare_sandbox: Sandbox) -> None:
    with bare_sandbox.api_client(readonly=True) as api_client:
        core = client.CoreV1Api(api_client)
        assert core.list_namespace().items
        with pytest.raises(ApiException) as refused:
            core.create_namespace({"metadata": {"name": "blocked"}})
        assert refused.value.status == 403
        assert json.loads(refused.value.body)["message"] == (
            'namespaces is forbidden: User "kubemedic-viewer" cannot create resource '
            '"namespaces" in API group "" at the cluster scope'
        )
