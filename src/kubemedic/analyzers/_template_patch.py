"""Fixes written as kubectl commands ready to paste: workload template patches, node shells.

A fix belongs on the workload, not on its pods: most pod fields cannot be changed in place and
the controller would undo the change anyway. These helpers wrap a pod-spec fragment in the path
of the workload's template (strategic merge: containers and env entries merge by name). Checks
that only make sense from a node (DNS, registry, NFS reachability) run in a node debug pod.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec

_POD_TEMPLATE = ("spec", "template", "spec")
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": _POD_TEMPLATE,
    "StatefulSet": _POD_TEMPLATE,
    "DaemonSet": _POD_TEMPLATE,
    "ReplicaSet": _POD_TEMPLATE,
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def template_patch(workload: ObjectRef, pod_spec: Mapping[str, Any]) -> str | None:
    """``kubectl patch`` applying ``pod_spec`` to the workload's template.

    None for kinds whose pod template cannot be patched (bare Pods, Jobs): those are recreated.
    """
    path = _TEMPLATE_PATHS.get(workload.kind)
    if path is None:
        return None
    body: Any = pod_spec
    for key in reversed(path):
        body = {key: body}
    payload = json.dumps(body, separators=(",", ":"))
    return f"kubectl patch {workload.kubectl_ref} --type strategic -p {shlex.quote(payload)}"


def container_patch(
    workload: ObjectRef, container: ContainerSpec, fields: Mapping[str, Any]
) -> str | None:
    """``kubectl patch`` setting ``fields`` on one (init) container of the workload's template."""
    group = "initContainers" if container.is_init else "containers"
    return template_patch(workload, {group: [{"name": container.name, **fields}]})


def recreate_step(workload: ObjectRef) -> str | None:
    """What to do instead of a patch when the pod template cannot be patched (Pods, Jobs)."""
    if workload.kind in _TEMPLATE_PATHS:
        return None
    return (
        f"{workload} cannot be patched in place: export it (kubectl get "
        f"{workload.kubectl_ref} -o yaml), apply the change and recreate it."
    )


def stuck_pod_step(workload: ObjectRef, pod: str) -> str | None:
    """StatefulSets do not replace a pod that never became Ready: it must be deleted by hand."""
    if workload.kind != "StatefulSet":
        return None
    return (
        f"After the change, delete pod {pod} (kubectl delete pod {pod} -n {workload.namespace}): "
        "a StatefulSet does not replace a pod that never became Ready."
    )


def follow_up_steps(workload: ObjectRef, pod: str, *, recreate: bool = True) -> tuple[str, ...]:
    """The steps after a template fix: recreating a kind that cannot be patched (unless the fix
    works on it as is), and deleting the stuck pod of a StatefulSet."""
    steps = (recreate_step(workload) if recreate else None, stuck_pod_step(workload, pod))
    return tuple(step for step in steps if step)


def on_node(node: str, command: str) -> str:
    """``kubectl debug node/...`` running ``command`` on the node (host filesystem at /host)."""
    return f"kubectl debug node/{node or '<node>'} -it --image=busybox:1.36 -- {command}"
