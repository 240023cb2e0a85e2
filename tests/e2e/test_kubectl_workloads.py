"""The real kubectl against the running todo-chatbot sandbox: what a person does day to day.

Cluster time runs ten times faster than real time, so rollouts, back-offs and probes settle in
seconds; every wait is bounded and every check reads what kubectl printed or what it changed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]


def pods(sandbox: Sandbox, selector: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = sandbox.kubectl_json(
        "get", "pods", "-n", "todo", "-l", selector
    )["items"]
    return listed


def running_and_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    return ready and not pod["metadata"].get("deletionTimestamp")


def wait_ready(sandbox: Sandbox, selector: str, count: int) -> list[dict[str, Any]]:
    def settled() -> list[dict[str, Any]] | None:
        current = pods(sandbox, selector)
        ready = [p for p in current if running_and_ready(p)]
        return ready if len(ready) == count == len(current) else None

    result: list[dict[str, Any]] = sandbox.wait_for(
        settled, timeout=60, what=f"{count} ready pods matching {selector}"
    )
    return result


def test_get_pods_shows_the_seeded_app_running(sandbox: Sandbox) -> None:
    wait_ready(sandbox, "app=backend", 2)
    table = sandbox.kubectl("get", "pods", "-n", "todo", "-l", "app=backend").stdout
    lines = table.strip().splitlines()
    assert lines[0].split()[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[1:4] for line in lines[1:]] == [["1/1", "Running", "0"]] * 2


def test_logs_of_a_deployment_and_refusal_for_a_previous_instance(sandbox: Sandbox) -> None:
    ready = wait_ready(sandbox, "app=backend", 2)
    logs = sandbox.kubectl("logs", "deploy/backend", "-n", "todo", "--tail", "50").stdout
    assert logs.strip(), "a running backend writes a start-up log"
    name = ready[0]["metadata"]["name"]
    previous = sandbox.kubectl("logs", name, "-n", "todo", "--previous", check=False)
    assert previous.returncode == 1
    assert f'previous terminated container "backend" in pod "{name}" not found' in previous.stderr


def test_top_reads_metrics_for_pods_and_nodes(sandbox: Sandbox) -> None:
    wait_ready(sandbox, "app=backend", 2)

    def backend_rows() -> list[list[str]] | None:
        result = sandbox.kubectl("top", "pods", "-n", "todo", "-l", "app=backend", check=False)
        found = [line.split() for line in result.stdout.strip().splitlines()[1:]]
        return found if result.returncode == 0 and len(found) == 2 else None

    for name, cpu, memory in sandbox.wait_for(backend_rows, timeout=30, what="pod metrics"):
        assert name.startswith("backend-")
        assert cpu.endswith("m")
        assert memory.endswith("Mi")
    nodes = sandbox.kubectl("top", "nodes").stdout.strip().splitlines()
    assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    assert len(nodes) == 1 + len(sandbox.kubectl_json("get", "nodes")["items"])


def test_set_image_rollout_status_history_and_undo(sandbox: Sandbox) -> None:
    wait_ready(sandbox, "app=frontend", 2)
    original = sandbox.kubectl_json("get", "deploy", "frontend", "-n", "todo")
    container = original["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/kubemedic/todo-frontend:1.2.0"

    new_image = "ghcr.io/kubemedic/todo-frontend:1.1.0"
    sandbox.kubectl(
        "set", "image", "deploy/frontend", f"{container['name']}={new_image}", "-n", "todo"
    )
    status = sandbox.kubectl(
        "rollout", "status", "deploy/frontend", "-n", "todo", "--timeout=60s", timeout=90
    )
    assert 'deployment "frontend" successfully rolled out' in status.stdout
    assert [
        p["spec"]["containers"][0]["image"] for p in wait_ready(sandbox, "app=frontend", 2)
    ] == [new_image] * 2
    history = sandbox.kubectl("rollout", "history", "deploy/frontend", "-n", "todo").stdout
    assert [line.split()[0] for line in history.strip().splitlines()[2:]] == ["1", "2"]

    undone = sandbox.kubectl("rollout", "undo", "deploy/frontend", "-n", "todo")
    assert undone.stdout.strip() == "deployment.apps/frontend rolled back"
    sandbox.kubectl(
        "rollout", "status", "deploy/frontend", "-n", "todo", "--timeout=60s", timeout=90
    )
    current = sandbox.kubectl_json("get", "deploy", "frontend", "-n", "todo")
    assert current["spec"]["template"]["spec"]["containers"][0]["image"] == container["image"]
    replica_sets = sandbox.kubectl_json("get", "rs", "-n", "todo", "-l", "app=frontend")["items"]
    assert len(replica_sets) == 2, "undo scales the first ReplicaSet back up instead of a new one"
    history = sandbox.kubectl("rollout", "history", "deploy/frontend", "-n", "todo").stdout
    assert [line.split()[0] for line in history.strip().splitlines()[2:]] == ["2", "3"]


def test_scale_up_adds_ready_pods(sandbox: Sandbox) -> None:
    wait_ready(sandbox, "app=frontend", 2)
    scaled = sandbox.kubectl("scale", "deploy/frontend", "--replicas=3", "-n", "todo")
    assert scaled.stdout.strip() == "deployment.apps/frontend scaled"
    wait_ready(sandbox, "app=frontend", 3)
    table = sandbox.kubectl("get", "deploy", "frontend", "-n", "todo").stdout
    assert table.strip().splitlines()[1].split()[1:4] == ["3/3", "3", "3"]


def test_deleted_pod_is_replaced_by_its_replica_set(sandbox: Sandbox) -> None:
    before = wait_ready(sandbox, "app=backend", 2)
    victim = before[0]["metadata"]["name"]
    deleted = sandbox.kubectl("delete", "pod", victim, "-n", "todo", timeout=90)
    assert deleted.stdout.strip() == f'pod "{victim}" deleted'
    after = wait_ready(sandbox, "app=backend", 2)
    assert victim not in [p["metadata"]["name"] for p in after]


def test_describe_pod_lists_the_kubelet_events(sandbox: Sandbox) -> None:
    ready = wait_ready(sandbox, "app=backend", 2)
    described = sandbox.kubectl(
        "describe", "pod", ready[0]["metadata"]["name"], "-n", "todo"
    ).stdout
    assert "Status:           Running" in described
    events = described.split("Events:", 1)[1]
    for reason in ("Scheduled", "Pulled", "Created", "Started"):
        assert reason in events


BROKEN_MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: typo, namespace: default}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "ech hello"]
---
apiVersion: v1
kind: Pod
metadata: {name: missing-tag, namespace: default}
spec:
  containers:
  - name: app
    image: nginx:1.999.1
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere, namespace: default}
spec:
  nodeSelector: {disktype: ssd}
  containers:
  - name: app
    image: nginx:1.27
"""


def test_public_style_broken_manifests_fail_as_on_a_real_cluster(sandbox: Sandbox) -> None:
    applied = sandbox.kubectl("apply", "-f", "-", stdin=BROKEN_MANIFESTS)
    assert applied.stdout.split("\n")[:3] == [
        "pod/typo created",
        "pod/missing-tag created",
        "pod/nowhere created",
    ]

    def status_of(name: str) -> str:
        table = sandbox.kubectl("get", "pod", name).stdout.strip().splitlines()
        return table[1].split()[2]

    sandbox.wait_for(
        lambda: status_of("typo") in ("CrashLoopBackOff", "Error"), what="typo to crash"
    )
    sandbox.wait_for(
        lambda: status_of("missing-tag") in ("ErrImagePull", "ImagePullBackOff"),
        what="missing-tag to fail its pull",
    )
    assert status_of("nowhere") == "Pending"

    typo_log = sandbox.kubectl("logs", "typo", check=False).stdout
    assert "ech: not found" in typo_log

    def scheduling_message() -> str | None:
        events = sandbox.kubectl_json(
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=nowhere,reason=FailedScheduling",
        )["items"]
        return events[0]["message"] if events else None

    message = sandbox.wait_for(scheduling_message, what="a FailedScheduling event")
    assert message.startswith("0/")
    assert "node(s) didn't match Pod's node affinity/selector" in message


def test_drain_evicts_within_the_disruption_budget(sandbox: Sandbox) -> None:
    ready = wait_ready(sandbox, "app=backend", 2)
    node = ready[0]["spec"]["nodeName"]
    budget = (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        "metadata: {name: backend, namespace: todo}\n"
        "spec: {minAvailable: 2, selector: {matchLabels: {app: backend}}}\n"
    )
    sandbox.kubectl("apply", "-f", "-", stdin=budget)
    blocked = sandbox.kubectl(
        "drain",
        node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=3s",
        check=False,
        timeout=60,
    )
    assert blocked.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in blocked.stderr
    assert sandbox.kubectl_json("get", "node", node)["spec"]["unschedulable"] is True

    sandbox.kubectl("delete", "pdb", "backend", "-n", "todo")
    drained = sandbox.kubectl(
        "drain",
        node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=60s",
        timeout=90,
    )
    assert f"node/{node} drained" in drained.stdout
    remaining = sandbox.kubectl_json(
        "get", "pods", "-A", "--field-selector", f"spec.nodeName={node}"
    )["items"]
    owners = {
        ref["kind"] for pod in remaining for ref in pod["metadata"].get("ownerReferences", [])
    }
    assert owners <= {"DaemonSet"}, "only DaemonSet pods stay on a drained node"
