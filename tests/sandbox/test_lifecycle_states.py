"""Container states as a kubelet reports them: each run ends ``terminated`` with its reason,
exit code and times before the back-off shows, restart policies decide what happens next, and
OOM kills leave the node events a real node writes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from kubemedic.sandbox.podstatus import pod_status_cells
from tests.sandbox.conftest import Cluster

Obj = dict[str, Any]
KERNEL_LINE = re.compile(
    r"Killed process (\d+) \((\S+)\) total-vm:\d+kB, anon-rss:(\d+)kB, file-rss:\d+kB, "
    r"shmem-rss:\d+kB, UID:(\d+) pgtables:\d+kB oom_score_adj:(-?\d+)$"
)


def pod(name: str, script: str, *, policy: str = "Always", **container: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {
            "restartPolicy": policy,
            "containers": [
                {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script]}
                | container
            ],
        },
    }


def states_until(
    cluster: Cluster, name: str, done: Callable[[list[Obj]], bool], timeout: float = 20.0
) -> list[Obj]:
    """Every container status ``name`` reported, in order, until ``done`` holds for them.

    At 200x a kubelet sync that runs late catches up over several steps and writes only the
    last, so a test looks for a moment that can repeat (every back-off), never a single one.
    """
    watch = cluster.store.watch("Pod", "apps", field_selector=f"metadata.name={name}")
    seen: list[Obj] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            event = watch.poll(0.1)
            if event is None:
                continue
            statuses = (event.object.get("status") or {}).get("containerStatuses") or []
            if statuses and (not seen or statuses[0] != seen[-1]):
                seen.append(statuses[0])
                if done(seen):
                    return seen
    finally:
        watch.close()
    raise AssertionError(f"{name}: {[s['state'] for s in seen]}")


def ended(reason: str) -> Callable[[list[Obj]], bool]:
    """The latest run ended with ``reason`` (shown now, or already moved to ``lastState``)."""
    return lambda seen: reason in str(seen[-1]["state"]) + str(seen[-1]["lastState"])


def backing_off_after_an_error(seen: list[Obj]) -> bool:
    return (
        len(seen) > 1
        and "CrashLoopBackOff" in str(seen[-1]["state"])
        and "Error" in str(seen[-2]["state"].get("terminated"))
    )


def status_of(cluster: Cluster, name: str) -> Obj:
    status: Obj = cluster.store.get("Pod", "apps", name).get("status") or {}
    return status


def restarts(cluster: Cluster, name: str) -> int:
    statuses = status_of(cluster, name).get("containerStatuses") or [{}]
    return int(statuses[0].get("restartCount") or 0)


def node_events(cluster: Cluster, reason: str) -> list[Obj]:
    return [
        e
        for e in cluster.store.list("Event", "default")[0]
        if e["involvedObject"]["kind"] == "Node" and e["reason"] == reason
    ]


def test_a_crash_shows_terminated_with_its_exit_before_the_back_off(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(pod("crash", "echo boom; exit 1"))
    seen = states_until(empty_cluster, "crash", backing_off_after_an_error)
    waiting, exit_ = seen[-1], seen[-2]
    terminated = exit_["state"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("Error", 1)
    for key in ("startedAt", "finishedAt", "containerID"):
        assert terminated[key]
    previous = exit_["lastState"]["terminated"]
    assert previous["finishedAt"] <= terminated["startedAt"], "lastState keeps the run before"
    assert previous["containerID"] != terminated["containerID"]
    assert waiting["lastState"]["terminated"] == terminated
    assert waiting["containerID"] == terminated["containerID"]
    assert re.match(
        r"back-off \d+[ms]\S* restarting failed", waiting["state"]["waiting"]["message"]
    )
    assert waiting["restartCount"] == exit_["restartCount"] >= 2


def test_a_container_that_exits_zero_under_always_shows_completed_then_restarts(
    empty_cluster: Cluster,
) -> None:
    empty_cluster.store.create(pod("oneshot", "echo done"))
    seen = states_until(empty_cluster, "oneshot", lambda seen: seen[-1]["restartCount"] >= 3)
    runs = [s["state"].get("terminated") or s["lastState"].get("terminated") for s in seen]
    assert {run["reason"] for run in runs if run} == {"Completed"}
    pod_now = empty_cluster.store.get("Pod", "apps", "oneshot")
    assert pod_now["status"]["phase"] == "Running"


def test_never_restarts_nothing_and_the_pod_fails(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(pod("once", "exit 3", policy="Never"))
    status = empty_cluster.wait(
        lambda: (s := status_of(empty_cluster, "once")).get("phase") == "Failed" and s,
        "the pod to fail",
    )
    container = status["containerStatuses"][0]
    assert container["state"]["terminated"]["exitCode"] == 3
    assert container["restartCount"] == 0
    assert container["lastState"] == {}
    pod_now = empty_cluster.store.get("Pod", "apps", "once")
    assert pod_status_cells(pod_now, empty_cluster.clock.now())[1] == "Error"


def test_on_failure_restarts_failures_and_completes_on_success(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(pod("retry", "exit 1", policy="OnFailure"))
    empty_cluster.store.create(pod("fine", "echo ok", policy="OnFailure"))
    empty_cluster.wait(
        lambda: restarts(empty_cluster, "retry") >= 2,
        "the failing container to restart",
    )
    assert status_of(empty_cluster, "retry")["phase"] == "Running"
    done = empty_cluster.wait(
        lambda: (s := status_of(empty_cluster, "fine")).get("phase") == "Succeeded" and s,
        "the successful pod to complete",
    )
    assert done["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert done["containerStatuses"][0]["restartCount"] == 0


def test_an_oom_kill_is_reported_by_the_container_and_by_the_node(
    empty_cluster: Cluster,
) -> None:
    hog = pod(
        "hog",
        "echo filling; tail /dev/zero",
        resources={"limits": {"cpu": "100m", "memory": "64Mi"}},
    )
    empty_cluster.store.create(hog)
    seen = states_until(empty_cluster, "hog", ended("OOMKilled"))
    killed = seen[-1]["state"].get("terminated") or seen[-1]["lastState"]["terminated"]
    assert (killed["reason"], killed["exitCode"]) == ("OOMKilled", 137)
    events = empty_cluster.wait(lambda: node_events(empty_cluster, "OOMKilling"), "OOMKilling")
    event = events[0]
    node = empty_cluster.store.get("Pod", "apps", "hog")["spec"]["nodeName"]
    assert event["type"] == "Warning"
    assert event["source"] == {"component": "kernel-monitor", "host": node}
    assert event["involvedObject"]["name"] == node
    assert event["message"].startswith("Memory cgroup out of memory: Killed process ")
    match = KERNEL_LINE.search(event["message"])
    assert match is not None, event["message"]
    assert match.group(2) == "tail"
    assert int(match.group(3)) == 64 * 1024, "the process held its whole limit"
    assert match.group(5) == "-997", "a Guaranteed pod's oom_score_adj"
    assert not node_events(empty_cluster, "SystemOOM"), "the node itself had memory left"


def test_a_node_out_of_memory_kills_and_reports_a_system_oom(empty_cluster: Cluster) -> None:
    hog = pod("bigger-than-the-node", "stress --vm 1 --vm-bytes 30G", image="polinux/stress")
    hog["spec"]["nodeName"] = "node-2"
    hog["spec"]["containers"][0]["command"] = ["stress", "--vm", "1", "--vm-bytes", "30G"]
    empty_cluster.store.create(hog)
    seen = states_until(empty_cluster, "bigger-than-the-node", ended("OOMKilled"), timeout=30)
    killed = seen[-1]["state"].get("terminated") or seen[-1]["lastState"]["terminated"]
    assert killed["exitCode"] == 137
    system = empty_cluster.wait(lambda: node_events(empty_cluster, "SystemOOM"), "SystemOOM")
    assert system[0]["source"] == {"component": "kubelet", "host": "node-2"}
    pid = re.fullmatch(
        r"System OOM encountered, victim process: stress, pid: (\d+)", system[0]["message"]
    )
    assert pid is not None, system[0]["message"]
    kernel = [e["message"] for e in node_events(empty_cluster, "OOMKilling")]
    assert any(
        m.startswith(f"Out of memory: Killed process {pid.group(1)} (stress)") for m in kernel
    )
    match = KERNEL_LINE.search(kernel[0])
    assert match is not None
    assert match.group(5) == "1000", "a BestEffort pod is the first the kernel picks"
    capacity = empty_cluster.store.get("Node", "", "node-2")["status"]["capacity"]["memory"]
    assert int(match.group(3)) < int(capacity.removesuffix("Ki")), "no more than the node has"


def test_a_start_the_runtime_refuses_shows_run_container_error(empty_cluster: Cluster) -> None:
    store = empty_cluster.store
    missing = pod("missing", "unused", command=["no-such-binary"])
    store.create(missing)
    seen = states_until(
        empty_cluster, "missing", lambda seen: "RunContainerError" in str(seen[-1]["state"])
    )
    refused = seen[-1]
    assert "executable file not found in $PATH" in refused["state"]["waiting"]["message"]
    start_error = refused["lastState"]["terminated"]
    assert (start_error["reason"], start_error["exitCode"]) == ("StartError", 128)
    assert start_error["startedAt"] == "1970-01-01T00:00:00Z"
    once = pod("missing-once", "unused", policy="Never", command=["no-such-binary"])
    store.create(once)
    ended = empty_cluster.wait(
        lambda: (s := status_of(empty_cluster, "missing-once")).get("phase") == "Failed" and s,
        "the pod to fail",
    )
    assert ended["containerStatuses"][0]["state"]["terminated"]["reason"] == "StartError"


def test_a_docker_node_reports_container_cannot_run(empty_cluster: Cluster) -> None:
    def docker(node: Obj) -> None:
        node["status"]["nodeInfo"]["containerRuntimeVersion"] = "docker://24.0.7"

    empty_cluster.store.mutate("Node", "", "node-3", docker)
    refused = pod("on-docker", "unused", policy="Never", command=["no-such-binary"])
    refused["spec"]["nodeName"] = "node-3"
    empty_cluster.store.create(refused)
    ended = empty_cluster.wait(
        lambda: (s := status_of(empty_cluster, "on-docker")).get("phase") == "Failed" and s,
        "the pod to fail",
    )
    container = ended["containerStatuses"][0]
    terminated = container["state"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("ContainerCannotRun", 127)
    assert terminated["message"].startswith("failed to create task for container: ")
    assert container["containerID"].startswith("docker://")
