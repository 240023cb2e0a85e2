"""Generate a synthetic cluster dump in `kubectl cluster-info dump --output-directory` layout.

The default size is the benchmark's: 10,000 pods in 20 namespaces (50 Deployments of 10
replicas each per namespace), 5% of them failing in varied ways, 20,000 events, 30 nodes.
The generator is deterministic for a given seed, so figures are comparable between runs.

    python bench/generate_dump.py OUT_DIR [--pods 10000] [--events 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

NAMESPACES = 20
REPLICAS = 10
NODES = 30
BASE = "2024-05-01T10:00:00Z"
LATER = "2024-05-01T10:40:00Z"
FAILURES = ("crash", "oom", "image", "config", "pending", "readiness")


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _meta(name: str, ns: str, rng: random.Random, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "uid": _uid(rng),
        "resourceVersion": str(rng.randint(10_000, 9_999_999)),
        "creationTimestamp": BASE,
    }
    meta.update(extra)
    return meta


def _node(i: int, rng: random.Random) -> dict[str, Any]:
    name = f"node-{i:02d}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": _uid(rng),
            "creationTimestamp": BASE,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}",
            },
        },
        "spec": {"podCIDR": f"10.244.{i}.0/24"},
        "status": {
            "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
            "allocatable": {"cpu": "15800m", "memory": "62Gi", "pods": "110"},
            "conditions": [
                {
                    "type": t,
                    "status": "False",
                    "reason": f"KubeletHas{r}",
                    "lastTransitionTime": BASE,
                }
                for t, r in (
                    ("MemoryPressure", "SufficientMemory"),
                    ("DiskPressure", "NoDiskPressure"),
                    ("PIDPressure", "SufficientPID"),
                )
            ]
            + [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastTransitionTime": BASE,
                }
            ],
            "nodeInfo": {"architecture": "amd64", "kubeletVersion": "v1.30.2"},
        },
    }


def _container(app: str, failure: str | None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": app,
        "image": f"registry.example.com/team/{app}:1.4.2",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
            "successThreshold": 1,
        },
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if failure == "config":
        container["env"].append(
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}},
            }
        )
    if failure == "pending":
        container["resources"]["requests"]["cpu"] = "32"
    return container


def _status(
    app: str, pod: str, ns: str, uid: str, node: str, failure: str | None
) -> dict[str, Any]:
    running = {"running": {"startedAt": BASE}}
    cs: dict[str, Any] = {
        "name": app,
        "ready": True,
        "started": True,
        "restartCount": 0,
        "image": f"registry.example.com/team/{app}:1.4.2",
        "imageID": f"registry.example.com/team/{app}@sha256:{'ab' * 32}",
        "containerID": f"containerd://{'cd' * 32}",
        "state": running,
        "lastState": {},
    }
    phase = "Running"
    conditions = [{"type": "PodScheduled", "status": "True", "lastTransitionTime": BASE}]
    backoff = f"back-off 5m0s restarting failed container={app} pod={pod}_{ns}({uid})"
    if failure in ("crash", "oom"):
        cs.update(ready=False, started=False, restartCount=9)
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": backoff}}
        reason, code = ("OOMKilled", 137) if failure == "oom" else ("Error", 1)
        cs["lastState"] = {
            "terminated": {
                "exitCode": code,
                "reason": reason,
                "startedAt": "2024-05-01T10:35:00Z",
                "finishedAt": "2024-05-01T10:35:04Z",
            }
        }
    elif failure == "image":
        cs.update(ready=False, started=False)
        cs["state"] = {
            "waiting": {
                "reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "registry.example.com/team/{app}:1.4.2"',
            }
        }
    elif failure == "config":
        cs.update(ready=False, started=False)
        cs["state"] = {
            "waiting": {
                "reason": "CreateContainerConfigError",
                "message": f'secret "{app}-db" not found',
            }
        }
    elif failure == "readiness":
        cs.update(ready=False)
    if failure == "pending":
        phase = "Pending"
        message = (
            f"0/{NODES} nodes are available: {NODES} Insufficient cpu. preemption: 0/{NODES} "
            f"nodes are available: {NODES} No preemption victims found for incoming pod."
        )
        conditions = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastTransitionTime": BASE,
            }
        ]
        return {"phase": phase, "conditions": conditions, "qosClass": "Burstable"}
    ready = "True" if cs["ready"] else "False"
    conditions += [
        {"type": "Initialized", "status": "True", "lastTransitionTime": BASE},
        {"type": "ContainersReady", "status": ready, "lastTransitionTime": BASE},
        {"type": "Ready", "status": ready, "lastTransitionTime": BASE},
    ]
    return {
        "phase": phase,
        "conditions": conditions,
        "hostIP": "10.0.0.10",
        "podIP": "10.244.1.17",
        "startTime": BASE,
        "qosClass": "Burstable",
        "containerStatuses": [cs],
    }


def _event(
    ns: str,
    obj: dict[str, Any],
    reason: str,
    message: str,
    rng: random.Random,
    *,
    warning: bool = False,
    count: int = 1,
    component: str = "kubelet",
) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(f"{meta['name']}.{rng.getrandbits(64):016x}", ns, rng),
        "involvedObject": {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "name": meta["name"],
            "namespace": ns,
            "uid": meta["uid"],
            "fieldPath": f"spec.containers{{{obj['spec']['containers'][0]['name']}}}"
            if obj["kind"] == "Pod"
            else "",
        },
        "reason": reason,
        "message": message,
        "type": "Warning" if warning else "Normal",
        "count": count,
        "firstTimestamp": BASE,
        "lastTimestamp": LATER,
        "source": {"component": component},
    }


def _failure_events(
    ns: str, pod: dict[str, Any], failure: str, rng: random.Random
) -> list[dict[str, Any]]:
    app = pod["spec"]["containers"][0]["name"]
    image = pod["spec"]["containers"][0]["image"]
    name = pod["metadata"]["name"]
    if failure in ("crash", "oom"):
        uid = pod["metadata"]["uid"]
        msg = f"Back-off restarting failed container {app} in pod {name}_{ns}({uid})"
        return [_event(ns, pod, "BackOff", msg, rng, warning=True, count=40)]
    if failure == "image":
        return [
            _event(
                ns,
                pod,
                "Failed",
                f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
                f'failed to pull and unpack image "{image}": '
                f'failed to resolve reference "{image}": '
                f"{image}: not found",
                rng,
                warning=True,
                count=6,
            ),
            _event(ns, pod, "Failed", "Error: ErrImagePull", rng, warning=True, count=6),
            _event(ns, pod, "BackOff", f'Back-off pulling image "{image}"', rng, count=80),
        ]
    if failure == "config":
        return [
            _event(
                ns,
                pod,
                "Failed",
                f'Error: secret "{app}-db" not found',
                rng,
                warning=True,
                count=12,
            )
        ]
    if failure == "pending":
        msg = pod["status"]["conditions"][0]["message"]
        return [
            _event(
                ns,
                pod,
                "FailedScheduling",
                msg,
                rng,
                warning=True,
                count=8,
                component="default-scheduler",
            )
        ]
    return [
        _event(
            ns,
            pod,
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            rng,
            warning=True,
            count=90,
        )
    ]


def generate(out: Path, pods: int, events: int, seed: int) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    nodes = [_node(i, rng) for i in range(NODES)]
    (out / "nodes.json").write_text(
        json.dumps({"kind": "NodeList", "apiVersion": "v1", "items": nodes})
    )
    per_ns = pods // NAMESPACES
    events_per_ns = events // NAMESPACES
    for n in range(NAMESPACES):
        ns = f"team-{n:02d}"
        folder = out / ns
        folder.mkdir(exist_ok=True)
        pod_items, rs_items, deploy_items, svc_items, ev_items = [], [], [], [], []
        for d in range(per_ns // REPLICAS):
            app = f"svc-{d:02d}"
            failure = FAILURES[(n * 7 + d) % len(FAILURES)] if d % 10 == 0 else None
            deploy = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": _meta(
                    app,
                    ns,
                    rng,
                    generation=3,
                    labels={"app": app},
                    annotations={"deployment.kubernetes.io/revision": "3"},
                ),
                "spec": {
                    "replicas": REPLICAS,
                    "selector": {"matchLabels": {"app": app}},
                    "progressDeadlineSeconds": 600,
                    "template": {
                        "metadata": {"labels": {"app": app}},
                        "spec": {"containers": [_container(app, failure)]},
                    },
                },
                "status": {
                    "observedGeneration": 3,
                    "replicas": REPLICAS,
                    "updatedReplicas": REPLICAS,
                    "readyReplicas": REPLICAS if failure is None else 0,
                    "availableReplicas": REPLICAS if failure is None else 0,
                    "conditions": [
                        {
                            "type": "Available",
                            "status": "True",
                            "reason": "MinimumReplicasAvailable",
                            "lastTransitionTime": BASE,
                        },
                        {
                            "type": "Progressing",
                            "status": "True",
                            "reason": "NewReplicaSetAvailable",
                            "message": f'ReplicaSet "{app}-5d8f7c9b6d" has '
                            "successfully progressed.",
                            "lastTransitionTime": BASE,
                        },
                    ],
                },
            }
            deploy_items.append(deploy)
            rs_name = f"{app}-5d8f7c9b6d"
            rs = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": _meta(
                    rs_name,
                    ns,
                    rng,
                    labels={"app": app, "pod-template-hash": "5d8f7c9b6d"},
                    annotations={"deployment.kubernetes.io/revision": "3"},
                    ownerReferences=[
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": app,
                            "uid": deploy["metadata"]["uid"],
                            "controller": True,
                        }
                    ],
                ),
                "spec": deploy["spec"] | {"template": deploy["spec"]["template"]},
                "status": {
                    "replicas": REPLICAS,
                    "readyReplicas": deploy["status"]["readyReplicas"],
                },
            }
            rs_items.append(rs)
            svc_items.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": _meta(app, ns, rng),
                    "spec": {
                        "selector": {"app": app},
                        "type": "ClusterIP",
                        "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
                    },
                }
            )
            for r in range(REPLICAS):
                name = f"{rs_name}-{rng.getrandbits(25):07x}"[: len(rs_name) + 6]
                uid = _uid(rng)
                node = nodes[rng.randrange(NODES)]["metadata"]["name"]
                pod_failure = failure if r % 2 == 0 else None
                spec: dict[str, Any] = {
                    "containers": [_container(app, pod_failure)],
                    "restartPolicy": "Always",
                    "serviceAccountName": "default",
                    "dnsPolicy": "ClusterFirst",
                    "terminationGracePeriodSeconds": 30,
                    "tolerations": [
                        {
                            "key": "node.kubernetes.io/not-ready",
                            "operator": "Exists",
                            "effect": "NoExecute",
                            "tolerationSeconds": 300,
                        }
                    ],
                }
                if pod_failure != "pending":
                    spec["nodeName"] = node
                pod = {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        **_meta(
                            name,
                            ns,
                            rng,
                            labels={"app": app, "pod-template-hash": "5d8f7c9b6d"},
                            ownerReferences=[
                                {
                                    "apiVersion": "apps/v1",
                                    "kind": "ReplicaSet",
                                    "name": rs_name,
                                    "uid": rs["metadata"]["uid"],
                                    "controller": True,
                                    "blockOwnerDeletion": True,
                                }
                            ],
                        ),
                        "uid": uid,
                    },
                    "spec": spec,
                    "status": _status(app, name, ns, uid, node, pod_failure),
                }
                pod_items.append(pod)
                if pod_failure is not None:
                    ev_items.extend(_failure_events(ns, pod, pod_failure, rng))
                if pod_failure == "crash":
                    logdir = folder / name
                    logdir.mkdir(exist_ok=True)
                    (logdir / "logs.txt").write_text(
                        "2024-05-01T10:35:03Z INFO starting server\n"
                        "Traceback (most recent call last):\n"
                        '  File "/app/main.py", line 12, in <module>\n'
                        "    url = os.environ['DATABASE_URL']\nKeyError: 'DATABASE_URL'\n"
                    )
        healthy = [p for p in pod_items if p["status"]["phase"] == "Running"]
        while len(ev_items) < events_per_ns:
            pod = healthy[len(ev_items) % len(healthy)]
            reason, message = rng.choice(
                (
                    (
                        "Scheduled",
                        f"Successfully assigned {ns}/{pod['metadata']['name']} to "
                        f"{pod['spec'].get('nodeName', 'node-00')}",
                    ),
                    (
                        "Pulled",
                        f'Container image "{pod["spec"]["containers"][0]["image"]}" '
                        "already present on machine",
                    ),
                    ("Created", f"Created container {pod['spec']['containers'][0]['name']}"),
                    ("Started", f"Started container {pod['spec']['containers'][0]['name']}"),
                )
            )
            ev_items.append(
                _event(
                    ns,
                    pod,
                    reason,
                    message,
                    rng,
                    component="default-scheduler" if reason == "Scheduled" else "kubelet",
                )
            )
        for fname, kind, items in (
            ("pods.json", "PodList", pod_items),
            ("events.json", "EventList", ev_items),
            ("replicasets.json", "ReplicaSetList", rs_items),
            ("deployments.json", "DeploymentList", deploy_items),
            ("services.json", "ServiceList", svc_items),
        ):
            api = "apps/v1" if kind in ("ReplicaSetList", "DeploymentList") else "v1"
            (folder / fname).write_text(
                json.dumps({"kind": kind, "apiVersion": api, "items": items}, indent=4)
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.pods, args.events, args.seed)


if __name__ == "__main__":
    main()
