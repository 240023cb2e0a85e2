"""Multi-Attach: a ReadWriteOnce volume the attach/detach controller will not attach to a
second node.

Who holds it decides the fix. The controller's event names the pods still using the volume on
another node ("Volume is already used by pod(s) web-1"): an older replica during a rolling
update (strategy Recreate), a replica sharing one claim (a claim per replica), another
workload's pod (free the claim, or share its node). When it names none ("Volume is already
exclusively attached to one node and can't be attached to another"), no pod wants the volume
there any more: the attachment is left over from the claim's previous pod, and the old node
has not detached it (still unmounting, unreachable, or a stale VolumeAttachment).
"""

from __future__ import annotations

import json
import re
import shlex

from kubemedic.analyzers._build import related_evidence
from kubemedic.analyzers._mount_events import MountFailure
from kubemedic.analyzers._volume_info import Advice, VolumeInfo
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import Pod, dig
from kubemedic.models.severity import RiskTier

_RECREATE = {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}}
_USED_BY = re.compile(r"already used by pods?\(s\) (?P<pods>.+?)\s*$")


def multi_attach(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> Advice:
    workload = view.workload_of(pod)
    holders = _holders(view, pod, failure, info)
    volume = f"{info.described}" if info.claim else f"volume {failure.volume}"
    cause = (
        f"{volume[0].upper()}{volume[1:]} is still attached to another node, and a "
        f"ReadWriteOnce volume attaches to one node at a time, so this pod on node "
        f"{pod.node_name} cannot get it."
    )
    evidence: list[Evidence] = []
    for holder in holders:
        state = "being deleted" if holder.deletion_timestamp else "still running"
        cause += f" Pod {holder.name} on node {holder.node_name} holds it ({state})."
        evidence.append(
            related_evidence(
                f"Pod {holder.namespace}/{holder.name}",
                f"uses claim {info.claim or failure.volume} on node {holder.node_name}",
            )
        )
    controller = view.get(workload.kind, workload.namespace, workload.name)
    raw = controller.raw if controller is not None else {}
    strategy = str(dig(raw, "spec", "strategy", "type") or "RollingUpdate")
    commands: list[str] = []
    steps: list[str] = []
    rolling = workload.kind == "Deployment" and strategy != "Recreate"
    if rolling:
        cause += (
            f" Deployment {workload.name} uses the {strategy} strategy: a new "
            "pod starts before the old one stops, and the old one only stops once the new one is "
            "Ready — with one ReadWriteOnce volume that never happens."
        )
        replicas = dig(raw, "spec", "replicas")
        if isinstance(replicas, int) and replicas > 1:
            cause += (
                f" With {replicas} replicas sharing one claim, pods on other nodes can never "
                "mount it."
            )
        commands.append(
            f"kubectl patch {workload.kubectl_ref} --type merge -p "
            + shlex.quote(json.dumps(_RECREATE, separators=(",", ":")))
        )
        steps.append(
            "Use strategy Recreate for a single-replica Deployment with a ReadWriteOnce volume, "
            "or a StatefulSet (one claim per replica via volumeClaimTemplates), or ReadWriteMany "
            "storage when replicas must share data."
        )
    running = [h for h in holders if not h.deletion_timestamp]
    strangers = [h for h in running if view.workload_of(h) != workload]
    if strangers:
        owner = view.workload_of(strangers[0])
        whose = "a bare pod" if owner.kind == "Pod" else f"a pod of {owner}"
        cause += (
            f" Pod {strangers[0].name} is not part of {workload} but {whose}: two workloads "
            "share one ReadWriteOnce claim, and only pods on the same node can use it at once."
        )
        steps.append(
            f"To unblock now, delete pod {strangers[0].name} if it is done with the volume"
            + (" (a bare pod: nothing recreates it)" if owner.kind == "Pod" else "")
            + ": the volume detaches and this pod mounts it."
        )
        steps.append(
            f"To keep both, run this pod on node {strangers[0].node_name} (a nodeSelector on "
            f"that node's kubernetes.io/hostname label, or a podAffinity to {strangers[0].name} "
            "with topologyKey kubernetes.io/hostname): a ReadWriteOnce volume serves several "
            "pods on one node."
        )
        commands.append(f"kubectl delete pod {strangers[0].name} -n {pod.namespace}")
    elif running:
        steps.append(
            f"To unblock now, delete the old pod {running[0].name} (brief downtime): the volume "
            "detaches and this pod mounts it."
        )
        commands.append(f"kubectl delete pod {running[0].name} -n {pod.namespace}")
    elif not holders and _USED_BY.search(failure.detail) is None:
        return _leftover(view, pod, failure, info, cause)
    else:
        steps.append(
            "If the node holding the volume is down, the attach/detach controller force-detaches "
            "it after about 6 minutes; check VolumeAttachment objects if it stays attached."
        )
    commands.append(f"kubectl get volumeattachment | grep {info.pv or failure.volume}")
    return Advice(
        info.name,
        f"{volume[0].upper()}{volume[1:]} is attached to another node (Multi-Attach)",
        cause,
        "Stop two pods on different nodes from needing the same ReadWriteOnce volume: "
        + ("switch the Deployment to strategy Recreate, or " if rolling else "")
        + (
            f"free it from pod {strangers[0].name}, run both on one node, or use ReadWriteMany "
            "storage."
            if strangers
            else "give each replica its own claim (StatefulSet) or use ReadWriteMany storage."
        ),
        tuple(steps),
        tuple(commands),
        RiskTier.MEDIUM,
        tuple(evidence),
    )


def _leftover(
    view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo, cause: str
) -> Advice:
    """No pod wants the volume elsewhere: the old node still has it attached."""
    pv = info.pv or failure.volume
    attachments = [
        a
        for a in view.objects("VolumeAttachment")
        if dig(a.spec, "source", "persistentVolumeName") == pv
        and a.spec.get("nodeName") != pod.node_name
    ]
    where = ", ".join(f"{a.name} on node {a.spec.get('nodeName')}" for a in attachments)
    cause += (
        " The controller names no pod using it elsewhere: nothing wants the volume on its old "
        "node any more, so the attachment is left over from the claim's previous pod, and that "
        "node has not detached it yet (still unmounting, unreachable, or a stale "
        "VolumeAttachment" + (f": {where}" if where else "") + ")."
    )
    columns = (
        "NAME:.metadata.name,PV:.spec.source.persistentVolumeName,NODE:.spec.nodeName,"
        "ATTACHED:.status.attached"
    )
    commands = [f"kubectl get volumeattachment -o custom-columns={columns} | grep {pv}"]
    commands += [f"kubectl delete volumeattachment {a.name}" for a in attachments[:1]]
    volume = f"{info.described}" if info.claim else f"volume {failure.volume}"
    return Advice(
        info.name,
        f"{volume[0].upper()}{volume[1:]} is still attached to its previous node (Multi-Attach)",
        cause,
        "Release the attachment left on the old node: let it detach (about 6 minutes after the "
        "old pod is gone) or delete the stale VolumeAttachment.",
        (
            "Find the VolumeAttachment of the volume and its node (first command). If a pod on "
            "that node still uses the volume, that pod is the holder: stop it first.",
            "Otherwise, if it stays attached for more than about 6 minutes, delete that "
            "VolumeAttachment: the CSI attacher detaches the volume and attaches it to node "
            f"{pod.node_name or 'of this pod'}.",
        ),
        tuple(commands),
        RiskTier.MEDIUM,
        (),
    )


def _holders(view: ClusterView, pod: Pod, failure: MountFailure, info: VolumeInfo) -> list[Pod]:
    """The other pods using the volume: named by the controller, else found by claim."""
    match = _USED_BY.search(failure.detail)
    if match:
        names = [n.strip() for n in match["pods"].split(",")]
        found = [view.get("Pod", pod.namespace, n) for n in names]
        return [p for p in found if isinstance(p, Pod)]
    if not info.claim:
        return []
    return [
        other
        for other in view.pods_of(view.workload_of(pod))
        if other.name != pod.name
        and other.node_name != pod.node_name
        and any(dig(v, "persistentVolumeClaim", "claimName") == info.claim for v in other.volumes)
    ]
