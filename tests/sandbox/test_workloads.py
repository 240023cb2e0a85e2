"""Manifests that break on a real cluster break the same way in the simulation.

Each test creates objects in their real format (as ``kubectl apply`` would) and waits for what
a user would then see in ``kubectl get``, ``describe`` and ``logs``.
"""

from __future__ import annotations

from typing import Any

import orjson

from tests.sandbox.conftest import Cluster, ready


def deployment(
    name: str, container: dict[str, Any], replicas: int = 1, **pod_spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", **container}], **pod_spec},
            },
        },
    }


def state(pod: dict[str, Any], container: str = "app") -> dict[str, Any]:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status["name"] == container:
            return dict(status)
    return {}


def test_a_command_that_does_not_exist_crash_loops_with_exit_127(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(
        deployment(
            "worker", {"image": "busybox:1.36", "command": ["sh", "-c", "pyhton3 worker.py"]}
        )
    )

    def crash_looping() -> dict[str, Any] | None:
        for pod in empty_cluster.pods("apps", "worker-"):
            status = state(pod)
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") == "CrashLoopBackOff" and status.get("restartCount", 0) >= 2:
                return pod
        return None

    pod = empty_cluster.wait(crash_looping, "the worker to be in CrashLoopBackOff")
    status = state(pod)
    terminated = status["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (127, "Error")
    assert status["state"]["waiting"]["message"].startswith("back-off ")
    assert (
        f"restarting failed container=app pod={pod['metadata']['name']}_apps("
        in status["state"]["waiting"]["message"]
    )
    log = empty_cluster.sim.pod_log(
        "apps", pod["metadata"]["name"], None, previous=True, tail_lines=None
    )
    assert log == "sh: pyhton3: not found\n"
    backoff = empty_cluster.events(pod["metadata"]["name"], "BackOff")
    assert backoff
    assert backoff[0]["message"].startswith("Back-off restarting failed container app in pod ")


def test_an_executable_missing_from_the_image_is_a_start_error(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(
        deployment("web", {"image": "nginx:1.27", "command": ["python3", "app.py"]})
    )
    pod = empty_cluster.wait(
        lambda: next(
            (p for p in empty_cluster.pods("apps", "web-") if state(p).get("restartCount", 0) >= 1),
            None,
        ),
        "the container to fail to start",
    )
    terminated = (state(pod).get("lastState") or {}).get("terminated") or (
        state(pod).get("state") or {}
    ).get("terminated")
    assert terminated["reason"] == "StartError"
    assert terminated["exitCode"] == 128
    assert 'exec: "python3": executable file not found in $PATH' in terminated["message"]


def test_a_missing_tag_fails_the_pull_then_backs_off(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(deployment("web", {"image": "nginx:1.99.1"}))
    pod = empty_cluster.wait(
        lambda: next(
            (
                p
                for p in empty_cluster.pods("apps", "web-")
                if ((state(p).get("state") or {}).get("waiting") or {}).get("reason")
                == "ImagePullBackOff"
            ),
            None,
        ),
        "ImagePullBackOff",
    )
    failed = [e["message"] for e in empty_cluster.events(pod["metadata"]["name"], "Failed")]
    assert (
        'Failed to pull image "nginx:1.99.1": rpc error: code = NotFound desc = failed to pull and '
        "unpack image "
        '"docker.io/library/nginx:1.99.1": failed to resolve reference '
        '"docker.io/library/nginx:1.99.1": '
        "docker.io/library/nginx:1.99.1: not found"
    ) in failed
    assert "Error: ErrImagePull" in failed
    assert "Error: ImagePullBackOff" in failed
    assert pod["status"]["phase"] == "Pending"


def test_an_unsatisfiable_node_selector_stays_pending_with_the_scheduler_message(
    empty_cluster: Cluster,
) -> None:
    empty_cluster.store.create(
        deployment("gpu", {"image": "nginx:1.27"}, nodeSelector={"accelerator": "nvidia-a100"})
    )
    events = empty_cluster.wait(
        lambda: empty_cluster.events("gpu-", "FailedScheduling"), "FailedScheduling"
    )
    assert events[0]["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    assert events[0]["source"]["component"] == "default-scheduler"
    pod = empty_cluster.pods("apps", "gpu-")[0]
    scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")


def test_a_probe_on_the_wrong_port_kills_and_restarts_the_container(empty_cluster: Cluster) -> None:
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5, "failureThreshold": 2}
    empty_cluster.store.create(deployment("web", {"image": "nginx:1.27", "livenessProbe": probe}))
    pod = empty_cluster.wait(
        lambda: next(
            (p for p in empty_cluster.pods("apps", "web-") if state(p).get("restartCount", 0) >= 2),
            None,
        ),
        "liveness restarts",
    )
    unhealthy = empty_cluster.events(pod["metadata"]["name"], "Unhealthy")[0]["message"]
    ip = pod["status"]["podIP"]
    assert unhealthy == (
        f'Liveness probe failed: Get "http://{ip}:8080/": dial tcp {ip}:8080: connect: '
        "connection refused"
    )
    killing = [e["message"] for e in empty_cluster.events(pod["metadata"]["name"], "Killing")]
    assert "Container app failed liveness probe, will be restarted" in killing


def test_memory_past_the_limit_is_oom_killed(empty_cluster: Cluster) -> None:
    container = {
        "image": "polinux/stress",
        "command": ["stress"],
        "args": ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"],
        "resources": {"limits": {"memory": "100Mi"}, "requests": {"memory": "50Mi"}},
    }
    empty_cluster.store.create(deployment("hog", container))
    pod = empty_cluster.wait(
        lambda: next(
            (p for p in empty_cluster.pods("apps", "hog-") if state(p).get("restartCount", 0) >= 1),
            None,
        ),
        "an OOM kill",
    )
    terminated = state(pod)["lastState"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)


def test_a_missing_configmap_volume_is_a_mount_failure_not_a_pull_error(
    empty_cluster: Cluster,
) -> None:
    container = {"image": "nginx:1.27", "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app"}]}
    volumes = [{"name": "cfg", "configMap": {"name": "app-config"}}]
    empty_cluster.store.create(deployment("web", container, volumes=volumes))
    events = empty_cluster.wait(lambda: empty_cluster.events("web-", "FailedMount"), "FailedMount")
    assert (
        events[0]["message"]
        == 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found'
    )
    assert not empty_cluster.events("web-", "Pulling")
    empty_cluster.store.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "apps"},
            "data": {"a": "b"},
        }
    )
    empty_cluster.wait(
        lambda: (
            any(empty_cluster.pods("apps", "web-"))
            and all(ready(p) for p in empty_cluster.pods("apps", "web-"))
        ),
        "the pod to start once the ConfigMap exists",
    )


def test_rollout_undo_restores_the_previous_template(cluster: Cluster) -> None:
    store = cluster.store
    store.patch(
        "Deployment",
        "todo",
        "backend",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "backend", "image": "ghcr.io/kubemedic/todo-backend:9.9.9"}
                        ]
                    }
                }
            }
        },
        "strategic",
    )
    cluster.wait(
        lambda: len(store.list("ReplicaSet", "todo", label_selector="app=backend")[0]) == 2,
        "a second ReplicaSet",
    )
    sets = store.list("ReplicaSet", "todo", label_selector="app=backend")[0]
    old = min(
        sets, key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    )
    template = orjson.loads(orjson.dumps(old["spec"]["template"]))
    del template["metadata"]["labels"]["pod-template-hash"]
    store.patch(
        "Deployment",
        "todo",
        "backend",
        [{"op": "replace", "path": "/spec/template", "value": template}],
        "json",
    )

    def restored() -> bool:
        deployment = store.get("Deployment", "todo", "backend")
        pods = cluster.pods("todo", "backend-")
        return (
            deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
            and len(pods) == 2
            and all(
                ready(p) and p["spec"]["containers"][0]["image"].endswith(":1.2.0") for p in pods
            )
        )

    cluster.wait(restored, "the rollback to complete")
    revisions = {
        rs["metadata"]["name"]: rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        for rs in store.list("ReplicaSet", "todo", label_selector="app=backend")[0]
    }
    assert revisions[old["metadata"]["name"]] == "3"


def test_a_job_past_its_backoff_limit_fails(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "apps"},
            "spec": {
                "backoffLimit": 2,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [
                            {
                                "name": "migrate",
                                "image": "busybox:1.36",
                                "command": ["sh", "-c", "echo migrating; exit 3"],
                            }
                        ],
                    }
                },
            },
        }
    )

    def failed() -> dict[str, Any] | None:
        job = empty_cluster.store.get("Job", "apps", "migrate")
        conditions = {c["type"]: c for c in (job.get("status") or {}).get("conditions") or []}
        return conditions.get("Failed")

    condition = empty_cluster.wait(failed, "the Job to fail")
    assert (condition["reason"], condition["message"]) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert empty_cluster.store.get("Job", "apps", "migrate")["status"]["failed"] == 3


def test_the_seed_runs_the_todo_app_with_services_and_a_bound_volume(cluster: Cluster) -> None:
    store = cluster.store
    endpoints = store.get("Endpoints", "todo", "backend")
    assert len(endpoints["subsets"][0]["addresses"]) == 2
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert (
        store.get("PersistentVolumeClaim", "todo", "data-postgres-0")["status"]["phase"] == "Bound"
    )
    assert {p["metadata"]["labels"]["app"] for p in cluster.pods("todo")} == {
        "backend",
        "frontend",
        "postgres",
    }
    log = cluster.sim.pod_log("todo", "postgres-0", None, previous=False, tail_lines=1)
    assert (
        log
        == "2024-11-20 10:00:04.050 UTC [1] LOG:  database system is ready to accept connections\n"
    )


def test_reset_and_seed_bring_a_broken_cluster_back(cluster: Cluster) -> None:
    cluster.sim.break_scenario("bad-image", target=None, namespace=None)
    cluster.sim.reset()
    cluster.store.reset()
    cluster.sim.seed("todo-chatbot")
    cluster.wait(
        lambda: len(cluster.pods("todo")) == 5 and all(ready(p) for p in cluster.pods("todo")),
        "the seeded app to run again",
    )
    images = {p["spec"]["containers"][0]["image"] for p in cluster.pods("todo", "backend-")}
    assert images == {"ghcr.io/kubemedic/todo-backend:1.2.0"}


def test_a_rollout_that_cannot_progress_times_out(empty_cluster: Cluster) -> None:
    manifest = deployment("web", {"image": "nginx:1.27"}, replicas=2)
    manifest["spec"]["progressDeadlineSeconds"] = 60
    empty_cluster.store.create(manifest)
    empty_cluster.wait(
        lambda: len([p for p in empty_cluster.pods("apps", "web-") if ready(p)]) == 2, "web to run"
    )
    empty_cluster.store.patch(
        "Deployment",
        "apps",
        "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:9.9"}]}}}},
        "strategic",
    )

    def timed_out() -> dict[str, Any] | None:
        status = empty_cluster.store.get("Deployment", "apps", "web").get("status") or {}
        found = next(
            (c for c in status.get("conditions") or [] if c["type"] == "Progressing"), None
        )
        return found if found and found["reason"] == "ProgressDeadlineExceeded" else None

    progressing = empty_cluster.wait(timed_out, "ProgressDeadlineExceeded")
    new = max(
        empty_cluster.store.list("ReplicaSet", "apps")[0],
        key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]),
    )
    assert progressing["status"] == "False"
    assert (
        progressing["message"]
        == f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.'
    )
    assert empty_cluster.store.get("Deployment", "apps", "web")["status"]["availableReplicas"] == 2


def test_an_hpa_without_cpu_requests_cannot_compute_utilization(empty_cluster: Cluster) -> None:
    empty_cluster.store.create(deployment("web", {"image": "nginx:1.27"}))
    empty_cluster.store.create(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 3,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 50},
                        },
                    }
                ],
            },
        }
    )

    def inactive() -> dict[str, Any] | None:
        status = (
            empty_cluster.store.get("HorizontalPodAutoscaler", "apps", "web").get("status") or {}
        )
        return next(
            (c for c in status.get("conditions") or [] if c["type"] == "ScalingActive"), None
        )

    condition = empty_cluster.wait(inactive, "the HPA's ScalingActive condition")
    pod = empty_cluster.pods("apps", "web-")[0]["metadata"]["name"]
    assert (condition["status"], condition["reason"]) == ("False", "FailedGetResourceMetric")
    assert condition["message"].endswith(f"missing request for cpu in container app of Pod {pod}")


def test_a_daemonset_runs_one_pod_per_node_it_tolerates(empty_cluster: Cluster) -> None:
    empty_cluster.store.patch(
        "Node",
        "",
        "node-3",
        {"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}},
        "merge",
    )
    empty_cluster.store.create(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "apps"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "agent",
                                "image": "busybox:1.36",
                                "command": ["sleep", "infinity"],
                            }
                        ]
                    },
                },
            },
        }
    )
    empty_cluster.wait(
        lambda: len([p for p in empty_cluster.pods("apps", "agent-") if ready(p)]) == 2,
        "two agents",
    )
    assert sorted(p["spec"]["nodeName"] for p in empty_cluster.pods("apps", "agent-")) == [
        "node-1",
        "node-2",
    ]
    status = empty_cluster.store.get("DaemonSet", "apps", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"]) == (2, 2)
