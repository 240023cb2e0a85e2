"""Pending because a bound local volume can only be used on one node the pod cannot go to.

The scheduler's VolumeBinding filter checks a bound PersistentVolume's ``spec.nodeAffinity``
against each node: "node(s) had volume node affinity conflict". Zonal disks name a zone: the fix
is a node in that zone or moving the data (``_pending_placement`` says so). Local and hostPath
volumes name one node by ``kubernetes.io/hostname``: their data is on that node's disk, so the
fix depends on whether the node still exists (repoint, that is recreate, the PersistentVolume)
or exists but refuses the pod (let the pod onto that node). PersistentVolume node affinity
cannot be edited in place (only an alpha gate of Kubernetes 1.35 allows it).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic.analyzers._fit import NodeFit
from kubemedic.analyzers._pending_case import (
    Explanation,
    PendingCase,
    describe_fit,
    names,
    node_evidence,
)
from kubemedic.analyzers._volumes import Claim
from kubemedic.models.categories import Category
from kubemedic.models.findings import ObjectRef, Remediation
from kubemedic.models.k8s import dig
from kubemedic.models.severity import RiskTier

HOSTNAME = "kubernetes.io/hostname"


@dataclass(frozen=True, slots=True)
class _Pinned:
    """A claim whose volume names the node(s) it lives on."""

    claim: Claim
    hostnames: tuple[str, ...]

    @property
    def pv_name(self) -> str:
        return self.claim.pv.name if self.claim.pv is not None else ""

    @property
    def path(self) -> str:
        raw = self.claim.pv.raw if self.claim.pv is not None else {}
        return str(dig(raw, "spec", "local", "path") or dig(raw, "spec", "hostPath", "path") or "")

    @property
    def reclaim_policy(self) -> str:
        raw = self.claim.pv.raw if self.claim.pv is not None else {}
        return str(dig(raw, "spec", "persistentVolumeReclaimPolicy") or "")


def explain_pinned_volume(case: PendingCase) -> Explanation | None:
    """Name the node a local volume is pinned to and why the pod cannot go there; None when
    no bound volume names a node (zonal disks: the caller explains those)."""
    pinned = _pinned(case)
    if not pinned:
        return None
    first = pinned[0]
    present = [f for f in case.fits if f.node.labels.get(HOSTNAME) in first.hostnames]
    if present:
        return _node_refuses(case, first, present[0])
    return _node_gone(case, first)


def _pinned(case: PendingCase) -> list[_Pinned]:
    found = []
    for claim in case.claims:
        constraint = claim.volume_constraint
        if constraint is None:
            continue
        hostnames = tuple(
            value
            for r in constraint.all_requirements
            if r.key == HOSTNAME and r.operator == "In"
            for value in r.values
        )
        if hostnames:
            found.append(_Pinned(claim, hostnames))
    return found


def _nodes_complete(case: PendingCase) -> bool:
    """Every node is in the view: listed, or as many as the scheduler counted."""
    if case.view.knows("Node"):
        return True
    total = case.verdict.total_nodes if case.verdict is not None else None
    return bool(case.fits) and total == len(case.fits)


def _volume_words(pinned: _Pinned) -> str:
    where = f" at {pinned.path}" if pinned.path else ""
    hosts = ", ".join(pinned.hostnames)
    return (
        f"volume {pinned.claim.volume} (PersistentVolume {pinned.pv_name}{where}), which is "
        f"pinned to node {names(list(pinned.hostnames))} ({HOSTNAME} In {hosts})"
    )


def _node_gone(case: PendingCase, pinned: _Pinned) -> Explanation:
    nodes = [f.node.name for f in case.fits]
    complete = _nodes_complete(case)
    pinned_to = names(list(pinned.hostnames))
    misnamed = next((f.node for f in case.fits if f.node.name in pinned.hostnames), None)
    cause = f"Pod {case.pod.name} needs {_volume_words(pinned)}, and "
    if misnamed is not None:
        label = misnamed.labels.get(HOSTNAME)
        cause += (
            f"node {misnamed.name} exists but its {HOSTNAME} label is "
            f"{label if label is not None else 'missing'}: a volume's node affinity is matched "
            "against node labels, not node names."
        )
        target = label or misnamed.name
        summary = f"its volume is pinned to {HOSTNAME}={pinned_to}, a label no node carries"
    else:
        cause += (
            f"no node of the cluster has that name (the nodes are {names(nodes)}). "
            if complete
            else f"no node in the input has that name (nodes read: {names(nodes) or 'none'}). "
        )
        cause += (
            "The data of such a volume is on that one node's disk: the node was removed or "
            "renamed, or the PersistentVolume was written for another cluster."
        )
        target = nodes[0] if complete and len(nodes) == 1 else "the node that holds the data"
        summary = f"its volume is pinned to node {pinned_to}, which " + (
            "does not exist" if complete else "is not among the nodes read"
        )
    claim, ns = pinned.claim.name, pinned.claim.namespace
    steps = [
        f"Find the node whose disk holds the data{f' ({pinned.path})' if pinned.path else ''}, "
        f"or bring node {pinned_to} back under that name.",
        f"The node affinity of a PersistentVolume cannot be edited: recreate it. In the saved "
        f"{pinned.pv_name}.yaml change {pinned_to} to {target} under spec.nodeAffinity; in "
        "both saved files drop status, metadata.uid and metadata.resourceVersion, and in the "
        "PersistentVolume spec.claimRef.uid and spec.claimRef.resourceVersion (else it stays "
        f"Released). Stop {case.workload} (scale it to 0), delete PersistentVolumeClaim "
        f"{claim} and PersistentVolume {pinned.pv_name}, apply the saved PersistentVolume, "
        "then the saved claim, and scale back.",
    ]
    if pinned.reclaim_policy and pinned.reclaim_policy != "Retain":
        steps.insert(
            1,
            f"Its reclaim policy is {pinned.reclaim_policy}: set it to Retain first (kubectl "
            f"patch pv {pinned.pv_name} -p "
            '\'{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}\'), or deleting the claim '
            "deletes the volume.",
        )
    return Explanation(
        category=Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        summary=f"Pod cannot be scheduled: {summary}",
        root_cause=cause,
        evidence=tuple(node_evidence(case)),
        related=(ObjectRef("PersistentVolume", pinned.pv_name),),
        remediation=Remediation(
            summary=f"Point PersistentVolume {pinned.pv_name} at the node that holds its data "
            f"({target}) by recreating it, or bring node {pinned_to} back.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome=f"The volume is usable on {target}: the pod is scheduled there.",
            steps=tuple(steps),
            commands=(
                f"kubectl get nodes -L {HOSTNAME}",
                f"kubectl get pv {pinned.pv_name} -o yaml > {pinned.pv_name}.yaml",
                f"kubectl get pvc {claim} -n {ns} -o yaml > {claim}.yaml",
            ),
        ),
    )


def _node_refuses(case: PendingCase, pinned: _Pinned, fit: NodeFit) -> Explanation:
    node = fit.node.name
    reasons = describe_fit(fit).removeprefix(f"{node}: ")
    known = reasons != "no blocker kubemedic can see"
    cause = f"Pod {case.pod.name} needs {_volume_words(pinned)}, the only place its data is; "
    cause += (
        f"node {node} refuses the pod: {reasons}."
        if known
        else f"node {node} exists but the scheduler did not place the pod there."
    )
    return Explanation(
        category=Category.SCHEDULING_AFFINITY_OR_SELECTOR,
        summary=f"Pod cannot be scheduled: its volume is on node {node}, which refuses the pod",
        root_cause=cause,
        evidence=tuple(node_evidence(case, [fit, *(f for f in case.fits if f is not fit)])),
        related=(ObjectRef("Node", node), ObjectRef("PersistentVolume", pinned.pv_name)),
        remediation=Remediation(
            summary=f"Let the pod onto node {node} (the volume cannot move): remove what "
            "keeps it off that node, or recreate the volume on a node the pod may use.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"The pod is scheduled on {node}, next to its data.",
            steps=(
                "A node selector or node affinity that excludes the node: make it include "
                f"{node} (or drop it: the volume already decides where the pod runs).",
                "A taint: tolerate it; a cordon: uncordon the node; full: free room on it.",
            ),
            commands=(
                f"kubectl describe node {node}",
                f"kubectl get pod {case.pod.name} -n "
                f"{case.pod.namespace} -o jsonpath='{{.spec.nodeSelector}}'",
            ),
        ),
    )
