"""The simulated cluster's control plane and nodes, wired to the store.

``Simulation`` owns the work loop and everything it drives: the controllers, the scheduler,
every node's kubelet and eviction manager, the image catalog, the seeds, the break scenarios,
the CPU load users set, and the metrics read from the running containers. The API server
creates one per sandbox and calls only the methods below.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from kubemedic.sandbox import metrics, scenarios, seeds
from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.controllers.base import Controller
from kubemedic.sandbox.controllers.daemonset import DaemonSetController
from kubemedic.sandbox.controllers.deployment import DeploymentController
from kubemedic.sandbox.controllers.endpoints import EndpointsController
from kubemedic.sandbox.controllers.hpa import HorizontalPodAutoscalerController
from kubemedic.sandbox.controllers.job import JobController
from kubemedic.sandbox.controllers.namespace import NamespaceController
from kubemedic.sandbox.controllers.pvc_protection import PvcProtectionController
from kubemedic.sandbox.controllers.replicaset import ReplicaSetController
from kubemedic.sandbox.controllers.resourcequota import ResourceQuotaController
from kubemedic.sandbox.controllers.serviceaccount import ServiceAccountController
from kubemedic.sandbox.controllers.statefulset import StatefulSetController
from kubemedic.sandbox.controllers.storage import StorageController
from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.eviction import EvictionManager
from kubemedic.sandbox.kubelet.images import InvalidImageName
from kubemedic.sandbox.kubelet.kubelet import Kubelet
from kubemedic.sandbox.kubelet.registry import image_from_spec, repository_of
from kubemedic.sandbox.kubelet.remote import ExecOutcome
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.scheduler import Scheduler
from kubemedic.sandbox.selectors import matches_selector_object
from kubemedic.sandbox.store import BadRequestError, Store
from kubemedic.sandbox.workqueue import WorkQueue

log = logging.getLogger(__name__)
Obj = dict[str, Any]
REGISTRY_FILE = "registry.json"


class Simulation:
    """Controllers, scheduler and kubelets running against one ``Store``."""

    def __init__(self, store: Store, clock: SimClock, *, state_dir: Path) -> None:
        self.store = store
        self.clock = clock
        self.state_dir = state_dir
        self.queue = WorkQueue(clock)
        self.recorder = EventRecorder(store, clock)
        self.catalog = builtin_catalog()
        self._loads: dict[tuple[str, str], tuple[Obj, float, int]] = {}
        self._live_totals = metrics.LiveTotals()
        """(namespace, kind/name) → (pod selector, percent of the request, pods at the time)."""
        self.kubelet = Kubelet(
            store, clock, self.queue, self.recorder, self.catalog, self._load_for
        )
        self.eviction = EvictionManager(store, clock, self.queue, self.recorder, self.kubelet)
        self.storage = StorageController(store, clock, self.queue, self.recorder)
        self.scheduler = Scheduler(
            store, clock, self.queue, self.recorder, self.storage.select_node
        )
        self.controllers: list[Controller] = [
            DeploymentController(store, clock, self.queue, self.recorder),
            ReplicaSetController(store, clock, self.queue, self.recorder),
            StatefulSetController(store, clock, self.queue, self.recorder),
            DaemonSetController(store, clock, self.queue, self.recorder),
            JobController(store, clock, self.queue, self.recorder),
            EndpointsController(store, clock, self.queue, self.recorder),
            HorizontalPodAutoscalerController(
                store, clock, self.queue, self.recorder, self._cpu_of
            ),
            NamespaceController(store, clock, self.queue, self.recorder),
            self.storage,
            PvcProtectionController(store, clock, self.queue, self.recorder),
            ResourceQuotaController(store, clock, self.queue, self.recorder),
            ServiceAccountController(store, clock, self.queue, self.recorder),
        ]
        self._load_user_images()
        store.subscribe(self._on_change)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self.queue.start()
        self.eviction.start()
        self.resync()

    def stop(self) -> None:
        self.queue.stop()

    def reset(self) -> None:
        """Forget all simulated state (the store is reset by its owner)."""
        self.queue.clear()
        self.kubelet.reset()
        self.scheduler.reset()
        self._loads.clear()
        self.eviction.start()

    def resync(self) -> None:
        """Look at every stored object once, as controllers do when they start."""
        for kind in (
            "Namespace",
            "Node",
            "StorageClass",
            "PersistentVolumeClaim",
            "Service",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "HorizontalPodAutoscaler",
            "Pod",
        ):
            for obj in self.store.list(kind)[0]:
                self._on_change("ADDED", obj)

    def seed(self, name: str) -> None:
        for obj in seeds.load(name):
            try:
                self.store.create(obj)
            except StoreError as exc:
                log.warning(
                    "seed %s: %s %s not created: %s",
                    name,
                    obj.get("kind"),
                    obj["metadata"].get("name"),
                    exc,
                )

    def _on_change(self, event_type: str, obj: Obj) -> None:
        for controller in self.controllers:
            controller.on_change(event_type, obj)
        self.scheduler.on_change(event_type, obj)
        self.kubelet.on_change(event_type, obj)
        self.eviction.on_change(event_type, obj)

    # -- scenarios and load ------------------------------------------------------------

    def scenarios(self) -> list[tuple[str, str]]:
        return [(s.name, s.description) for s in scenarios.SCENARIOS.values()]

    def break_scenario(self, name: str, *, target: str | None, namespace: str | None) -> str:
        scenario = scenarios.SCENARIOS.get(name)
        if scenario is None:
            known = ", ".join(sorted(scenarios.SCENARIOS))
            raise BadRequestError(f"unknown scenario {name!r}; known scenarios: {known}")
        return scenario.apply(self, target=target, namespace=namespace)

    def set_load(self, kind: str, namespace: str, name: str, cpu_percent: float) -> str:
        """Drive a workload's pods at ``cpu_percent`` of their CPU request.

        The demand is the workload's, shared by its pods as traffic behind a Service is: when
        an autoscaler adds replicas, each pod's share of it falls.
        """
        workload = self.store.get(kind, namespace, name)
        selector = (workload.get("spec") or {}).get("selector") or {}
        if kind == "Pod":
            selector = {"matchLabels": workload["metadata"].get("labels") or {}}
        if cpu_percent <= 0:
            self._loads.pop((namespace, f"{kind}/{name}"), None)
            return f"{kind.lower()}/{name} in {namespace}: load removed"
        pods = max(len(self._serving(namespace, selector)), 1)
        self._loads[(namespace, f"{kind}/{name}")] = (selector, cpu_percent, pods)
        return (
            f"{kind.lower()}/{name} in {namespace}: its {pods} pods now use {cpu_percent:g}% of "
            "their CPU request (a shared demand: more replicas each use less)"
        )

    def _load_for(self, pod: Obj) -> float | None:
        namespace = pod["metadata"]["namespace"]
        labels = pod["metadata"].get("labels") or {}
        for (ns, _), (selector, percent, pods) in self._loads.items():
            if ns == namespace and matches_selector_object(selector, labels):
                return percent * pods / max(len(self._serving(namespace, selector)), 1)
        return None

    def _serving(self, namespace: str, selector: Obj) -> list[Obj]:
        """The workload's pods that take a share of its load: running, not being deleted."""
        return [
            pod
            for pod in self.store.list("Pod", namespace)[0]
            if (pod.get("status") or {}).get("phase") == "Running"
            and not pod["metadata"].get("deletionTimestamp")
            and matches_selector_object(selector, pod["metadata"].get("labels") or {})
        ]

    def _cpu_of(self, pod: Obj) -> dict[str, float]:
        return {container: usage.cpu_cores for container, usage in self.kubelet.pod_samples(pod)}

    # -- images ------------------------------------------------------------------------

    def add_image(self, spec: dict[str, Any]) -> str:
        """Add a repository or tags (``{"image": "registry/repo", "tags": [...]}``), merging
        into what the registry lists; remembered in the state directory."""
        message = self._apply_image_change(spec)
        self._remember_image_change(spec)
        return message

    def remove_image(self, image: str, tags: list[str]) -> str:
        """Delete tags of a repository, or the whole repository, from the registry."""
        change = {"image": image, "tags": tags, "remove": True}
        message = self._apply_image_change(change)
        self._remember_image_change(change)
        return message

    def _apply_image_change(self, change: dict[str, Any]) -> str:
        try:
            repository = repository_of(change)
        except InvalidImageName as exc:
            raise BadRequestError(str(exc)) from exc
        tags = [str(t) for t in change.get("tags") or []]
        if change.get("remove"):
            self.catalog.remove(repository, tags)
            if tags:
                return f"image {repository}: tag(s) {', '.join(tags)} removed"
            return f"image {repository} removed"
        current = self.catalog.get(repository)
        self.catalog.add(image_from_spec(change, current))
        if current is None:
            return f"image {repository} added (tags: {', '.join(tags or ['latest'])})"
        return f"image {repository} updated" + (f" (tags added: {', '.join(tags)})" if tags else "")

    def _remember_image_change(self, change: dict[str, Any]) -> None:
        path = self.state_dir / REGISTRY_FILE
        saved = orjson.loads(path.read_bytes()) if path.is_file() else []
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps([*saved, change], option=orjson.OPT_INDENT_2))

    def _load_user_images(self) -> None:
        path = self.state_dir / REGISTRY_FILE
        if not path.is_file():
            return
        for change in orjson.loads(path.read_bytes()):
            try:
                self._apply_image_change(change)
            except (StoreError, ValueError, LookupError) as exc:
                log.warning("ignoring registry entry %s: %s", change.get("image"), exc)

    # -- logs and metrics --------------------------------------------------------------

    def pod_log(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        *,
        previous: bool,
        tail_lines: int | None,
    ) -> str:
        return self.kubelet.pod_log(
            namespace, pod, container, previous=previous, tail_lines=tail_lines
        )

    def exec_command(
        self, namespace: str, pod: str, container: str, argv: list[str], stdin: str
    ) -> ExecOutcome:
        return self.kubelet.exec_command(namespace, pod, container, argv, stdin)

    def pod_metrics(self, namespace: str | None) -> list[dict[str, Any]]:
        return metrics.pod_metrics(self.kubelet, self.clock, namespace)

    def node_metrics(self) -> list[dict[str, Any]]:
        return metrics.node_metrics(self.store, self.kubelet, self.clock)

    def prometheus_text(self) -> str:
        return metrics.prometheus_text(self.store, self.kubelet, self.clock, self._live_totals)

    def history(self, days: int) -> str:
        return metrics.history(self.store, self.kubelet, self.clock, days, self._load_for)
