"""A simulated cluster in-process: the real Store, the Simulation, and a fast clock.

``cluster`` starts the seeded todo-chatbot cluster at 200x speed and waits until its pods are
Ready; ``empty_cluster`` has nodes and system pods only. ``Cluster.wait`` polls the store until
a condition a user could observe holds, so tests never assert timings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubemedic.models.cluster import ClusterView, LogKey, LogTail
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.simulation import Simulation
from kubemedic.sandbox.store import Store

TIME_SCALE = 200.0
VIEW_KINDS = (
    "Pod",
    "Event",
    "Node",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "Service",
    "Endpoints",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "StorageClass",
    "HorizontalPodAutoscaler",
    "Namespace",
)


@dataclass
class Cluster:
    store: Store
    clock: SimClock
    sim: Simulation

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        """Poll until ``condition()`` is truthy; fail naming ``what`` otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def pods(self, namespace: str, prefix: str = "") -> list[dict[str, Any]]:
        return [
            p
            for p in self.store.list("Pod", namespace)[0]
            if p["metadata"]["name"].startswith(prefix)
        ]

    def events(self, name_prefix: str, reason: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.store.list("Event")[0]
            if e["involvedObject"]["name"].startswith(name_prefix) and e["reason"] == reason
        ]

    def view(self, namespace: str) -> ClusterView:
        """What kubemedic would collect from this cluster, as its diagnose service reads it."""
        objects = [o for kind in VIEW_KINDS for o in self.store.list(kind)[0]]
        objects += self.sim.pod_metrics(namespace)
        logs: dict[LogKey, tuple[LogTail, ...]] = {}
        for pod in self.store.list("Pod", namespace)[0]:
            for container in pod["spec"]["containers"]:
                tails = []
                for previous in (True, False):
                    try:
                        text = self.sim.pod_log(
                            namespace,
                            pod["metadata"]["name"],
                            container["name"],
                            previous=previous,
                            tail_lines=50,
                        )
                    except Exception:  # no such instance: kubectl logs would fail the same way
                        continue
                    tails.append(LogTail(tuple(text.splitlines()), previous, "sandbox"))
                logs[LogKey(namespace, pod["metadata"]["name"], container["name"])] = tuple(tails)
        return ClusterView(
            objects,
            observed_at=self.clock.now(),
            source="sandbox",
            listed=[(k, "*") for k in VIEW_KINDS],
            logs=logs,
        )


def ready(pod: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


@contextmanager
def _start(seed: str, tmp_path: Path) -> Iterator[Cluster]:
    clock = SimClock(TIME_SCALE)
    store = Store(clock.now)
    sim = Simulation(store, clock, state_dir=tmp_path)
    sim.seed(seed)
    sim.start()
    cluster = Cluster(store, clock, sim)
    try:
        yield cluster
    finally:
        sim.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with _start("todo-chatbot", tmp_path) as running:
        pods = running.pods
        running.wait(
            lambda: len(pods("todo")) == 5 and all(ready(p) for p in pods("todo")),
            "the Todo app's five pods to be Ready",
        )
        yield running


@pytest.fixture
def empty_cluster(tmp_path: Path) -> Iterator[Cluster]:
    with _start("empty", tmp_path) as running:
        running.store.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}
        )
        yield running
