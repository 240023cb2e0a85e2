"""What each volume attach/mount failure means for this pod, and how to get out of it.

Every explanation names the volume and what backs it (claim, PV, access modes, driver, NFS
export, host path) and the node; Multi-Attach has its own module (``_multi_attach``).
"""

from __future__ import annotations

from collections.abc import Mapping

from kubemedic.analyzers._build import related_evidence, spec_evidence
from kubemedic.analyzers._config_refs import CONFIGMAP, SECRET, closest, key_names
from kubemedic.analyzers._mount_events import MountFailure, MountProblem
from kubemedic.analyzers._multi_attach import multi_attach
from kubemedic.analyzers._template_patch import on_node
from kubemedic.analyzers._volume_info import Advice, VolumeInfo
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import KObject, Pod, dig
from kubemedic.models.severity import RiskTier

_ATTACH_HINTS = (
    (("zone",), "the disk and the node are in different zones"),
    (("limit", "maximum number"), "the node has reached its limit of attached volumes"),
    (("unauthorized", "accessdenied", "not authorized", "forbidden", "permission"),
     "the CSI controller's cloud credentials may not attach this disk"),
    (("not found", "does not exist"), "the backing disk no longer exists"),
)  # fmt: skip


def advise(
    view: ClusterView, pod: Pod, failure: MountFailure, infos: Mapping[str, VolumeInfo]
) -> Advice:
    """Explain one failure of ``pod`` and say how to fix it."""
    info = infos.get(failure.volume) or next(
        (i for i in infos.values() if i.pv and i.pv == failure.volume),
        VolumeInfo(failure.volume, "", {}),
    )
    if failure.problem is MountProblem.MULTI_ATTACH:
        return multi_attach(view, pod, failure, info)
    if failure.problem is MountProblem.SUBPATH:
        return _subpath(view, pod, failure, info)
    node = f"node {pod.node_name}" if pod.node_name else "the node"
    quoted = f'"{" ".join(failure.detail.split())}"'
    if failure.problem is MountProblem.ATTACH:
        hints = [h for words, h in _ATTACH_HINTS if any(w in failure.detail.lower() for w in words)]
        return Advice(
            info.name,
            f"{info.described} cannot be attached to {node}",
            f"Attaching {info.described} to {node} fails: {quoted}"
            + (f" — {'; '.join(hints)}." if hints else "."),
            f"Resolve the attach error for {info.pv or info.name} (zone, attach limit, "
            "credentials, disk existence), then the attach is retried automatically.",
            ("Check the VolumeAttachment and the CSI controller's logs for the cloud API error.",),
            (f"kubectl get volumeattachment | grep {info.pv or info.name}",)
            + ((f"kubectl describe pv {info.pv}",) if info.pv else ()),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.CSI_DRIVER_MISSING:
        return Advice(
            info.name,
            f"CSI driver {failure.driver} is not running on {node}",
            f"{info.described} needs CSI driver {failure.driver}, which is not registered on "
            f"{node}: its node plugin (usually a DaemonSet) is not running there, so no volume "
            f"of that driver can be mounted on this node. The kubelet reports {quoted}.",
            f"Get the {failure.driver} node plugin running on {node} (check its DaemonSet's "
            "nodeSelector and tolerations), or keep the pod off nodes without it.",
            (),
            (
                f"kubectl get csinode {pod.node_name} -o jsonpath='{{.spec.drivers[*].name}}'",
                f"kubectl get pods -A -o wide --field-selector spec.nodeName={pod.node_name}",
            ),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.NFS:
        # Client, access, reachability and export errors are read by _mount_causes first.
        server = dig(info.raw, "nfs", "server") or ""
        return Advice(
            info.name,
            f"{info.described} cannot be mounted on {node}",
            f"Mounting {info.described} on {node} fails. The kubelet reports {quoted}.",
            "Make the NFS export reachable and allowed from every node (server, port 2049, "
            "export rules), with the NFS client installed on the nodes.",
            ("Test from the node itself: the pod network is not the path the mount takes.",),
            (on_node(pod.node_name, f"nc -zv {server} 2049", pod),) if server else (),
            RiskTier.MEDIUM,
        )
    if failure.problem is MountProblem.HOST_PATH:
        path = dig(info.raw, "hostPath", "path") or ""
        return Advice(
            info.name,
            f"hostPath {path} is not usable on {node}",
            f"{info.described} cannot be set up on {node}: {quoted}. A hostPath volume depends on "
            "what exists on the particular node the pod lands on.",
            f"Create {path} on the nodes (or use type DirectoryOrCreate), fix the path or type, "
            "or schedule the pod only onto nodes that have it.",
            (),
            (on_node(pod.node_name, f"ls -ld /host{path}", pod),),
            RiskTier.MEDIUM,
        )
    return Advice(
        info.name,
        f"{info.described} cannot be mounted on {node}",
        f"Mounting {info.described} on {node} fails: {quoted}"
        + (f" (driver {info.driver})." if info.driver else "."),
        f"Fix the storage error reported for {info.name}; the kubelet retries the mount by itself.",
        ("Read the CSI node plugin's logs on that node for the full error.",),
        (
            *((f"kubectl describe pv {info.pv}",) if info.pv else ()),
            *(  # the storage driver's node plugin runs among them
                (f"kubectl get pods -A -o wide --field-selector spec.nodeName={pod.node_name}",)
                if pod.node_name
                else ()
            ),
        ),
        RiskTier.MEDIUM,
    )


def _subpath(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> Advice:
    mounts = [
        (c, m)
        for c in pod.init_containers + pod.containers
        for m in c.volume_mounts
        if m.get("name") == info.name and m.get("subPath")
    ]
    evidence: list[Evidence] = []
    cause = f"The subPath mount of {info.described} could not be prepared"
    sub_path = ""
    if mounts:
        container, mount = mounts[0]
        sub_path = str(mount.get("subPath"))
        group = "initContainers" if container.is_init else "containers"
        evidence.append(
            spec_evidence(
                pod,
                f"spec.{group}[{container.name}].volumeMounts[{info.name}]",
                f"mountPath {mount.get('mountPath')}, subPath {sub_path}",
            )
        )
        cause += (
            f": container {container.name} mounts subPath {sub_path} at {mount.get('mountPath')}"
        )
    cause += f' ("{failure.detail}").'
    fix = f"Point subPath at a path that exists in volume {info.name}, then recreate the pod."
    source = _config_source(view, pod, info)
    if source is not None:
        keys = key_names(source)
        evidence.append(
            related_evidence(
                f"{source.kind} {source.namespace}/{source.name}", f"keys: {', '.join(keys)}"
            )
        )
        if sub_path.split("/")[0] in keys:
            cause += (
                f" {source.kind} {source.name} does have key {sub_path}, so the subPath is right: "
                "most likely the object was updated after the pod started — a subPath mount never "
                "receives updates and goes stale, which breaks it when the container restarts."
            )
            fix = "Recreate the pod so the subPath mount is prepared from the current object."
        else:
            near = closest(sub_path, keys)
            cause += (
                f" {source.kind} {source.name} has no key {sub_path} (keys: {', '.join(keys)})."
            )
            cause += f" The closest is {near}." if near else ""
    else:
        cause += (
            " The path must exist in the volume (or be creatable), and be a directory or a file "
            "as the mount expects."
        )
    return Advice(
        info.name,
        f"subPath {sub_path or '(unknown)'} of {info.described} cannot be mounted",
        cause,
        fix,
        ("For ConfigMaps that change, mount the whole volume as a directory, not a subPath.",),
        (f"kubectl delete pod {pod.name} -n {pod.namespace}",),
        RiskTier.LOW,
        tuple(evidence),
    )


def _config_source(view: ClusterView, pod: Pod, info: VolumeInfo) -> KObject | None:
    """The ConfigMap or Secret behind a volume, when collected."""
    if info.source == "configMap":
        return view.get(CONFIGMAP, pod.namespace, str(dig(info.raw, "configMap", "name") or ""))
    if info.source == "secret":
        return view.get(SECRET, pod.namespace, str(dig(info.raw, "secret", "secretName") or ""))
    return None
