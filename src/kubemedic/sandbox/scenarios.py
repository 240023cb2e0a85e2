"""`sandbox break` scenarios: each changes the spec the way a person would, nothing more.

No scenario writes a status. Each edits a workload (as ``kubectl edit`` / ``set image`` /
``set resources`` / ``taint`` would) or adds an object, and the failure then emerges from the
controllers, the scheduler and the kubelets. docs/sandbox.md lists what a user then sees.
"""

from __future__ import annotations

from kubemedic.sandbox.apierrors import BadRequestError
from kubemedic.sandbox.breaking import (
    DEFAULT_NAMESPACE,
    TODO_BACKEND,
    Obj,
    Scenario,
    SimulatedCluster,
    Target,
    edit,
    first,
    owned_by,
    repository,
    set_image,
    todo_only,
)


def crashloop(sim: SimulatedCluster, target: Target) -> str:
    def drop_database_url(template: Obj) -> None:
        container = first(template)
        env = container.get("env") or []
        if any(e.get("name") == "DATABASE_URL" for e in env):
            container["env"] = [e for e in env if e.get("name") != "DATABASE_URL"]
        else:
            container["command"] = [
                "sh",
                "-c",
                "echo 'Error: required setting DATABASE_URL is missing' >&2; exit 1",
            ]
            container.pop("args", None)

    edit(sim, target, drop_database_url)
    return (
        f"removed DATABASE_URL from {target.ref}: the app exits 1 at start and the pods go into "
        "CrashLoopBackOff"
    )


def oom(sim: SimulatedCluster, target: Target) -> str:
    peak = max(
        (
            s.memory_bytes
            for pod, _, s in sim.kubelet.samples(target.namespace)
            if owned_by(sim, pod, target)
        ),
        default=32 * 2**20,
    )
    limit = max(int(peak * 0.6 / 2**20), 4)
    request = max(limit * 3 // 4, 2)

    def shrink(template: Obj) -> None:
        resources = first(template).setdefault("resources", {})
        resources.setdefault("limits", {})["memory"] = f"{limit}Mi"
        resources.setdefault("requests", {})["memory"] = f"{request}Mi"

    edit(sim, target, shrink)
    return (
        f"set the memory limit of {target.ref} to {limit}Mi (it uses about {peak / 2**20:.0f}Mi): "
        "containers are OOMKilled"
    )


def bad_image(sim: SimulatedCluster, target: Target) -> str:
    image, tag = repository(sim, target)
    wrong = f"v{tag}" if not tag.startswith("v") else f"{tag}-rc9"
    return (
        set_image(sim, target, f"{image}:{wrong}")
        + ": that tag does not exist (ErrImagePull, then ImagePullBackOff)"
    )


def private_image(sim: SimulatedCluster, target: Target) -> str:
    _, tag = repository(sim, target)
    tag = tag if tag in ("1.0.0", "1.1.0", "1.2.0") else "1.2.0"
    return (
        set_image(sim, target, f"{TODO_BACKEND}-private:{tag}")
        + ": a private repository and no imagePullSecret (401 Unauthorized)"
    )


def missing_configmap(sim: SimulatedCluster, target: Target) -> str:
    def rename(template: Obj) -> None:
        container = first(template)
        renamed = False
        for item in container.get("env") or []:
            ref = (item.get("valueFrom") or {}).get("configMapKeyRef")
            if ref:
                ref["name"] = f"{ref['name'].removesuffix('-config')}-settings"
                renamed = True
        if not renamed:
            container.setdefault("envFrom", []).append(
                {"configMapRef": {"name": f"{target.name}-settings"}}
            )

    edit(sim, target, rename)
    return f"pointed {target.ref} at a ConfigMap that does not exist: CreateContainerConfigError"


def missing_secret_key(sim: SimulatedCluster, target: Target) -> str:
    def rekey(template: Obj) -> None:
        container = first(template)
        for item in container.get("env") or []:
            ref = (item.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                ref["key"] = str(item.get("name"))
                return
        secret = f"{target.name}-credentials"
        if sim.store.try_get("Secret", target.namespace, secret) is None:
            sim.store.create(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": secret, "namespace": target.namespace},
                    "type": "Opaque",
                    "stringData": {"username": "app"},
                }
            )
        container.setdefault("env", []).append(
            {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}}
        )

    edit(sim, target, rekey)
    return f"made {target.ref} read a Secret key that does not exist: CreateContainerConfigError"


def unschedulable(sim: SimulatedCluster, target: Target) -> str:
    def grow(template: Obj) -> None:
        resources = first(template).setdefault("resources", {})
        resources.setdefault("requests", {})["cpu"] = "8"
        resources.setdefault("limits", {})["cpu"] = "8"

    edit(sim, target, grow)
    return (
        f"requested 8 CPUs for {target.ref} (nodes have 4): new pods stay Pending with "
        "FailedScheduling"
    )


def taint(sim: SimulatedCluster, target: Target) -> str:
    for node in sim.store.list("Node")[0]:
        taints = [
            t for t in (node.get("spec") or {}).get("taints") or [] if t.get("key") != "dedicated"
        ]
        taints.append({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
        sim.store.patch("Node", "", node["metadata"]["name"], {"spec": {"taints": taints}}, "merge")
    stamp = sim.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    edit(
        sim,
        target,
        lambda t: (
            t.setdefault("metadata", {})
            .setdefault("annotations", {})
            .update({"kubectl.kubernetes.io/restartedAt": stamp})
        ),
    )
    return (
        f"tainted every node dedicated=gpu:NoSchedule and restarted {target.ref}: its new pods "
        "cannot be scheduled"
    )


def _probe_port(container: Obj) -> int:
    ports = container.get("ports") or [{"containerPort": 8080}]
    return int(ports[0].get("containerPort") or 8080) + 1


def liveness_fail(sim: SimulatedCluster, target: Target) -> str:
    def misport(template: Obj) -> None:
        container = first(template)
        probe = container.get("livenessProbe") or {
            "httpGet": {"path": "/healthz"},
            "periodSeconds": 10,
        }
        probe["httpGet"] = {
            **(probe.get("httpGet") or {"path": "/healthz"}),
            "port": _probe_port(container),
        }
        container["livenessProbe"] = probe

    edit(sim, target, misport)
    return (
        f"moved the liveness probe of {target.ref} to a port nothing listens on: containers are "
        "killed and restarted"
    )


def readiness_fail(sim: SimulatedCluster, target: Target) -> str:
    def repath(template: Obj) -> None:
        container = first(template)
        probe = container.get("readinessProbe") or {"periodSeconds": 5}
        port = ((probe.get("httpGet") or {}).get("port")) or _probe_port(container) - 1
        probe["httpGet"] = {"path": "/ready", "port": port}
        container["readinessProbe"] = probe

    edit(sim, target, repath)
    return (
        f"pointed the readiness probe of {target.ref} at /ready, which answers 404: pods never "
        "become Ready"
    )


def cpu_spike(sim: SimulatedCluster, target: Target) -> str:
    # 2.5x what the pods can serve at their request: more than five replicas at 70% could hold
    return sim.set_load(target.kind, target.namespace, target.name, 250.0) + " (sustained)"


def memory_leak(sim: SimulatedCluster, target: Target) -> str:
    todo_only(sim, target, "memory-leak")
    return (
        set_image(sim, target, f"{TODO_BACKEND}:1.2.1")
        + ": this release leaks ~1.5Mi/s until it is OOMKilled"
    )


def bad_rollout(sim: SimulatedCluster, target: Target) -> str:
    todo_only(sim, target, "bad-rollout")
    return (
        set_image(sim, target, f"{TODO_BACKEND}:1.3.0")
        + ": the rollout completes but 20% of requests fail with HTTP 500"
    )


def pvc_pending(sim: SimulatedCluster, target: Target) -> str:
    claim = f"{target.name}-uploads"
    if sim.store.try_get("PersistentVolumeClaim", target.namespace, claim) is None:
        sim.store.create(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": target.namespace},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "fast-ssd",
                    "resources": {"requests": {"storage": "10Gi"}},
                },
            }
        )

    def mount(template: Obj) -> None:
        spec = template["spec"]
        spec["volumes"] = [v for v in spec.get("volumes") or [] if v.get("name") != "uploads"] + [
            {"name": "uploads", "persistentVolumeClaim": {"claimName": claim}}
        ]
        container = first(template)
        container["volumeMounts"] = [
            m for m in container.get("volumeMounts") or [] if m.get("name") != "uploads"
        ] + [{"name": "uploads", "mountPath": "/var/uploads"}]

    edit(sim, target, mount)
    return (
        f"mounted PVC {claim} (storageClassName fast-ssd, which does not exist) into {target.ref}: "
        "the claim and the new pods stay Pending"
    )


def node_pressure(sim: SimulatedCluster, target: Target) -> str:
    if target.kind != "Node":
        raise BadRequestError("node-pressure needs a node target, e.g. --target node/node-1")
    namespace = (
        DEFAULT_NAMESPACE if sim.store.try_get("Namespace", "", DEFAULT_NAMESPACE) else "default"
    )
    name = "cache-warmer"
    if sim.store.try_get("Deployment", namespace, name) is None:
        sim.store.create(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {
                            "nodeSelector": {"kubernetes.io/hostname": target.name},
                            "containers": [
                                {
                                    "name": "warmer",
                                    "image": "busybox:1.36",
                                    "command": ["sh", "-c", "echo warming cache; tail /dev/zero"],
                                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                                }
                            ],
                        },
                    },
                },
            }
        )
    return (
        f"deployed {namespace}/{name} on {target.name}: it buffers memory without a limit until "
        "the node is under MemoryPressure and evicts it"
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "crashloop",
            "the app exits 1 at start (required env removed): CrashLoopBackOff",
            crashloop,
        ),
        Scenario("oom", "memory limit below what the app uses: OOMKilled, exit 137", oom),
        Scenario(
            "bad-image",
            "an image tag that does not exist: ErrImagePull / ImagePullBackOff",
            bad_image,
        ),
        Scenario(
            "private-image",
            "a private repository without a pull secret: 401 Unauthorized",
            private_image,
        ),
        Scenario(
            "missing-configmap",
            "env from a ConfigMap that does not exist: CreateContainerConfigError",
            missing_configmap,
        ),
        Scenario(
            "missing-secret-key",
            "env from a Secret key that does not exist: CreateContainerConfigError",
            missing_secret_key,
        ),
        Scenario(
            "unschedulable",
            "requests bigger than any node: Pending, FailedScheduling Insufficient cpu",
            unschedulable,
        ),
        Scenario("taint", "every node tainted dedicated=gpu:NoSchedule: new pods Pending", taint),
        Scenario(
            "liveness-fail",
            "liveness probe on a closed port: Unhealthy, Killing, restarts",
            liveness_fail,
        ),
        Scenario(
            "readiness-fail",
            "readiness probe on a 404 path: pods never Ready, no endpoints",
            readiness_fail,
        ),
        Scenario(
            "cpu-spike",
            "sustained load at 2.5x the CPU requests: the HPA scales out to its max",
            cpu_spike,
        ),
        Scenario("memory-leak", "a release that leaks memory until it is OOMKilled", memory_leak),
        Scenario("bad-rollout", "a release that fails 20% of HTTP requests with 500", bad_rollout),
        Scenario(
            "pvc-pending",
            "a PVC on a StorageClass that does not exist: claim and pods Pending",
            pvc_pending,
        ),
        Scenario(
            "node-pressure",
            "a memory hog fills a node: MemoryPressure and Evicted pods",
            node_pressure,
            "node/node-1",
        ),
    )
}
