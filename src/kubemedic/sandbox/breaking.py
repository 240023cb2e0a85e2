"""How a scenario names its target and edits it: the shared half of `sandbox break`.

A target is ``KIND/NAME`` (Deployment, StatefulSet, DaemonSet or Node) in a namespace; edits
change a workload's pod template and send it back as a merge patch, exactly what ``kubectl
edit`` does, so the controllers roll the change out as they would any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from kubemedic.sandbox.apierrors import BadRequestError, StoreError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.kubelet.images import parse_reference
from kubemedic.sandbox.kubelet.kubelet import Kubelet
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
DEFAULT_NAMESPACE = "todo"
DEFAULT_TARGET = "Deployment/backend"
_KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "deployments": "Deployment",
    "statefulset": "StatefulSet",
    "sts": "StatefulSet",
    "statefulsets": "StatefulSet",
    "daemonset": "DaemonSet",
    "ds": "DaemonSet",
    "daemonsets": "DaemonSet",
    "node": "Node",
    "nodes": "Node",
    "no": "Node",
}
TODO_BACKEND = "ghcr.io/kubemedic/todo-backend"


class SimulatedCluster(Protocol):
    """What a scenario may use of the simulation: the objects, the clock, what the kubelets
    measure, and the CPU load users drive (the simulation itself runs the scenarios)."""

    store: Store
    clock: SimClock
    kubelet: Kubelet

    def set_load(self, kind: str, namespace: str, name: str, cpu_percent: float) -> str: ...


@dataclass(frozen=True)
class Target:
    kind: str
    namespace: str
    name: str

    @property
    def ref(self) -> str:
        return f"{self.kind.lower()}/{self.name}" + (
            f" -n {self.namespace}" if self.namespace else ""
        )


Apply = Callable[[SimulatedCluster, Target], str]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    action: Apply
    default_target: str = DEFAULT_TARGET

    def apply(self, sim: SimulatedCluster, *, target: str | None, namespace: str | None) -> str:
        text = target or self.default_target
        kind_text, _, name = text.partition("/")
        kind = _KINDS.get(kind_text.lower())
        if kind is None or not name:
            raise BadRequestError(
                f"target {text!r} must be KIND/NAME with KIND deployment, statefulset, daemonset "
                "or node"
            )
        resolved = Target(kind, "" if kind == "Node" else namespace or DEFAULT_NAMESPACE, name)
        try:
            sim.store.get(resolved.kind, resolved.namespace, resolved.name)
        except StoreError as exc:
            raise BadRequestError(f"cannot break {resolved.ref}: {exc.message}") from exc
        return self.action(sim, resolved)


# -- editing helpers -----------------------------------------------------------------------


def edit(sim: SimulatedCluster, target: Target, change: Callable[[Obj], None]) -> None:
    """Edit the pod template and send it back as a merge patch, like ``kubectl edit``."""
    if target.kind == "Node":
        raise BadRequestError("this scenario needs a workload target, not a node")
    workload = sim.store.get(target.kind, target.namespace, target.name)
    template = orjson.loads(orjson.dumps(workload["spec"]["template"]))
    change(template)
    patch = {"spec": {"template": template}}
    sim.store.patch(target.kind, target.namespace, target.name, patch, "merge")


def first(template: Obj) -> Obj:
    containers: list[Obj] = template["spec"]["containers"]
    return containers[0]


def image_of(sim: SimulatedCluster, target: Target) -> str:
    workload = sim.store.get(target.kind, target.namespace, target.name)
    return str(first(workload["spec"]["template"]).get("image") or "")


def set_image(sim: SimulatedCluster, target: Target, image: str) -> str:
    edit(sim, target, lambda t: first(t).update(image=image))
    return f"set the image of {target.ref} to {image}"


def repository(sim: SimulatedCluster, target: Target) -> tuple[str, str]:
    ref = parse_reference(image_of(sim, target))
    return ref.repository.removeprefix("docker.io/library/"), ref.tag


def todo_only(sim: SimulatedCluster, target: Target, scenario: str) -> None:
    if repository(sim, target)[0] != TODO_BACKEND:
        raise BadRequestError(
            f"{scenario} needs a workload running {TODO_BACKEND} (it ships the faulty release)"
        )


def owned_by(sim: SimulatedCluster, pod: Obj, target: Target) -> bool:
    workload = sim.store.try_get(target.kind, target.namespace, target.name) or {}
    selector = (workload.get("spec") or {}).get("selector") or {}
    labels = pod["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())
