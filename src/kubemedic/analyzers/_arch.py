"""A binary built for another CPU, told from the image and the nodes when the log says nothing.

``exec format error`` in the log is the kernel's own verdict. Without a log (a pasted
``kubectl describe``, a runtime that kept none) two facts of the cluster still show it: the
image reference names an architecture other than the node's (``agent:1.4-amd64``,
``arm64v8/nginx``), or the same image runs on nodes of one architecture while every copy that
crashes sits on nodes of another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, KObject, Pod, dig

_ARCH_IN_IMAGE = re.compile(
    r"(?:^|[/:_.-])(amd64|x86_64|x86-64|aarch64|arm64v8|arm64|arm32v7|arm32v6|armhf|armv7|"
    r"ppc64le|s390x)(?=$|[/:_.@-])"
)
_CANONICAL = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "arm64v8": "arm64",
    "arm32v7": "arm",
    "arm32v6": "arm",
    "armhf": "arm",
    "armv7": "arm",
}


_Runs = dict[str, Pod]
"""Architecture → a pod of a workload running one image Ready on a node of it."""
_RUNS: WeakKeyDictionary[ClusterView, dict[tuple[ObjectRef, str, str], _Runs]] = WeakKeyDictionary()
"""Per view, what each workload's image runs on: read once per workload, not once per pod
(a workload of 100,000 crashing replicas must not be scanned 100,000 times)."""


@dataclass(frozen=True, slots=True)
class ArchMismatch:
    """The node a container crashes on is of another architecture than its image."""

    node: str
    node_arch: str
    image_arch: str
    reason: str
    """How it is known, as a sentence: the image name, or where the same image runs."""


def image_architecture(image: str) -> str:
    """The architecture an image reference names (``amd64`` for ``app:1.2-x86_64``), if any."""
    found = _ARCH_IN_IMAGE.findall(image.split("@", 1)[0].lower())
    return _CANONICAL.get(found[-1], found[-1]) if found else ""


def node_architecture(node: KObject | None) -> str:
    """``kubernetes.io/arch`` of a node, else the architecture its kubelet reports."""
    if node is None:
        return ""
    label = node.labels.get("kubernetes.io/arch") or node.labels.get("beta.kubernetes.io/arch")
    reported = dig(node.raw, "status", "nodeInfo", "architecture")
    return str(label or reported or "")


def arch_mismatch(view: ClusterView, pod: Pod, spec: ContainerSpec) -> ArchMismatch | None:
    """Why ``spec``'s image cannot run on ``pod``'s node, when the cluster shows it."""
    node_arch = node_architecture(view.get("Node", "", pod.node_name)) if pod.node_name else ""
    if not node_arch:
        return None
    named = image_architecture(spec.image)
    if named and named != node_arch:
        return ArchMismatch(
            pod.node_name,
            node_arch,
            named,
            f"the image reference {spec.image} names {named}, and node {pod.node_name} is "
            f"{node_arch}",
        )
    elsewhere = _runs_elsewhere(view, pod, spec, node_arch)
    if elsewhere is None:
        return None
    other, arch = elsewhere
    return ArchMismatch(
        pod.node_name,
        node_arch,
        arch,
        f"the same image runs on {arch} node {other.node_name} (pod {other.name}), while it "
        f"fails on {node_arch} node {pod.node_name}",
    )


def _runs_elsewhere(
    view: ClusterView, pod: Pod, spec: ContainerSpec, node_arch: str
) -> tuple[Pod, str] | None:
    """A replica running the same image Ready on a node of another architecture — when none
    runs it on a node of this one."""
    runs = _runs(view, view.workload_of(pod), spec)
    if node_arch in runs:
        return None  # it runs on this architecture too: not the cause
    return next(((other, arch) for arch, other in sorted(runs.items())), None)


def _runs(view: ClusterView, workload: ObjectRef, spec: ContainerSpec) -> _Runs:
    per_view = _RUNS.setdefault(view, {})
    key = (workload, spec.name, spec.image)
    found = per_view.get(key)
    if found is None:
        found = {}
        for other in view.pods_of(workload):
            status = other.container_status(spec.name)
            theirs = other.container(spec.name)
            if status is None or theirs is None or theirs.image != spec.image:
                continue
            if status.ready and status.state.is_running:
                arch = node_architecture(view.get("Node", "", other.node_name))
                if arch:
                    found.setdefault(arch, other)
        per_view[key] = found
    return found
