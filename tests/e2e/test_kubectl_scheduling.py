"""The real kubectl and the official client meet the scheduler's refusals as on a real cluster.

Extended resources, pod (anti-)affinity and topology spread constraints each leave a pod
Pending with ``PodScheduled=False`` and a ``FailedScheduling`` event in the scheduler's words,
and ``kubemedic diagnose`` over the live API names the scheduling problem.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox
from tests.e2e.live_diagnosis import categories

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

GPU_POD = """
apiVersion: v1
kind: Pod
metadata: {name: trainer, namespace: sched}
spec:
  containers:
  - name: cuda
    image: python:3.12-slim
    command: ["sleep", "infinity"]
    resources:
      limits: {nvidia.com/gpu: 5}
"""
ANTI_AFFINE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: sched}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
      containers:
      - {name: web, image: "nginx:1.27"}
"""
AFFINE = """
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: sched, labels: {app: api}}
spec:
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: cache}}
        topologyKey: topology.kubernetes.io/zone
  containers:
  - {name: api, image: "nginx:1.27"}
"""
SPREAD = """
apiVersion: v1
kind: Pod
metadata: {name: racked, namespace: sched, labels: {app: racked}}
spec:
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: example.com/rack
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: racked}}
  containers:
  - {name: app, image: "nginx:1.27"}
"""


@pytest.fixture
def cluster(sandbox: Sandbox) -> Sandbox:
    sandbox.kubectl("create", "namespace", "sched")
    return sandbox


def refusal(sandbox: Sandbox, pod: str) -> str:
    def message() -> str:
        found: dict[str, Any] = sandbox.kubectl_json("get", "pod", pod, "-n", "sched")
        for condition in (found.get("status") or {}).get("conditions") or []:
            if condition["type"] == "PodScheduled" and condition["status"] == "False":
                return str(condition.get("message") or "")
        return ""

    return str(sandbox.wait_for(message, what=f"{pod} to be refused"))


def test_a_pod_asking_for_gpus_no_node_has_stays_pending(
    cluster: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=GPU_POD)
    expected = (
        "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod."
    )
    assert refusal(cluster, "trainer") == expected
    described = cluster.kubectl("describe", "pod", "trainer", "-n", "sched").stdout
    assert "FailedScheduling" in described
    assert "3 Insufficient nvidia.com/gpu" in described
    assert "scheduling.insufficient-resources" in categories(cluster, "sched", capsys)


def test_required_anti_affinity_leaves_the_fourth_replica_pending(
    cluster: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    from kubernetes import client

    cluster.kubectl("apply", "-f", "-", stdin=ANTI_AFFINE)
    with cluster.api_client() as api:
        core = client.CoreV1Api(api)

        def split() -> tuple[list[str], list[str]] | None:
            pods = core.list_namespaced_pod("sched", label_selector="app=web").items
            placed = sorted(p.spec.node_name for p in pods if p.spec.node_name)
            waiting = [p.metadata.name for p in pods if not p.spec.node_name]
            return (placed, waiting) if len(placed) == 3 and len(waiting) == 1 else None

        placed, waiting = cluster.wait_for(split, what="three replicas placed, one waiting")
    assert placed == ["node-1", "node-2", "node-3"]
    assert refusal(cluster, waiting[0]).startswith(
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
    )
    assert "scheduling.affinity-or-selector" in categories(cluster, "sched", capsys)


def test_required_affinity_waits_for_the_pods_it_follows(cluster: Sandbox) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=AFFINE)
    assert refusal(cluster, "api") == (
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 "
        "nodes are available: 3 Preemption is not helpful for scheduling."
    )
    cluster.kubectl(
        "run",
        "cache",
        "-n",
        "sched",
        "--image=redis:7.2",
        "--labels=app=cache",
        "--overrides",
        '{"spec": {"nodeSelector": {"kubernetes.io/hostname": "node-2"}}}',
    )
    node = cluster.wait_for(
        lambda: cluster.kubectl_json("get", "pod", "api", "-n", "sched")["spec"].get("nodeName"),
        what="api to follow the cache",
    )
    assert node == "node-2"


def test_a_spread_constraint_over_a_missing_label_cannot_be_met(cluster: Sandbox) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=SPREAD)
    assert refusal(cluster, "racked").startswith(
        "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints "
        "(missing required label)."
    )
    events = cluster.kubectl(
        "get", "events", "-n", "sched", "--field-selector", "reason=FailedScheduling"
    ).stdout
    assert "didn't match pod topology spread constraints" in events
