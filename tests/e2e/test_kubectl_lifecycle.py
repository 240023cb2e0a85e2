"""Container lifecycles seen through the real kubectl and the official client: the exit of each
run, restart policies, OOM kills on the node, failed Jobs, protected claims, and timestamps that
never lie in the client's future however fast cluster time runs."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes import client, watch

from tests.e2e.conftest import KUBECTL, Sandbox, SandboxFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

ENDINGS = """\
apiVersion: v1
kind: Pod
metadata: {name: fails}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: "busybox:1.36", command: ["sh", "-c", "echo failing; exit 1"]}
---
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "tail /dev/zero"]
    resources: {limits: {memory: 32Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: finishes}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: "busybox:1.36", command: ["sh", "-c", "echo done"]}
"""


def status_column(sandbox: Sandbox, *names: str) -> dict[str, str]:
    lines = sandbox.kubectl("get", "pods", *names).stdout.strip().splitlines()
    return {line.split()[0]: line.split()[2] for line in lines[1:]}


def test_get_pods_shows_error_oomkilled_and_completed(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=ENDINGS)
    expected = {"fails": "Error", "hog": "OOMKilled", "finishes": "Completed"}
    sandbox.wait_for(
        lambda: status_column(sandbox, *expected) == expected, what=f"STATUS {expected}"
    )


def test_a_pod_that_must_not_restart_ends_failed(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=ENDINGS.split("---")[0])
    phase = ["get", "pod", "fails", "-o", "jsonpath={.status.phase}"]
    sandbox.wait_for(lambda: sandbox.kubectl(*phase).stdout == "Failed", what="phase Failed")
    pod = sandbox.kubectl_json("get", "pod", "fails")
    container = pod["status"]["containerStatuses"][0]
    assert container["restartCount"] == 0
    assert container["state"]["terminated"]["exitCode"] == 1


def _backing_off_after_an_error(states: list[dict[str, Any]]) -> bool:
    waiting = (states[-1].get("waiting") or {}).get("reason")
    ended = (states[-2].get("terminated") or {}).get("reason") if len(states) > 1 else None
    return waiting == "CrashLoopBackOff" and ended == "Error"


def test_a_crash_is_watched_as_terminated_then_crash_loop_back_off(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    states: list[dict[str, Any]] = []
    done = threading.Event()
    with sandbox.api_client() as api_client:
        core = client.CoreV1Api(api_client)
        start = core.list_namespaced_pod("default").metadata.resource_version

        def follow() -> None:
            stream = watch.Watch()
            for event in stream.stream(
                core.list_namespaced_pod,
                "default",
                field_selector="metadata.name=crash",
                resource_version=start,
                timeout_seconds=60,
            ):
                for status in event["object"].status.container_statuses or []:
                    states.append(api_client.sanitize_for_serialization(status.state))
                    if _backing_off_after_an_error(states):
                        stream.stop()
                        done.set()

        follower = threading.Thread(target=follow)
        follower.start()
        sandbox.kubectl(
            "run", "crash", "--image=busybox:1.36", "--", "sh", "-c", "echo boom; exit 1"
        )
        follower.join(timeout=60)
    assert done.is_set(), f"no CrashLoopBackOff seen: {states}"
    before = states[-2]["terminated"]
    assert (before["reason"], before["exitCode"]) == ("Error", 1)
    assert before["startedAt"] <= before["finishedAt"]
    assert before["containerID"].startswith("containerd://")


KERNEL_LINE = re.compile(
    r"^Memory cgroup out of memory: Killed process \d+ \(tail\) total-vm:\d+kB, "
    r"anon-rss:\d+kB, file-rss:\d+kB, shmem-rss:\d+kB, UID:0 pgtables:\d+kB oom_score_adj:\d+$"
)


def test_the_node_reports_the_oom_kill(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=ENDINGS.split("---")[1])

    def reported() -> list[dict[str, Any]]:
        selector = "involvedObject.kind=Node,reason=OOMKilling"
        found: list[dict[str, Any]] = sandbox.kubectl_json(
            "get", "events", "-A", "--field-selector", selector
        )["items"]
        return found

    event = sandbox.wait_for(reported, what="an OOMKilling event")[0]
    node = sandbox.kubectl("get", "pod", "hog", "-o", "jsonpath={.spec.nodeName}").stdout
    assert event["type"] == "Warning"
    assert event["source"] == {"component": "kernel-monitor", "host": node}
    assert event["involvedObject"]["name"] == node
    assert KERNEL_LINE.match(event["message"]), event["message"]
    listed = sandbox.kubectl("get", "events", "--field-selector", "reason=OOMKilling").stdout
    assert f"node/{node}" in listed


FAILING_JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: "busybox:1.36", command: ["sh", "-c", "exit 2"]}
"""


def test_a_job_past_its_backoff_limit_reads_failed(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=FAILING_JOB)

    def status() -> str:
        lines = sandbox.kubectl("get", "job", "migrate").stdout.strip().splitlines()
        assert lines[0].split()[:5] == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
        return lines[1].split()[1]

    sandbox.wait_for(lambda: status() == "Failed", what="the Job to read Failed")
    conditions = sandbox.kubectl_json("get", "job", "migrate")["status"]["conditions"]
    assert {c["type"] for c in conditions} == {"FailureTarget", "Failed"}


CLAIMED = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers:
  - {name: app, image: "busybox:1.36", command: ["sleep", "infinity"]}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
"""


def test_a_claim_is_protected_while_a_pod_uses_it(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20)
    sandbox.kubectl("apply", "-f", "-", stdin=CLAIMED)
    finalizers = sandbox.kubectl("get", "pvc", "data", "-o", "jsonpath={.metadata.finalizers}")
    assert finalizers.stdout == '["kubernetes.io/pvc-protection"]'
    sandbox.wait_for(lambda: status_column(sandbox, "user") == {"user": "Running"}, what="run")
    sandbox.kubectl("delete", "pvc", "data", "--wait=false")
    table = sandbox.kubectl("get", "pvc", "data").stdout.splitlines()
    assert table[1].split()[1] == "Terminating"
    sandbox.kubectl("delete", "pod", "user", "--wait=false")
    sandbox.wait_for(
        lambda: "NotFound" in sandbox.kubectl("get", "pvc", "data", check=False).stderr,
        what="the claim to go with its pod",
    )


def test_describe_at_time_scale_10_shows_no_invalid_ages(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=10)
    sandbox.kubectl("run", "crash", "--image=busybox:1.36", "--", "sh", "-c", "exit 1")

    def backing_off() -> str | None:
        if sandbox.server.clock.lead() < 10:  # cluster time well ahead of the wall clock
            return None
        described = sandbox.kubectl("describe", "pod", "crash").stdout
        return described if "Back-off restarting failed container" in described else None

    described = sandbox.wait_for(backing_off, what="a BackOff event", timeout=60)
    assert "<invalid>" not in described
    pod = sandbox.kubectl_json("get", "pod", "crash")
    now = datetime.now(UTC)
    for served in (
        pod["metadata"]["creationTimestamp"],
        pod["status"]["startTime"],
        pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"],
    ):
        assert datetime.fromisoformat(served) <= now
    events = sandbox.kubectl("get", "events", "--field-selector", "involvedObject.name=crash")
    ages = [line.split()[0] for line in events.stdout.strip().splitlines()[1:]]
    assert ages
    assert all(re.fullmatch(r"\d+s|\d+m\d*s?", age) for age in ages), ages
