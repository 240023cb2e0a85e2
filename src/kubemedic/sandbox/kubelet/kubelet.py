"""The kubelet of every simulated node: runs the pods bound to it and reports their status.

A pod sync mounts volumes first (so a missing ConfigMap volume is a FailedMount, never a pull
error), runs init containers in order, then the app containers, and writes ``pod.status`` the
way a real kubelet does. It also keeps each container's logs for ``kubectl logs [--previous]``
and answers what each running container uses right now for metrics and evictions.
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.apierrors import BadRequestError, NotFoundError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.kubelet.config import mount_volumes
from kubemedic.sandbox.kubelet.containers import advance
from kubemedic.sandbox.kubelet.images import Catalog
from kubemedic.sandbox.kubelet.network import ClusterNetwork
from kubemedic.sandbox.kubelet.remote import ExecOutcome, ExecRefused, exec_context, run_command
from kubemedic.sandbox.kubelet.state import Instance, NodeOomKill, PodRuntime
from kubemedic.sandbox.kubelet.status import TERMINAL, write_status
from kubemedic.sandbox.kubelet.sync import COMPONENT, Sync
from kubemedic.sandbox.kubelet.usage import Sample, container_samples
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.resources import KINDS
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

Obj = dict[str, Any]
LoadLookup = Callable[[Obj], float | None]
MOUNT_TIMEOUT = 120.0


class Kubelet:
    """All nodes' kubelets: one state table, keyed by pod uid."""

    def __init__(
        self,
        store: Store,
        clock: SimClock,
        queue: WorkQueue,
        recorder: EventRecorder,
        catalog: Catalog,
        load: LoadLookup,
    ) -> None:
        self._store = store
        self._clock = clock
        self._queue = queue
        self._recorder = recorder
        self._catalog = catalog
        self._load = load
        self._pods: dict[str, PodRuntime] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._images: dict[str, set[str]] = {}
        self._next_ip: dict[str, int] = {}
        self._lock = threading.RLock()
        queue.register("kubelet", self.sync)
        queue.register("kubelet-config", self._config_changed)

    def reset(self) -> None:
        with self._lock:
            self._pods.clear()
            self._keys.clear()
            self._images.clear()
            self._next_ip.clear()

    def on_change(self, event_type: str, obj: Obj) -> None:
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        if kind == "Pod" and ((obj.get("spec") or {}).get("nodeName") or event_type == "DELETED"):
            self._queue.add("kubelet", f"{meta.get('namespace')}/{meta.get('name')}")
        elif kind in ("ConfigMap", "Secret", "Service", "Endpoints"):
            # Store callbacks run under the store lock, and a sync holds the kubelet's lock
            # while it writes to the store: taking the kubelet's lock here could deadlock.
            self._queue.add("kubelet-config", str(meta.get("namespace") or ""))

    def _config_changed(self, namespace: str) -> None:
        """Sync again the pods of ``namespace`` still waiting for a volume or their config."""
        with self._lock:
            waiting = [
                name
                for (ns, name), uid in self._keys.items()
                if ns == namespace and self._needs_config(uid)
            ]
        for name in waiting:
            self._queue.add("kubelet", f"{namespace}/{name}")

    def _needs_config(self, uid: str) -> bool:
        rt = self._pods.get(uid)
        if rt is None or rt.phase in TERMINAL:
            return False
        return not rt.mounted or any(c.instance is None for c in rt.containers.values())

    # -- pod sync ----------------------------------------------------------------------

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        pod = self._store.try_get("Pod", namespace, name)
        with self._lock:
            known = self._keys.get((namespace, name))
            if pod is None or (known and known != pod["metadata"]["uid"]):
                self._forget(namespace, name)
                if pod is None:
                    return
            node_name = str((pod.get("spec") or {}).get("nodeName") or "")
            node = self._store.try_get("Node", "", node_name) if node_name else None
            if node is None:
                return
            if pod["metadata"].get("deletionTimestamp"):
                self._stop(pod, node)
                return
            rt = self._pods.get(pod["metadata"]["uid"])
            if rt is None:
                if (pod.get("status") or {}).get("phase") in TERMINAL:
                    return
                rt = self._admit(pod, node_name)
            if rt.phase in TERMINAL:
                return
            sync = Sync(
                store=self._store,
                recorder=self._recorder,
                catalog=self._catalog,
                pod=pod,
                node=node,
                runtime=rt,
                now=self._clock.now(),
                images=self._images.setdefault(node_name, set()),
                network=ClusterNetwork(self._store, self._pods, self._clock.now(), pod),
            )
            self._advance(sync)
            write_status(sync)
            if sync.wake and rt.phase not in TERMINAL:
                self._queue.add_after("kubelet", key, min(sync.wake))

    def _admit(self, pod: Obj, node_name: str) -> PodRuntime:
        meta = pod["metadata"]
        rt = PodRuntime(
            uid=meta["uid"],
            namespace=meta["namespace"],
            name=meta["name"],
            node=node_name,
            ip=self._allocate_ip(node_name),
            started_at=self._clock.now(),
        )
        self._pods[rt.uid] = rt
        self._keys[(rt.namespace, rt.name)] = rt.uid
        return rt

    def _allocate_ip(self, node_name: str) -> str:
        node = self._store.try_get("Node", "", node_name) or {}
        cidr = str((node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24")
        network = ipaddress.ip_network(cidr, strict=False)
        index = self._next_ip.get(node_name, 2)
        self._next_ip[node_name] = index + 1 if index + 1 < network.num_addresses - 1 else 2
        return str(network.network_address + index)

    def _forget(self, namespace: str, name: str) -> None:
        uid = self._keys.pop((namespace, name), None)
        if uid is not None:
            self._pods.pop(uid, None)
            self._recorder.forget(uid)

    def _stop(self, pod: Obj, node: Obj) -> None:
        rt = self._pods.get(pod["metadata"]["uid"])
        if rt is not None:
            for container in rt.containers.values():
                if container.instance is not None:
                    self._recorder.record(
                        pod,
                        "Normal",
                        "Killing",
                        f"Stopping container {container.name}",
                        component=COMPONENT,
                        host=node["metadata"]["name"],
                        field_path=f"spec.containers{{{container.name}}}",
                    )
        self._forget(pod["metadata"]["namespace"], pod["metadata"]["name"])
        with contextlib.suppress(NotFoundError):
            self._store.delete(
                "Pod", pod["metadata"]["namespace"], pod["metadata"]["name"], grace_period=0
            )

    def _advance(self, sync: Sync) -> None:
        rt, spec = sync.runtime, sync.pod.get("spec") or {}
        deadline = spec.get("activeDeadlineSeconds")
        if deadline is not None:
            left = float(deadline) - (sync.now - rt.started_at).total_seconds()
            if left <= 0:
                self._fail(
                    sync,
                    "DeadlineExceeded",
                    "Pod was active on the node longer than the specified deadline",
                )
                return
            sync.wake.append(left)
        if not rt.mounted and not self._mount(sync):
            return
        for container in spec.get("initContainers") or []:
            cr = rt.container(container["name"], init=True)
            advance(sync, container, cr)
            sidecar_up = (
                container.get("restartPolicy") == "Always"
                and cr.instance is not None
                and cr.instance.started
            )
            if not (cr.succeeded or sidecar_up):
                if cr.last_exit and not cr.succeeded and spec.get("restartPolicy") == "Never":
                    rt.phase = "Failed"
                for app in spec.get("containers") or []:
                    rt.container(app["name"], init=False).wait("PodInitializing")
                return
        for container in spec.get("containers") or []:
            advance(sync, container, rt.container(container["name"], init=False))

    def _mount(self, sync: Sync) -> bool:
        rt = sync.runtime
        contents, failures = mount_volumes(self._store, sync.pod)
        if not failures:
            rt.mounted, rt.contents, rt.mount_retry = True, contents, 0.0
            return True
        for volume, problem in failures:
            self._recorder.record(
                sync.pod,
                "Warning",
                "FailedMount",
                f'MountVolume.SetUp failed for volume "{volume}" : {problem}',
                component=COMPONENT,
                host=sync.host,
            )
        if rt.mount_failing_since is None:
            rt.mount_failing_since = sync.now
        elif (sync.now - rt.mount_failing_since).total_seconds() >= MOUNT_TIMEOUT:
            names = sorted({v for v, _ in failures})
            volumes = [
                str(v.get("name")) for v in (sync.pod.get("spec") or {}).get("volumes") or []
            ]
            self._recorder.record(
                sync.pod,
                "Warning",
                "FailedMount",
                f"Unable to attach or mount volumes: unmounted volumes=[{' '.join(names)}], "
                "unattached "
                f"volumes=[{' '.join(volumes)}]: timed out waiting for the condition",
                component=COMPONENT,
                host=sync.host,
            )
            rt.mount_failing_since = sync.now
        rt.mount_retry = min(max(rt.mount_retry * 2, 1.0), MOUNT_TIMEOUT)
        sync.wake.append(rt.mount_retry)
        spec = sync.pod.get("spec") or {}
        for container in spec.get("initContainers") or []:
            rt.container(container["name"], init=True).wait("PodInitializing")
        for container in spec.get("containers") or []:
            rt.container(container["name"], init=False).wait("ContainerCreating")
        return False

    def _fail(self, sync: Sync, reason: str, message: str) -> None:
        rt = sync.runtime
        self._recorder.record(
            sync.pod, "Warning", reason, message, component=COMPONENT, host=sync.host
        )
        for cr in rt.containers.values():
            if cr.instance is not None:
                instance = cr.instance
                record = {
                    "exitCode": 137,
                    "reason": "Error",
                    "startedAt": format_time(instance.started_at),
                    "finishedAt": format_time(sync.now),
                    "containerID": instance.container_id,
                }
                cr.previous_logs = instance.log_lines(sync.now)
                cr.exited(record, sync.now)
        rt.phase, rt.reason, rt.message = "Failed", reason, message

    def evict(self, namespace: str, name: str, message: str, now: datetime) -> None:
        """Fail a pod the way node-pressure eviction does."""
        pod = self._store.try_get("Pod", namespace, name)
        node = self._store.try_get(
            "Node", "", str((pod or {}).get("spec", {}).get("nodeName") or "")
        )
        with self._lock:
            rt = self._pods.get(str((pod or {}).get("metadata", {}).get("uid")))
            if pod is None or node is None or rt is None:
                return
            sync = Sync(
                self._store,
                self._recorder,
                self._catalog,
                pod,
                node,
                rt,
                now,
                set(),
                ClusterNetwork(self._store, self._pods, now, pod),
            )
            self._fail(sync, "Evicted", message)
            rt.extra_conditions = [
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": format_time(now),
                    "reason": "TerminationByKubelet",
                    "message": message,
                }
            ]
            write_status(sync)

    def oom_kill(self, uid: str, container: str, kill: NodeOomKill) -> None:
        """The node ran out of memory and its kernel killed this container's process."""
        with self._lock:
            rt = self._pods.get(uid)
            cr = rt.containers.get(container) if rt else None
            if rt is None or cr is None or cr.instance is None or cr.instance.node_oom:
                return
            cr.instance.node_oom = kill
            key = f"{rt.namespace}/{rt.name}"
        self._queue.add("kubelet", key)

    # -- logs and usage ----------------------------------------------------------------

    def pod_log(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        *,
        previous: bool,
        tail_lines: int | None,
    ) -> str:
        obj = self._store.try_get("Pod", namespace, pod)
        if obj is None:
            raise NotFoundError(KINDS["Pod"], pod)
        container = _container_spec(obj, container)["name"]
        with self._lock:
            rt = self._pods.get(obj["metadata"]["uid"])
            cr = rt.containers.get(container) if rt else None
            if previous:
                if cr is None or (not cr.previous_logs and cr.restart_count == 0):
                    raise BadRequestError(
                        f'previous terminated container "{container}" in pod "{pod}" not found'
                    )
                lines = cr.previous_logs if cr.instance is not None or cr.restart_count else []
            elif cr is not None and cr.instance is not None:
                lines = cr.instance.log_lines(self._clock.now())
            elif cr is not None and cr.last_exit is not None:
                lines = cr.previous_logs
            else:
                waiting = ((cr.state if cr else {}).get("waiting") or {}).get(
                    "reason", "ContainerCreating"
                )
                raise BadRequestError(
                    f'container "{container}" in pod "{pod}" is waiting to start: {waiting}'
                )
        texts = [text for _, text in lines]
        if tail_lines is not None:
            texts = texts[-tail_lines:] if tail_lines > 0 else []
        return "".join(f"{text}\n" for text in texts)

    def exec_command(
        self, namespace: str, pod: str, container: str | None, argv: list[str], stdin: str
    ) -> ExecOutcome:
        """``kubectl exec``: run ``argv`` in a running container (ExecRefused if it cannot)."""
        obj = self._store.try_get("Pod", namespace, pod)
        if obj is None:
            raise NotFoundError(KINDS["Pod"], pod)
        spec = _container_spec(obj, container)
        with self._lock:
            rt = self._pods.get(obj["metadata"]["uid"])
            cr = rt.containers.get(spec["name"]) if rt else None
            if rt is None or cr is None:
                raise ExecRefused(f'container not found ("{spec["name"]}")')
            now = self._clock.now()
            context = exec_context(self._store, obj, spec, rt, cr, now)
            context.network = ClusterNetwork(self._store, self._pods, now, obj)
        context.stdin = stdin
        return run_command(argv, context)

    def samples(self, namespace: str | None = None) -> Iterator[tuple[Obj, str, Sample]]:
        """(pod, container, usage now) for every running container."""
        now = self._clock.now()
        for pod in self._store.list("Pod", namespace)[0]:
            for container, usage in self.pod_samples(pod, now):
                yield pod, container, usage

    def pod_samples(self, pod: Obj, now: datetime | None = None) -> list[tuple[str, Sample]]:
        """(container, usage at ``now``) for each running app container of ``pod``."""
        rt = self.runtime(pod["metadata"]["uid"])
        if rt is None:
            return []
        return container_samples(rt, pod, now or self._clock.now(), self._load(pod))

    def running(self) -> list[tuple[PodRuntime, str, Instance]]:
        """(pod runtime, container, instance) of every running app container, read from the
        kubelet's own state: no store reads, so node-wide checks stay cheap."""
        with self._lock:
            return [
                (rt, cr.name, cr.instance)
                for rt in self._pods.values()
                for cr in rt.containers.values()
                if cr.instance is not None and not cr.init
            ]

    def runtime(self, uid: str) -> PodRuntime | None:
        with self._lock:
            return self._pods.get(uid)


def _container_spec(pod: Obj, requested: str | None) -> Obj:
    """The container a log or exec request names, or the pod's only one."""
    name = str(pod["metadata"]["name"])
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    if requested is None:
        if len(containers) != 1:
            raise BadRequestError(
                f"a container name must be specified for pod {name}, choose one of: "
                f"[{' '.join(c['name'] for c in containers)}]"
            )
        return dict(containers[0])
    for container in [*(spec.get("initContainers") or []), *containers]:
        if container["name"] == requested:
            return dict(container)
    raise BadRequestError(f"container {requested} is not valid for pod {name}")
