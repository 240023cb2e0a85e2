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
from dataclasses import replace
from typing import Any

from kubemedic.models.findings import ObjectRef, Remediation
from kubemedic.models.k8s import ContainerSpec, KObject, Pod, dig

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


def template_field_removal(workload: ObjectRef, field: str) -> str | None:
    """``kubectl patch --type json`` removing one field of the workload's pod spec (None for
    kinds whose template cannot be patched)."""
    path = _TEMPLATE_PATHS.get(workload.kind)
    if path is None:
        return None
    pointer = "/" + "/".join((*path, field))
    payload = json.dumps([{"op": "remove", "path": pointer}], separators=(",", ":"))
    return f"kubectl patch {workload.kubectl_ref} --type json -p {shlex.quote(payload)}"


def container_patch(
    workload: ObjectRef, container: ContainerSpec, fields: Mapping[str, Any]
) -> str | None:
    """``kubectl patch`` setting ``fields`` on one (init) container of the workload's template."""
    group = "initContainers" if container.is_init else "containers"
    return template_patch(workload, {group: [{"name": container.name, **fields}]})


def in_place(workload: ObjectRef) -> bool:
    """True for kinds whose pod template ``kubectl patch`` and ``kubectl set`` change (a bare
    Pod's or a Job's cannot be changed: they are recreated from their manifest)."""
    return workload.kind in _TEMPLATE_PATHS


def owner_unknown(workload: ObjectRef, pod: Pod | None) -> bool:
    """``pod`` stands for its own workload only because the input does not show its owner: it
    is known from a table row, a description excerpt or events (no containers either)."""
    return pod is not None and workload.kind == "Pod" and not pod.containers


def recreate_step(
    workload: ObjectRef, change: Mapping[str, Any] | None = None, pod: Pod | None = None
) -> str | None:
    """What to do instead of a patch when the pod template cannot be patched (Pods, Jobs):
    recreate it from its manifest with ``change`` (a pod-spec fragment) applied. For a ``pod``
    whose owner the input does not show, first find out which template to change."""
    if in_place(workload):
        return None
    what = (
        f"this change to its pod spec: {json.dumps(change, separators=(',', ':'))}"
        if change
        else "the change"
    )
    if pod is not None and owner_unknown(workload, pod):
        return (
            f"The input does not show what owns pod {pod.name} (kubectl get pod {pod.name} -n "
            f"{pod.namespace} -o jsonpath='{{.metadata.ownerReferences}}' names it): make "
            f"{what} on its controller's template, which recreates the pod; a pod without one "
            "cannot be changed in place: delete it and create it again from its manifest."
        )
    return (
        f"{_not_in_place(workload)}: delete it and create it again from its "
        f"manifest with {what} (kubectl get {workload.kubectl_ref} -o yaml shows the current "
        "one)."
    )


def _not_in_place(workload: ObjectRef) -> str:
    """How :func:`recreate_step` begins, so :func:`static_pod_fix` can replace that step."""
    return f"{workload} cannot be changed in place"


def container_recreate_step(
    workload: ObjectRef, container: ContainerSpec, fields: Mapping[str, Any]
) -> str | None:
    """:func:`recreate_step` with ``fields`` set on one (init) container."""
    group = "initContainers" if container.is_init else "containers"
    return recreate_step(workload, {group: [{"name": container.name, **fields}]})


def stuck_pod_step(workload: ObjectRef, pod: str) -> str | None:
    """StatefulSets do not replace a pod that never became Ready: it must be deleted by hand."""
    if workload.kind != "StatefulSet":
        return None
    return (
        f"After the change, delete pod {pod} (kubectl delete pod {pod} -n {workload.namespace}): "
        "a StatefulSet does not replace a pod that never became Ready."
    )


def follow_up_steps(workload: ObjectRef, pod: Pod, *, recreate: bool = True) -> tuple[str, ...]:
    """The steps after a template fix: recreating a kind that cannot be patched (unless the fix
    works on it as is), and deleting the stuck pod of a StatefulSet."""
    steps = (
        recreate_step(workload, pod=pod) if recreate else None,
        stuck_pod_step(workload, pod.name),
    )
    return tuple(step for step in steps if step)


STATIC_MANIFESTS = "/etc/kubernetes/manifests"
"""Where kubeadm (and minikube, kind) keep the static pod manifests: the kubelet's
``staticPodPath``."""


def static_pod_fix(pod: Pod, remediation: Remediation) -> Remediation:
    """``remediation`` for a static pod: its change goes into the manifest file on its node (the
    kubelet re-creates the pod from it); the API object is a mirror, so a step that deletes or
    recreates it is replaced, and the first command shows the manifest."""
    recreate = _not_in_place(ObjectRef("Pod", pod.name, pod.namespace))
    manifest = f"{STATIC_MANIFESTS}/{_static_name(pod)}.yaml"
    step = (
        f"Pod {pod.name} is a static pod: the kubelet on node {pod.node_name or 'its node'} runs "
        f"it from a manifest file in its staticPodPath ({manifest} on kubeadm, minikube and "
        "kind clusters). Make the change in that file on the node; the kubelet restarts the "
        "pod within seconds. Deleting or editing the pod through the API changes nothing: it "
        "is only a mirror of the file."
    )
    steps = tuple(s for s in remediation.steps if not s.startswith(recreate))
    show = on_node(pod.node_name, f"cat /host{manifest}", pod)
    return replace(remediation, steps=(*steps, step), commands=(show, *remediation.commands))


def _static_name(pod: Pod) -> str:
    """The static pod's own name: the mirror's without the ``-<node>`` suffix the kubelet adds."""
    suffix = f"-{pod.node_name}"
    return pod.name.removesuffix(suffix) if pod.node_name else pod.name


def on_node(node: str, command: str, pod: Pod | None = None) -> str:
    """``kubectl debug node/...`` running ``command`` on the node (host filesystem at /host);
    when the input does not say which node, the pod's, looked up as the command runs."""
    if not node and pod is not None:
        node = f"$(kubectl get pod {pod.name} -n {pod.namespace} -o jsonpath='{{.spec.nodeName}}')"
    return f"kubectl debug node/{node or '<node>'} -it --image=busybox:1.36 -- {command}"


_CLAIM_SPEC_FIELDS = (
    "accessModes",
    "resources",
    "volumeMode",
    "selector",
    "dataSource",
    "dataSourceRef",
    "volumeAttributesClassName",
)


def recreate_claim(claim: KObject, storage_class: str) -> tuple[str, ...]:
    """Delete a Pending claim and create it again with ``storage_class`` (storageClassName is
    immutable; a claim that never bound holds no data), in commands that run as printed.

    A claim whose spec is known in full is written out. One read from a table shows no size or
    access modes, which the API server requires: its spec is read from the cluster first and
    the class changed in that copy (``kubectl patch --local`` edits the file, not the claim).
    """
    where = f"{claim.name} -n {claim.namespace}"
    if not claim_spec_known(claim):
        saved = f"{claim.name}-pvc.yaml"
        change = shlex.quote(
            json.dumps({"spec": {"storageClassName": storage_class}}, separators=(",", ":"))
        )
        return (
            f"kubectl get pvc {where} -o yaml | kubectl patch --local -f - --type merge "
            f"-p {change} -o yaml > {saved}",
            f"kubectl delete pvc {where}",
            f"kubectl create -f {saved}",
        )
    metadata: dict[str, Any] = {"name": claim.name, "namespace": claim.namespace}
    if claim.labels:
        metadata["labels"] = dict(claim.labels)
    spec = {f: claim.spec[f] for f in _CLAIM_SPEC_FIELDS if f in claim.spec}
    manifest = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": {**spec, "storageClassName": storage_class},
    }
    body = json.dumps(manifest, separators=(",", ":"))
    return (f"kubectl delete pvc {where}", f"echo {shlex.quote(body)} | kubectl create -f -")


def recreated_from(claim: KObject) -> str:
    """What the commands of :func:`recreate_claim` create the claim again from, as the words
    after "create it again" in a step."""
    if claim_spec_known(claim):
        return ", as it was"
    return (
        " from its spec as the cluster has it (the input does not show its size and access "
        f"modes: the first command saves it to {claim.name}-pvc.yaml),"
    )


def claim_spec_known(claim: KObject) -> bool:
    """The claim's spec holds what creating it requires: access modes and a requested size
    (a ``kubectl get pvc`` row shows neither for an unbound claim)."""
    return bool(claim.spec.get("accessModes")) and bool(
        dig(claim.spec, "resources", "requests", "storage")
    )
