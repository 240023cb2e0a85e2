"""The real kubectl against the sandbox's API machinery (no simulation: objects stay as written).

Each test runs a command a person would type and checks what kubectl printed or what the
cluster now holds, not merely that kubectl exited 0.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - {name: MODE, value: prod}
        - {name: DEBUG, value: "0"}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
"""


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


def create_configmap(sandbox: Sandbox, name: str) -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    sandbox.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))


def test_create_get_and_delete_a_configmap(bare_sandbox: Sandbox) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"mode": "prod"},
    }
    created = bare_sandbox.kubectl("create", "-f", "-", stdin=json.dumps(manifest))
    assert created.stdout.strip() == "configmap/settings created"
    fetched = bare_sandbox.kubectl_json("get", "configmap", "settings")
    assert fetched["data"] == {"mode": "prod"}
    assert fetched["metadata"]["namespace"] == "default"
    assert fetched["metadata"]["uid"]

    assert bare_sandbox.kubectl("delete", "cm", "settings").stdout.strip() == (
        'configmap "settings" deleted'
    )
    missing = bare_sandbox.kubectl("get", "cm", "settings", check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): configmaps "settings" not found'


def test_apply_creates_then_configures_then_leaves_unchanged(bare_sandbox: Sandbox) -> None:
    first = bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    assert first.stdout.strip() == "deployment.apps/web created"
    again = bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    assert again.stdout.strip() == "deployment.apps/web unchanged"

    changed = DEPLOYMENT.replace("nginx:1.27", "nginx:1.28").replace(
        '        - {name: DEBUG, value: "0"}\n', ""
    )
    configured = bare_sandbox.kubectl("apply", "-f", "-", stdin=changed)
    assert configured.stdout.strip() == "deployment.apps/web configured"
    deployment = bare_sandbox.kubectl_json("get", "deployment", "web")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.28"
    assert container["env"] == [{"name": "MODE", "value": "prod"}]
    assert deployment["metadata"]["generation"] == 2


def test_get_prints_the_columns_a_real_server_returns(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    table = rows(bare_sandbox.kubectl("get", "deployments").stdout)
    assert table[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1][:4] == ["web", "0/2", "0", "0"]
    wide = rows(bare_sandbox.kubectl("get", "deployment", "web", "-o", "wide").stdout)
    assert wide[0][-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1][-3:] == ["web", "nginx:1.27", "app=web"]


def test_pod_status_column_reads_like_kubectl_on_a_real_cluster(bare_sandbox: Sandbox) -> None:
    store = bare_sandbox.store
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "api-1", "namespace": "default"},
            "spec": {"containers": [{"name": "api", "image": "busybox:1.36"}]},
        }
    )

    def crash_looping(pod: dict[str, Any]) -> None:
        pod["spec"]["nodeName"] = "node-1"
        pod["status"] = {
            "phase": "Running",
            "podIP": "10.244.1.7",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 5,
                    "image": "busybox:1.36",
                    "imageID": "",
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off 2m40s restarting failed container=api",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "finishedAt": store.get("Pod", "default", "api-1")["metadata"][
                                "creationTimestamp"
                            ],
                        }
                    },
                }
            ],
        }

    store.mutate("Pod", "default", "api-1", crash_looping)
    output = bare_sandbox.kubectl("get", "pods", "-o", "wide").stdout
    table = rows(output)
    assert table[0][:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[1][:4] == ["api-1", "0/1", "CrashLoopBackOff", "5"]
    assert table[1][4].startswith("(")
    assert table[1][5] == "ago)"
    assert "10.244.1.7" in table[1]
    assert "node-1" in table[1]


def test_scale_set_image_set_resources_and_pause(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    assert bare_sandbox.kubectl("scale", "deployment/web", "--replicas=4").stdout.strip() == (
        "deployment.apps/web scaled"
    )
    bare_sandbox.kubectl("set", "image", "deployment/web", "web=nginx:1.29")
    bare_sandbox.kubectl("set", "resources", "deployment/web", "--limits=cpu=500m,memory=128Mi")
    bare_sandbox.kubectl("rollout", "pause", "deployment/web")
    spec = bare_sandbox.kubectl_json("get", "deployment", "web")["spec"]
    container = spec["template"]["spec"]["containers"][0]
    assert spec["replicas"] == 4
    assert spec["paused"] is True
    assert container["image"] == "nginx:1.29"
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "128Mi"}
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "64Mi"}
    bare_sandbox.kubectl("rollout", "resume", "deployment/web")
    assert "paused" not in bare_sandbox.kubectl_json("get", "deployment", "web")["spec"]


def test_label_and_field_selectors(bare_sandbox: Sandbox) -> None:
    for name, tier in (("a", "front"), ("b", "back"), ("c", "cache")):
        create_configmap(bare_sandbox, name)
        bare_sandbox.kubectl("label", "configmap", name, f"tier={tier}")
    chosen = bare_sandbox.kubectl("get", "cm", "-l", "tier in (front,back)", "-o", "name")
    assert chosen.stdout.split() == ["configmap/a", "configmap/b"]
    negated = bare_sandbox.kubectl("get", "cm", "-l", "tier,tier!=front", "-o", "name")
    assert negated.stdout.split() == ["configmap/b", "configmap/c"]
    named = bare_sandbox.kubectl("get", "cm", "--field-selector", "metadata.name=c", "-o", "name")
    assert named.stdout.split() == ["configmap/c"]
    bad = bare_sandbox.kubectl("get", "cm", "--field-selector", "data.tier=x", check=False)
    assert "field label not supported: data.tier" in bad.stderr


def test_server_side_dry_run_stores_nothing(bare_sandbox: Sandbox) -> None:
    result = bare_sandbox.kubectl("apply", "-f", "-", "--dry-run=server", stdin=DEPLOYMENT)
    assert result.stdout.strip() == "deployment.apps/web created (server dry run)"
    assert bare_sandbox.store.try_get("Deployment", "default", "web") is None


def test_read_only_user_reads_but_is_refused_writes_and_secrets(bare_sandbox: Sandbox) -> None:
    create_configmap(bare_sandbox, "settings")
    listed = bare_sandbox.kubectl("get", "cm", "settings", "-o", "name", readonly=True)
    assert listed.stdout.strip() == "configmap/settings"
    refused = bare_sandbox.kubectl("delete", "cm", "settings", readonly=True, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): configmaps "settings" is forbidden: User '
        '"kubemedic-viewer" cannot delete resource "configmaps" in API group "" in the '
        'namespace "default"'
    )
    secrets = bare_sandbox.kubectl("get", "secrets", "-A", readonly=True, check=False)
    assert 'cannot list resource "secrets" in API group "" at the cluster scope' in (secrets.stderr)


def test_delete_cascades_to_owned_objects_unless_orphaned(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    store = bare_sandbox.store
    owner = store.get("Deployment", "default", "web")
    for name in ("web-1", "web-2"):
        store.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": name,
                    "namespace": "default",
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": "web",
                            "uid": owner["metadata"]["uid"],
                        }
                    ],
                },
            }
        )
    bare_sandbox.kubectl("delete", "deployment", "web", "--cascade=orphan")
    assert store.try_get("ConfigMap", "default", "web-1") is not None
    assert "ownerReferences" not in store.get("ConfigMap", "default", "web-1")["metadata"]

    bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    owner = store.get("Deployment", "default", "web")
    store.mutate(
        "ConfigMap",
        "default",
        "web-2",
        lambda cm: cm["metadata"].update(
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": owner["metadata"]["uid"],
                }
            ]
        ),
    )
    bare_sandbox.kubectl("delete", "deployment", "web")
    assert store.try_get("ConfigMap", "default", "web-2") is None


def test_describe_shows_the_events_about_an_object(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    deployment = bare_sandbox.store.get("Deployment", "default", "web")
    bare_sandbox.store.create(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "web.17a9c3e2d1f0b4a5", "namespace": "default"},
            "involvedObject": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "web",
                "namespace": "default",
                "uid": deployment["metadata"]["uid"],
            },
            "reason": "ScalingReplicaSet",
            "message": "Scaled up replica set web-5d78c9b6f to 2",
            "type": "Normal",
            "source": {"component": "deployment-controller"},
            "firstTimestamp": deployment["metadata"]["creationTimestamp"],
            "lastTimestamp": deployment["metadata"]["creationTimestamp"],
            "count": 1,
        }
    )
    described = bare_sandbox.kubectl("describe", "deployment", "web").stdout
    assert "Replicas:               2 desired" in described
    events = described.split("Events:", 1)[1]
    assert "ScalingReplicaSet" in events
    assert "deployment-controller  Scaled up replica set web-5d78c9b6f to 2" in events


def test_get_watch_streams_new_objects(bare_sandbox: Sandbox) -> None:
    assert KUBECTL is not None
    command = [
        KUBECTL,
        "--kubeconfig",
        str(bare_sandbox.kubeconfig),
        "--cache-dir",
        str(bare_sandbox.cache_dir),
        "get",
        "configmaps",
        "--watch",
        "-o",
        "name",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as watcher:
        try:
            time.sleep(1.0)
            for name in ("first", "second"):
                create_configmap(bare_sandbox, name)
            assert watcher.stdout is not None
            seen = [watcher.stdout.readline().strip() for _ in range(2)]
            assert seen == ["configmap/first", "configmap/second"]
        finally:
            watcher.kill()


def test_generator_commands_sending_protobuf_create_what_they_say(bare_sandbox: Sandbox) -> None:
    run = bare_sandbox.kubectl
    run("create", "deployment", "web", "--image=nginx:1.27", "--replicas=0", "--port=80")
    run("create", "configmap", "settings", "--from-literal=mode=prod")
    run("create", "secret", "generic", "db", "--from-literal=password=s3cr3t")
    run("create", "job", "once", "--image=busybox:1.36", "--", "sh", "-c", "echo hi")
    run("create", "service", "clusterip", "web", "--tcp=80:8080")
    run("create", "pdb", "web", "--selector=app=web", "--max-unavailable=50%")
    run("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=70")

    deployment = bare_sandbox.kubectl_json("get", "deployment", "web")["spec"]
    assert deployment["replicas"] == 0
    assert deployment["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}
    ]
    assert bare_sandbox.kubectl_json("get", "cm", "settings")["data"] == {"mode": "prod"}
    assert bare_sandbox.kubectl_json("get", "secret", "db")["data"] == {"password": "czNjcjN0"}
    job = bare_sandbox.kubectl_json("get", "job", "once")["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["sh", "-c", "echo hi"]
    assert job["restartPolicy"] == "Never"
    service = bare_sandbox.kubectl_json("get", "service", "web")["spec"]
    assert service["ports"] == [
        {"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}
    ]
    pdb = bare_sandbox.kubectl_json("get", "pdb", "web")["spec"]
    assert pdb == {"maxUnavailable": "50%", "selector": {"matchLabels": {"app": "web"}}}
    hpa = bare_sandbox.kubectl_json("get", "hpa", "web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["metrics"][0]["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": 70,
    }
