"""The Kubernetes objects of the synthetic dumps: nodes, Deployments with their ReplicaSet,
Service, pods and events, healthy or failing in one of ``FAILURES``, as a cluster records them.

``bench/generate_dump.py`` lays them out as files; everything here is deterministic for a given
``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

NODES = 30
BASE = "2024-05-01T10:00:00Z"
LATER = "2024-05-01T10:40:00Z"
FAILURES = ("crash", "oom", "image", "config", "pending", "readiness")
EXPECTED_CATEGORY = {
    "crash": "crashloop.app-error",
    "oom": "oomkilled",
    "image": "image.not-found",
    "config": "config.missing-secret",
    "pending": "scheduling.insufficient-resources",
    "readiness": "probe.readiness",
}
"""The finding each failure must yield on its Deployment (the bench checks it)."""
CRASH_LOG = (
    "2024-05-01T10:35:03Z INFO starting server\n"
    "Traceback (most recent call last):\n"
    '  File "/app/main.py", line 12, in <module>\n'
    "    url = os.environ['DATABASE_URL']\nKeyError: 'DATABASE_URL'\n"
)
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what the ReplicaSet controller draws from


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


@dataclass
class Workload:
    """One Deployment and everything it leaves in a dump; ``logs`` by pod name."""

    failure: str | None
    deployment: dict[str, Any]
    replica_set: dict[str, Any]
    service: dict[str, Any]
    pods: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)


def nodes(rng: random.Random) -> list[dict[str, Any]]:
    return [_node(i, rng) for i in range(NODES)]


def workload(
    ns: str,
    app: str,
    replicas: int,
    failure: str | None,
    node_names: list[str],
    rng: random.Random,
    *,
    unique_names: bool = False,
    logs: int | None = None,
) -> Workload:
    """A Deployment of ``replicas`` pods; with a failure, every other replica has it (every
    replica when ``unique_names``: the one-workload dump). ``logs`` caps how many crashed pods
    get a log file (all by default). ``unique_names`` numbers the pods instead of drawing
    their suffix, so 100,000 replicas cannot collide."""
    deploy = _deployment(ns, app, replicas, failure, rng)
    rs_name = f"{app}-5d8f7c9b6d"
    rs = _replica_set(ns, rs_name, deploy, rng)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(app, ns, rng),
        "spec": {
            "selector": {"app": app},
            "type": "ClusterIP",
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    }
    result = Workload(failure, deploy, rs, service)
    for r in range(replicas):
        drawn = f"{rs_name}-{rng.getrandbits(25):07x}"[: len(rs_name) + 6]
        name = f"{rs_name}-{_numbered(r)}" if unique_names else drawn
        pod_failure = failure if unique_names or r % 2 == 0 else None
        uid = _uid(rng)
        node = node_names[rng.randrange(len(node_names))]
        pod = _pod(ns, app, (name, uid), rs, node, pod_failure, rng)
        result.pods.append(pod)
        if pod_failure is not None:
            result.events.extend(_failure_events(ns, pod, pod_failure, rng))
        if pod_failure == "crash" and (logs is None or len(result.logs) < logs):
            result.logs[name] = CRASH_LOG
    return result


def routine_event(ns: str, pod: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A Normal event a healthy pod leaves: scheduled, pulled, created, started."""
    container = pod["spec"]["containers"][0]
    reason, message = rng.choice(
        (
            (
                "Scheduled",
                f"Successfully assigned {ns}/{pod['metadata']['name']} to "
                f"{pod['spec'].get('nodeName', 'node-00')}",
            ),
            ("Pulled", f'Container image "{container["image"]}" already present on machine'),
            ("Created", f"Created container {container['name']}"),
            ("Started", f"Started container {container['name']}"),
        )
    )
    component = "default-scheduler" if reason == "Scheduled" else "kubelet"
    return _event(ns, pod, reason, message, rng, component=component)


def _numbered(index: int) -> str:
    """Five characters of the ReplicaSet controller's alphabet, distinct for each index."""
    base = len(_NAME_ALPHABET)
    return "".join(_NAME_ALPHABET[index // base**p % base] for p in range(4, -1, -1))


def _deployment(
    ns: str, app: str, replicas: int, failure: str | None, rng: random.Random
) -> dict[str, Any]:
    return {
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
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app}},
            "progressDeadlineSeconds": 600,
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [_container(app, failure)]},
            },
        },
        "status": {
            "observedGeneration": 3,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas if failure is None else 0,
            "availableReplicas": replicas if failure is None else 0,
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
                    "message": f'ReplicaSet "{app}-5d8f7c9b6d" has successfully progressed.',
                    "lastTransitionTime": BASE,
                },
            ],
        },
    }


def _replica_set(ns: str, name: str, deploy: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    app = deploy["metadata"]["name"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            name,
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
            "replicas": deploy["spec"]["replicas"],
            "readyReplicas": deploy["status"]["readyReplicas"],
        },
    }


_TOKEN_SOURCES = [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
    {
        "downwardAPI": {
            "items": [
                {
                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                    "path": "namespace",
                }
            ]
        }
    },
]


def _admitted(spec: dict[str, Any], rng: random.Random) -> None:
    """What the API server's admission adds to every pod it stores: the defaults and the
    service account token volume, named with five random characters per pod."""
    token = "kube-api-access-" + "".join(rng.choices("bcdfghjklmnpqrstvwxz2456789", k=5))
    for container in spec["containers"]:
        container["volumeMounts"] = [
            {
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "name": token,
                "readOnly": True,
            }
        ]
    spec["volumes"] = [
        {"name": token, "projected": {"defaultMode": 420, "sources": _TOKEN_SOURCES}}
    ]
    spec |= {
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "schedulerName": "default-scheduler",
        "securityContext": {},
    }


def _pod(
    ns: str,
    app: str,
    identity: tuple[str, str],
    rs: dict[str, Any],
    node: str,
    failure: str | None,
    rng: random.Random,
) -> dict[str, Any]:
    name, uid = identity
    spec: dict[str, Any] = {
        "containers": [_container(app, failure)],
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
    if failure != "pending":
        spec["nodeName"] = node
    _admitted(spec, rng)
    return {
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
                        "name": rs["metadata"]["name"],
                        "uid": rs["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            ),
            "uid": uid,
        },
        "spec": spec,
        "status": _status(app, name, ns, uid, node, failure),
    }
