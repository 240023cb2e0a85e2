"""Pods a node's graceful shutdown ended: records of the shutdown, not failures of the pods.

When a node shuts down (spot or preemptible reclaim, maintenance, ``systemctl poweroff``) and
the kubelet's graceful node shutdown is on, the kubelet stops its pods and leaves them
``Failed`` with reason ``Terminated`` ("Pod was terminated in response to imminent node
shutdown.", a ``DisruptionTarget`` condition ``TerminationByKubelet``); while the node is
shutting down it rejects new pods with reason ``NodeShutdown``; kubelets of 1.20 said
``Shutdown``. Nothing restarts such a pod: a controller creates a replacement, and the record
stays until someone deletes it or the pod garbage collector's threshold is reached. So the
finding weighs what still serves: a fully serving workload's records are cleanup (history after
an hour), a bare pod is gone for good.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from kubemedic.analyzers._build import pod_finding, pod_location
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import availability, cleanup_command
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import Pod
from kubemedic.models.severity import RiskTier

ID = "KM-POD-NODE-SHUTDOWN"
NAME = "node_shutdown"
_REASONS = frozenset({"Terminated", "NodeShutdown", "Shutdown"})
_SHUTDOWN_WORDS = ("shutdown", "shutting down", "shutting,")


def analyze(view: ClusterView) -> Iterator[Finding]:
    groups: dict[ObjectRef, list[Pod]] = defaultdict(list)
    for pod in view.troubled_pods:
        if _ended_by_shutdown(pod):
            groups[view.workload_of(pod)].append(pod)
    for workload, pods in groups.items():
        yield _finding(view, workload, sorted(pods, key=_ended_at_key))


def _ended_by_shutdown(pod: Pod) -> bool:
    """``Terminated`` is also a container state: at pod level only the shutdown manager sets it,
    and its message (or the DisruptionTarget condition's) says so."""
    if pod.phase != "Failed" or pod.reason not in _REASONS or pod.deletion_timestamp:
        return False
    target = pod.condition("DisruptionTarget")
    said = f"{pod.message} {target.message if target else ''}".lower()
    return pod.reason != "Terminated" or any(word in said for word in _SHUTDOWN_WORDS)


def _ended_at(pod: Pod) -> datetime | None:
    """When the shutdown ended the pod: its DisruptionTarget condition, else its Ready turning
    False, else the last container end."""
    for kind in ("DisruptionTarget", "Ready"):
        cond = pod.condition(kind)
        if cond is not None and cond.last_transition is not None:
            return cond.last_transition
    ends = [s.state.terminated.finished_at for s in pod.container_statuses if s.state.terminated]
    return max((e for e in ends if e is not None), default=None)


def _ended_at_key(pod: Pod) -> tuple[bool, datetime | None]:
    ended = _ended_at(pod)
    return ended is not None, ended


def _finding(view: ClusterView, workload: ObjectRef, pods: list[Pod]) -> Finding:
    latest = pods[-1]
    serving = availability(view, workload)
    nodes = sorted({p.node_name for p in pods if p.node_name})
    where = ", ".join(nodes) or "its node"
    count = len(pods)
    subject = f"pod {latest.name}" if serving.standalone else f"{count} pod(s) of {workload}"
    outcome = (
        "it is a bare pod: nothing creates it again, so it is gone until it is recreated."
        if serving.standalone
        else "the kubelet does not restart such pods; the controller replaced them: "
        f"{serving.text}."
    )
    finding = pod_finding(
        view,
        latest,
        id=ID,
        analyzer=NAME,
        severity=serving.leftover_severity(last=_ended_at(latest), now=view.observed_at),
        category=Category.NODE_SHUTDOWN,
        containers=[],
        summary=f"{subject} ended by the shutdown of node {where}",
        root_cause=f"Node {where} shut down (a spot or preemptible reclaim, maintenance or a "
        f"power-off) and its kubelet stopped {subject} on the way ({latest.reason}: "
        f"{latest.message.strip()}); {outcome}",
        evidence=[
            Evidence(
                f"phase Failed, reason {latest.reason}: {latest.message.strip()}",
                EvidenceSource.STATUS,
                pod_location(latest, "status.reason"),
            ),
            Evidence(
                f"{count} pod(s) of {workload} ended by the node's shutdown; {serving.text}",
                EvidenceSource.COMPUTED,
                f"pods of {workload} with status.reason {latest.reason}",
            ),
        ],
        remediation=_remediation(view, workload, pods, serving.standalone),
    )
    return replace(finding, affected=tuple(sorted(view.affected_pod(p) for p in pods)))


def _remediation(
    view: ClusterView, workload: ObjectRef, pods: list[Pod], standalone: bool
) -> Remediation:
    latest = pods[-1]
    target = f"{latest.name} -n {latest.namespace}"
    if standalone:
        return Remediation(
            summary=f"Recreate pod {latest.name} from its manifest, or run it under a "
            "Deployment so a node's shutdown no longer ends it for good.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="The pod runs again on a node that is up.",
            steps=(
                "The first command saves the pod's manifest; delete the record, strip the "
                "status and nodeName from the manifest and create it again.",
            ),
            commands=(
                f"kubectl get pod {target} -o yaml > {latest.name}.yaml",
                f"kubectl delete pod {target}",
            ),
        )
    return Remediation(
        summary="Delete the records the shutdown left; nothing else is needed while the "
        "replacements serve.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="No Failed pods of the workload remain; it keeps its replicas.",
        steps=(
            "Nodes that are reclaimed often (spot, preemptible) leave such records at every "
            "reclaim: a PodDisruptionBudget and enough replicas spread over nodes keep the "
            "workload serving meanwhile.",
        ),
        commands=(cleanup_command(view, workload, tuple(pods)),),
    )


ANALYZER = Analyzer(
    name=NAME,
    description="Pods a node's graceful shutdown ended (reason Terminated, NodeShutdown, "
    "Shutdown): records to clean up while replacements serve, a loss for a bare pod.",
    categories=(Category.NODE_SHUTDOWN,),
    analyze=analyze,
)
