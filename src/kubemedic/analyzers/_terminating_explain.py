"""Who holds a pod in Terminating, and the order in which to let it go.

The holder decides the fix: a dead node is repaired or removed, a finalizer goes back to its
controller, a container the kubelet cannot kill is a node/runtime problem. Force deletion
skips all of them and is only offered last, with what it risks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef, Remediation
from kubemedic.models.k8s import Event, Node, Pod, dig
from kubemedic.models.severity import RiskTier

CAUSES = ("node", "node-gone", "finalizer", "kill", "kubelet")
PODS_IN_COMMANDS = 5
KNOWN_FINALIZERS = {
    "foregroundDeletion": "the garbage collector (foreground deletion: it waits for the pod's "
    "own dependents to be deleted first)",
    "orphan": "the garbage collector (orphaning the pod's dependents)",
    "batch.kubernetes.io/job-tracking": "the Job controller in kube-controller-manager (it "
    "removes it once it has counted the pod)",
}
DEBUG_SOURCE = "debug.openshift.io/source-resource"
"""Set by ``oc debug`` on the copy it makes: ``/v1, Resource=pods/<original pod>``."""
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"
"""The taint that tells Kubernetes a node is shut down: its pods are deleted, volumes detached."""
FORCE_WARNING = (
    "Last resort only: --grace-period=0 --force removes the pod object without the kubelet's "
    "confirmation. If the node is merely partitioned, the containers keep running and volumes "
    "stay attached — a StatefulSet may then run two copies of the same member."
)


@dataclass(frozen=True, slots=True)
class Stuck:
    """One pod past its deletion deadline and what may hold it."""

    pod: Pod
    overdue: timedelta
    node: Node | None
    node_missing: bool
    events: tuple[Event, ...]

    @property
    def node_down(self) -> bool:
        if self.pod.reason == "NodeLost" or (self.node is not None and not self.node.ready):
            return True
        # The node was not collected: the node controller's own word on the pod tells.
        return (
            self.node is None
            and not self.node_missing
            and any(e.reason == "NodeNotReady" for e in self.events)
        )

    @property
    def cause(self) -> str:
        if self.node_down:
            return "node"
        if self.node_missing:
            return "node-gone"
        if self.pod.finalizers:
            return "finalizer"
        if any(e.type == "Warning" for e in self.events):
            return "kill"
        return "kubelet"

    @property
    def rank(self) -> int:
        return CAUSES.index(self.cause)


@dataclass(frozen=True, slots=True)
class TerminatingExplanation:
    summary: str
    root_cause: str
    remediation: Remediation
    evidence: tuple[Evidence, ...] = ()


def finalizer_owner(name: str) -> str:
    if name in KNOWN_FINALIZERS:
        return KNOWN_FINALIZERS[name]
    domain = name.split("/", 1)[0]
    return f"the controller that added it ({domain})"


def explain(workload: ObjectRef, stuck: Sequence[Stuck]) -> TerminatingExplanation:
    first = stuck[0]
    pods = [s.pod for s in stuck]
    subject = _subject(workload, pods, first.overdue)
    if first.cause in ("node", "node-gone"):
        return _node(first, pods, subject)
    if first.cause == "finalizer":
        return _finalizer(first, pods, subject)
    return _kill(first, pods, subject)


def _subject(workload: ObjectRef, pods: Sequence[Pod], overdue: timedelta) -> str:
    minutes = int(overdue.total_seconds() // 60)
    late = f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    if len(pods) == 1:
        return f"Pod {pods[0].name} has been Terminating {late} past its grace period"
    return (
        f"{len(pods)} pods of {workload} have been Terminating up to {late} past their grace period"
    )


def _force_commands(pods: Sequence[Pod]) -> tuple[str, ...]:
    return tuple(
        f"kubectl delete pod {p.name} -n {p.namespace} --grace-period=0 --force"
        for p in pods[:PODS_IN_COMMANDS]
    )


def _node(first: Stuck, pods: Sequence[Pod], subject: str) -> TerminatingExplanation:
    node = first.pod.node_name
    if first.node_missing:
        return _node_gone(first, pods, subject)
    evidence: list[Evidence] = []
    ready = first.node.condition("Ready") if first.node is not None else None
    if ready is not None:
        evidence.append(
            Evidence(
                f"Ready={ready.status} ({ready.reason}): {ready.message}",
                EvidenceSource.RELATED,
                f"Node {node} status.conditions[Ready]",
            )
        )
    held = [p for p in pods if p.finalizers]
    cause = (
        f"{subject}: its node {node} is not responding, so no kubelet can confirm the "
        "containers stopped. The API server keeps the pod object until then."
    ) + _finalizer_note(held)
    return TerminatingExplanation(
        summary=f"Pod stuck Terminating: node {node} is down",
        root_cause=cause,
        evidence=tuple(evidence),
        remediation=Remediation(
            summary=f"Recover node {node}; if the machine is gone for good, delete the Node "
            "object so its pods are cleaned up. Force-delete the pods only after confirming the "
            "machine is really off.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The pod object disappears and its controller runs a replacement.",
            steps=(
                f"Check whether {node} is powered off or only unreachable (cloud console).",
                "If it is shut down, the out-of-service taint deletes its pods and detaches "
                "their volumes at once (remove it when the node returns).",
                FORCE_WARNING,
            ),
            commands=(
                f"kubectl get node {node}",
                f"kubectl taint nodes {node} {OUT_OF_SERVICE}",
                f"kubectl delete node {node}",
                *_force_commands(pods),
                *(_finalizer_patch(p) for p in held[:PODS_IN_COMMANDS]),
            ),
        ),
    )


def _node_gone(first: Stuck, pods: Sequence[Pod], subject: str) -> TerminatingExplanation:
    """The Node object is gone: nothing can run the pod any more, so removing it is safe."""
    node = first.pod.node_name
    held = [p for p in pods if p.finalizers]
    cause = (
        f"{subject}: its node {node} no longer exists, so no kubelet will ever confirm the "
        "containers stopped."
    ) + _finalizer_note(held)
    if held:
        commands = [_finalizer_patch(p) for p in held[:PODS_IN_COMMANDS]]
        summary = (
            f"Node {node} is gone, so the pod's containers are gone too: remove finalizer "
            f"{', '.join(held[0].finalizers)} (its controller cannot finish without the node) "
            "and the pod object disappears."
        )
    else:
        commands = list(_force_commands(pods))
        summary = f"Node {node} is gone: force-delete the pod object, nothing runs it any more."
    return TerminatingExplanation(
        summary=f"Pod stuck Terminating: its node {node} no longer exists",
        root_cause=cause,
        remediation=Remediation(
            summary=summary,
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The pod object disappears and its controller runs a replacement.",
            steps=(
                f"Confirm {node} is really gone (kubectl get node, cloud console).",
                "A force delete does not remove an object that still has finalizers.",
            ),
            commands=(f"kubectl get node {node}", *commands),
        ),
    )


def _finalizer_note(held: Sequence[Pod]) -> str:
    """What the first pod's finalizers add to the cause, if any pod has some."""
    if not held:
        return ""
    finalizers = held[0].finalizers
    return (
        f" It also carries finalizer(s) {', '.join(finalizers)}, handled by "
        f"{finalizer_owner(finalizers[0])}; even a force delete leaves the object until they "
        "are removed."
    )


def _finalizer_patch(pod: Pod) -> str:
    return (
        f"kubectl patch pod {pod.name} -n {pod.namespace} --type=merge "
        """-p '{"metadata":{"finalizers":null}}'"""
    )


def _finalizer(first: Stuck, pods: Sequence[Pod], subject: str) -> TerminatingExplanation:
    pod = first.pod
    if DEBUG_SOURCE in pod.annotations:
        return _debug_copy(pod, subject)
    owners = "; ".join(f"{name} is handled by {finalizer_owner(name)}" for name in pod.finalizers)
    names = ", ".join(pod.finalizers)
    patch = _finalizer_patch(pod)
    return TerminatingExplanation(
        summary=f"Pod stuck Terminating: finalizer {names} was never removed",
        root_cause=f"{subject}: its containers are gone from the node's point of view, but "
        f"finalizer(s) {names} remain and the API server keeps the object until they are "
        f"removed. {owners}. That controller is not running, failing, or no longer installed.",
        remediation=Remediation(
            summary="Fix or reinstall the controller that owns the finalizer so it finishes its "
            "cleanup; remove the finalizer by hand only if that controller is gone for good.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The finalizer is removed and the pod object disappears.",
            steps=(
                "Find the controller for the finalizer's domain and read its logs for this pod.",
                "Removing the finalizer by hand skips that controller's cleanup (external "
                "resources, registrations) — do it only when you know what it would have done.",
            ),
            commands=(
                f"kubectl get pod {pod.name} -n {pod.namespace} "
                "-o jsonpath='{.metadata.finalizers}'",
                patch,
            ),
        ),
    )


def _debug_copy(pod: Pod, subject: str) -> TerminatingExplanation:
    """``oc debug`` copies a pod with its metadata, finalizers included; the controller that
    set them only processes the pods it created, so on the copy nobody ever removes them."""
    source = pod.annotations[DEBUG_SOURCE].rsplit("/", 1)[-1]
    names = ", ".join(pod.finalizers)
    owner = finalizer_owner(pod.finalizers[0])
    return TerminatingExplanation(
        summary=f"Pod stuck Terminating: debug copy of {source} kept finalizer {names}",
        root_cause=f"{subject}: it is a debug copy of pod {source} (oc debug), and the copy "
        f"inherited finalizer(s) {names} from it. {owner[0].upper()}{owner[1:]} removes them "
        "only from the pods it created, never from a copy, so the API server keeps the object "
        "for good.",
        remediation=Remediation(
            summary=f"Remove the inherited finalizer(s) from the copy: {owner} has nothing to "
            "clean up for it.",
            risk=RiskTier.LOW,
            reversible=False,
            expected_outcome="The finalizer is removed and the pod object disappears.",
            steps=(
                "Only the copy is affected: leave the finalizers of the original pod alone.",
                "Delete debug pods when done with them (oc debug deletes its copy on exit unless "
                "the session was cut).",
            ),
            commands=(_finalizer_patch(pod),),
        ),
    )


def _kill(first: Stuck, pods: Sequence[Pod], subject: str) -> TerminatingExplanation:
    pod = first.pod
    warnings = [e for e in first.events if e.type == "Warning"]
    running = [s.name for s in pod.container_statuses if s.state.is_running]
    why = (
        f"the kubelet on {pod.node_name} could not stop it — {warnings[-1].reason}: "
        f"{warnings[-1].message}"
        if warnings
        else f"the kubelet on {pod.node_name} has not confirmed that its containers stopped"
    )
    cause = f"{subject}: {why}."
    if running:
        cause += f" Containers still reported running: {', '.join(running)}."
    elif _never_started(pod):
        cause += (
            " Its containers never started (" + ", ".join(_waiting(pod)) + "): there is no "
            "process to stop, the kubelet is stuck tearing down a pod whose sandbox (network, "
            "volumes) it never finished setting up; its log for this pod says which step failed."
        )
    nfs = [f"{dig(v, 'nfs', 'server')}:{dig(v, 'nfs', 'path')}" for v in pod.volumes if "nfs" in v]
    if nfs:
        cause += (
            f" The pod mounts NFS ({', '.join(nfs)}): an unresponsive NFS server leaves "
            "processes in uninterruptible I/O that no signal can kill."
        )
    return TerminatingExplanation(
        summary=f"Pod stuck Terminating: the kubelet on {pod.node_name} cannot stop it",
        root_cause=cause,
        remediation=Remediation(
            summary=f"Find what keeps the containers alive on {pod.node_name} (a hung preStop "
            "hook, a process in uninterruptible I/O, a runtime error) and fix it there.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The kubelet confirms the containers stopped and the pod disappears.",
            steps=(
                "On the node: crictl ps / crictl inspect for the pod's containers; look for "
                "processes in D state (NFS, storage) and the kubelet log for this pod.",
                "A preStop hook longer than terminationGracePeriodSeconds is cut short; a hook "
                "that hangs forever needs a timeout in the hook itself.",
                FORCE_WARNING,
            ),
            commands=(
                f"kubectl describe pod {pod.name} -n {pod.namespace}",
                *_force_commands(pods),
            ),
        ),
    )


def _never_started(pod: Pod) -> bool:
    """Every container still waits to be created for the first time: nothing ever ran."""
    statuses = pod.container_statuses
    return bool(statuses) and all(
        s.state.is_waiting and s.restart_count == 0 and s.last_state.terminated is None
        for s in statuses
    )


def _waiting(pod: Pod) -> list[str]:
    return [
        f"{s.name}: {s.state.waiting_reason}" if s.state.waiting_reason else s.name
        for s in pod.container_statuses
    ]
