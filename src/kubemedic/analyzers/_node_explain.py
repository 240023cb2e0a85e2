"""Why a node is unhealthy, said in terms that lead to the fix.

The Ready condition's message distinguishes a silent kubelet (machine down, partition) from a
kubelet that reports a broken runtime or CNI; pressure conditions come with the pods evicted
from the node and the pods that request nothing. Autoscaler scale-down is expected, not an
outage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kubemedic._internal.quantities import format_memory, parse_quantity
from kubemedic._internal.timeutils import format_time, human_duration, parse_time
from kubemedic.analyzers._memory_fit import fitting_memory
from kubemedic.analyzers._replicas import SETTABLE_KINDS
from kubemedic.analyzers._template_patch import container_recreate_step
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import AffectedPod, Evidence, EvidenceSource, Remediation
from kubemedic.models.k8s import Condition, ContainerSpec, Event, Node, Pod, dig
from kubemedic.models.severity import RiskTier, Severity

POD_NAMES_SHOWN = 8
SCALE_DOWN_TAINTS = frozenset(
    {"ToBeDeletedByClusterAutoscaler", "karpenter.sh/disrupted", "karpenter.sh/disruption"}
)


@dataclass(frozen=True, slots=True)
class _NotReadyCause:
    """One way a kubelet reports (or fails to report) NotReady, and where to look first."""

    pattern: re.Pattern[str]
    meaning: str
    first_step: str


_SILENT = _NotReadyCause(
    re.compile(r"stopped posting node status|never posted node status"),
    "the kubelet stopped reporting: the machine is down or hung, the kubelet crashed, or the "
    "node lost its network path to the API server",
    "Check the machine in your cloud console or hypervisor (running? reachable?), then "
    "systemctl status kubelet and journalctl -u kubelet on it.",
)
_NOT_READY_CAUSES = (
    _SILENT,
    _NotReadyCause(
        re.compile(r"NetworkPluginNotReady|cni plugin not initialized|network plugin", re.I),
        "the container network (CNI) plugin is not ready on the node: its DaemonSet pod is "
        "missing or failing there",
        "Look at the CNI DaemonSet pod on this node (calico-node, cilium, aws-node, ...): why "
        "it is not running, and its logs.",
    ),
    _NotReadyCause(
        re.compile(r"PLEG is not healthy"),
        "the container runtime stopped answering the kubelet (PLEG is not healthy): the "
        "runtime is hung or the node is overloaded",
        "On the node: systemctl status containerd (or crio), crictl ps; restart the runtime if "
        "it is hung, and check for CPU/IO overload.",
    ),
    _NotReadyCause(
        re.compile(r"container runtime|runtime is down|ContainerRuntime", re.I),
        "the container runtime (containerd / CRI-O) is down or not ready",
        "On the node: systemctl status containerd (or crio) and its journal; restart it.",
    ),
)


_PRESSURE_SHORT = {
    "MemoryPressure": "memory requests that match real usage, and memory headroom",
    "DiskPressure": "free disk space and bound what pods write locally",
    "PIDPressure": "stop the process or thread leak and cap PIDs per pod",
}
_PRESSURE_FIXES = {
    "MemoryPressure": "Give the node memory headroom: set memory requests to real usage on the "
    "pods that request little or nothing, or move them to a bigger node.",
    "DiskPressure": "Free disk on the node: unused images, container logs, emptyDir data; "
    "set ephemeral-storage requests/limits on pods that write a lot, or enlarge the disk.",
    "PIDPressure": "Find the pod that forks or leaks threads; set the kubelet's podPidsLimit.",
}


@dataclass(frozen=True, slots=True)
class NodeCase:
    """One unhealthy node and the pods bound to it."""

    view: ClusterView
    node: Node
    pods: tuple[Pod, ...]
    evicted: tuple[Pod, ...] = ()

    @property
    def events(self) -> tuple[Event, ...]:
        return self.view.events_for(self.node)

    @property
    def affected(self) -> tuple[AffectedPod, ...]:
        return tuple(sorted(AffectedPod(p.namespace, p.name) for p in self.pods))

    @property
    def pods_evidence(self) -> tuple[Evidence, ...]:
        if not self.pods:
            return ()
        shown = ", ".join(f"{p.namespace}/{p.name}" for p in self.pods[:POD_NAMES_SHOWN])
        more = len(self.pods) - POD_NAMES_SHOWN
        fact = f"{len(self.pods)} pod(s) bound to {self.node.name}: {shown}"
        fact += f" and {more} more" if more > 0 else ""
        location = f"pods with spec.nodeName={self.node.name}"
        return (Evidence(fact, EvidenceSource.COMPUTED, location),)


@dataclass(frozen=True, slots=True)
class NodeExplanation:
    severity: Severity
    summary: str
    root_cause: str
    evidence: tuple[Evidence, ...]
    remediation: Remediation
    conditions: tuple[Condition, ...]


def condition_evidence(node: Node, cond: Condition) -> Evidence:
    fact = f"{cond.type}={cond.status} ({cond.reason or 'no reason'})"
    fact += f": {cond.message}" if cond.message else ""
    if cond.last_transition is not None:
        fact += f", since {format_time(cond.last_transition)}"
    return Evidence(fact, EvidenceSource.STATUS, f"Node {node.name} status.conditions[{cond.type}]")


def why_unshown(ready: Condition) -> bool:
    """The input shows the node not Ready but not why: a Ready condition with no reason and no
    times is what a ``kubectl get nodes`` row gives (the kubelet's always has both)."""
    return (
        not ready.reason
        and ready.last_transition is None
        and not ready.raw.get("lastHeartbeatTime")
    )


def explain_not_ready(case: NodeCase, ready: Condition) -> NodeExplanation:
    if why_unshown(ready):
        return _not_ready_unexplained(case, ready)
    node = case.node
    known = next((c for c in _NOT_READY_CAUSES if c.pattern.search(ready.message)), None)
    if known is None and ready.status == "Unknown":
        known = _SILENT
    meaning = known.meaning if known else f"the kubelet reports: {ready.message or ready.reason}"
    state = "unreachable" if ready.status == "Unknown" else "NotReady"
    cause = f"Node {node.name} is {state}: {meaning}."
    heartbeat = parse_time(ready.raw.get("lastHeartbeatTime"))
    if heartbeat is not None:
        silence = human_duration((case.view.observed_at - heartbeat).total_seconds())
        cause += (
            f" Its last heartbeat was {format_time(heartbeat)} ({silence} before this snapshot)."
        )
    cause += _pods_sentence(case)
    cause += _stalled_system_pods(case)
    removing = [str(t.get("key")) for t in node.taints if t.get("key") in SCALE_DOWN_TAINTS]
    if removing:
        cause += f" The node carries {removing[0]}: it is being removed by the autoscaler."
    evidence = [condition_evidence(node, ready), *_taint_evidence(node)]
    return NodeExplanation(
        severity=Severity.LOW if removing else Severity.CRITICAL,
        summary=f"Node {node.name} is {state} ({ready.reason or ready.status})",
        root_cause=cause,
        evidence=tuple(evidence),
        remediation=Remediation(
            summary=f"Bring the kubelet on {node.name} back (machine, kubelet, runtime, CNI); "
            "if the machine is gone for good, delete the Node so its pods are rescheduled.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome=f"{node.name} reports Ready=True again, or its pods run elsewhere.",
            steps=(
                (known or _SILENT).first_step,
                "Deleting the Node object is the last resort for a machine that will not come "
                "back: StatefulSet pods and RWO volumes are released only then.",
            ),
            commands=(
                f"kubectl describe node {node.name}",
                f"kubectl get pods -A -o wide --field-selector spec.nodeName={node.name}",
                f"kubectl delete node {node.name}",
            ),
        ),
        conditions=(ready,),
    )


def _not_ready_unexplained(case: NodeCase, ready: Condition) -> NodeExplanation:
    """NotReady as a table row shows it: what to read to learn why, before any repair."""
    node = case.node
    conditions = f"kubectl get node {node.name} -o jsonpath='{{.status.conditions}}'"
    return NodeExplanation(
        severity=Severity.CRITICAL,
        summary=f"Node {node.name} is NotReady (why is not shown)",
        root_cause=f"Node {node.name} is NotReady; the input does not show why: kubectl get "
        "nodes prints NotReady both when the kubelet reports a failure (runtime, CNI, "
        "disk) and when it has stopped reporting at all (machine down, kubelet dead, network "
        "cut), without the Ready condition's reason and message."
        + _pods_sentence(case)
        + _stalled_system_pods(case),
        evidence=(
            Evidence(
                "NotReady: the Ready condition's reason and message are not shown",
                EvidenceSource.STATUS,
                f"Node {node.name} status.conditions[Ready]",
            ),
            *_taint_evidence(node),
        ),
        remediation=Remediation(
            summary=f"Read why {node.name} is NotReady (its Ready condition's reason and "
            "message), then bring back what it names: the machine, the kubelet, the container "
            "runtime or the CNI.",
            risk=RiskTier.LOW,  # the commands only read
            reversible=True,
            expected_outcome=f"The reason {node.name} is NotReady is known, and once repaired "
            "it reports Ready=True again.",
            steps=(
                'If it says "Kubelet stopped posting node status" (Ready=Unknown): '
                + _SILENT.first_step[0].lower()
                + _SILENT.first_step[1:],
                "If the kubelet gives a reason itself (container runtime, network plugin not "
                "ready, PLEG), that names the component to repair on the node.",
                "Deleting the Node object is the last resort for a machine that will not come "
                "back: StatefulSet pods and RWO volumes are released only then.",
            ),
            commands=(
                f"kubectl describe node {node.name}",
                conditions,
                f"kubectl get pods -A -o wide --field-selector spec.nodeName={node.name}",
            ),
        ),
        conditions=(ready,),
    )


def explain_pressure(case: NodeCase, pressures: Sequence[Condition]) -> NodeExplanation:
    node = case.node
    kinds = [c.type for c in pressures]
    cause = f"Node {node.name} reports {' and '.join(kinds)}"
    cause += ": " + "; ".join(c.message for c in pressures if c.message) + "."
    cause += (
        " Under pressure the kubelet evicts pods, those using most above their requests "
        "first, and the node is tainted so no new pods are scheduled there."
    )
    if case.evicted:
        names = ", ".join(f"{p.namespace}/{p.name}" for p in case.evicted[:POD_NAMES_SHOWN])
        cause += f" {len(case.evicted)} pod(s) were evicted from it: {names}."
    hog = _memory_hog(case) if "MemoryPressure" in kinds else None
    evidence = tuple(condition_evidence(node, c) for c in pressures) + _taint_evidence(node)
    steps = tuple(_PRESSURE_FIXES[k] for k in kinds)
    commands: tuple[str, ...] = (
        f"kubectl describe node {node.name}",
        f"kubectl get pods -A -o wide --field-selector spec.nodeName={node.name}",
    )
    summary = (
        f"Relieve the {' and '.join(kinds)} on {node.name}: "
        + "; ".join(_PRESSURE_SHORT[k] for k in kinds)
        + "."
    )
    if "MemoryPressure" in kinds:
        unrequested = [p.name for p in case.pods if not p.total_request("memory")]
        if unrequested:
            cause += " Pods on it with no memory request: " + ", ".join(unrequested[:5]) + "."
    if hog is not None:
        cause += f" {hog.sentence}"
        evidence += (hog.evidence,)
        summary = f"{hog.summary} {summary}"
        steps = (*hog.steps, *steps)
        commands = (*hog.commands, *commands)
    return NodeExplanation(
        severity=Severity.HIGH,
        summary=f"Node {node.name} is under {' and '.join(kinds)}",
        root_cause=cause,
        evidence=evidence,
        remediation=Remediation(
            summary=summary,
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"{node.name} reports {', '.join(f'{k}=False' for k in kinds)} "
            "and stops evicting pods.",
            steps=steps,
            commands=commands,
        ),
        conditions=tuple(pressures),
    )


@dataclass(frozen=True, slots=True)
class _Hog:
    """The container that uses most memory above its request on a node under pressure, and the
    resources that keep it within what the node can give."""

    sentence: str
    evidence: Evidence
    summary: str
    steps: tuple[str, ...]
    commands: tuple[str, ...]


def _memory_hog(case: NodeCase) -> _Hog | None:
    """The container using most memory above its request (from PodMetrics), when it uses more
    than it requests, with the resources that keep it within what the node can give it."""
    found: list[tuple[float, Pod, ContainerSpec, float, float]] = []
    for pod in case.pods:
        metrics = case.view.get("PodMetrics", pod.namespace, pod.name)
        entries = dig(metrics.raw, "containers") if metrics is not None else None
        for entry in entries if isinstance(entries, list) else ():
            spec = pod.container(str(entry.get("name"))) if isinstance(entry, dict) else None
            usage = parse_quantity(dig(entry, "usage", "memory")) if spec else None
            if spec is not None and usage is not None:
                request = spec.resources.request("memory") or 0.0
                found.append((usage - request, pod, spec, usage, request))
    if not found:
        return None
    excess, pod, spec, usage, request = max(found, key=lambda f: f[0])
    if excess <= 0:
        return None
    requested, limit = fitting_memory(
        case.view, case.node.name, usage, besides=lambda p: p is not pod
    )
    workload = case.view.workload_of(pod)
    change = {"resources": {"requests": {"memory": requested}, "limits": {"memory": limit}}}
    commands: tuple[str, ...] = ()
    if workload.kind in SETTABLE_KINDS:
        commands = (
            f"kubectl set resources {workload.kubectl_ref} -c {spec.name} "
            f"--requests=memory={requested} --limits=memory={limit}",
        )
    recreate = container_recreate_step(workload, spec, change)
    used = format_memory(usage)
    asked = f"request {format_memory(request)}" if request else "no request"
    capped = spec.resources.limit_text("memory")
    return _Hog(
        sentence=f"Container {spec.name} of pod {pod.namespace}/{pod.name} uses {used} with "
        f"{asked} and {f'a limit of {capped}' if capped else 'no limit'}: the most above its "
        "request on the node.",
        evidence=Evidence(
            f"container {spec.name} uses {used} of memory ({asked})",
            EvidenceSource.STATUS,
            f"PodMetrics {pod.namespace}/{pod.name} containers[{spec.name}].usage.memory",
        ),
        summary=f"Give container {spec.name} of {workload} a memory request of {requested} and "
        f"a limit of {limit} (what {case.node.name} can give it), so it is stopped within its "
        "own limit instead of starving the node.",
        steps=(recreate,) if recreate else (),
        commands=commands,
    )


def explain_network(case: NodeCase, network: Condition) -> NodeExplanation:
    node = case.node
    return NodeExplanation(
        severity=Severity.HIGH,
        summary=f"Node {node.name} has no pod network ({network.reason or 'NetworkUnavailable'})",
        root_cause=f"Node {node.name} reports NetworkUnavailable=True"
        + (f": {network.message}" if network.message else "")
        + ". Its pod network (CNI or cloud routes) is not configured, so pods on it cannot reach "
        "other nodes and new pods are kept off it."
        + _latest_warning(case)
        + _stalled_system_pods(case)
        + _pods_sentence(case),
        evidence=(condition_evidence(node, network), *_taint_evidence(node)),
        remediation=Remediation(
            summary="Repair the CNI plugin pod on the node (its logs say why), or the cloud "
            "route for the node's pod CIDR.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"{node.name} reports NetworkUnavailable=False.",
            steps=("Look at the CNI DaemonSet pod on that node and its logs.",),
            commands=(
                f"kubectl get pods -n kube-system -o wide "
                f"--field-selector spec.nodeName={node.name}",
                f"kubectl describe node {node.name}",
            ),
        ),
        conditions=(network,),
    )


def _stalled_system_pods(case: NodeCase) -> str:
    stalled = [
        f"{p.namespace}/{p.name} ({_waiting(p)})"
        for p in case.pods
        if p.namespace == "kube-system" and _waiting(p)
    ]
    return f" System pods on it not running: {', '.join(stalled[:4])}." if stalled else ""


def _latest_warning(case: NodeCase) -> str:
    warnings = [e for e in case.events if e.type == "Warning"]
    if not warnings:
        return ""
    return f" Latest warning: {warnings[-1].reason}: {warnings[-1].message.rstrip('.')}."


def _waiting(pod: Pod) -> str:
    """The waiting reason of the first container that is not running, if any."""
    return next((s.state.waiting_reason for s in pod.container_statuses if s.state.is_waiting), "")


def _pods_sentence(case: NodeCase) -> str:
    if not case.pods:
        return ""
    text = f" {len(case.pods)} pod(s) are bound to it"
    pinned = sorted(
        {
            p.controller.name
            for p in case.pods
            if p.controller and p.controller.kind == "StatefulSet"
        }
    )
    if pinned:
        text += (
            f"; StatefulSet pods ({', '.join(pinned)}) are not recreated elsewhere until their "
            "old pod objects are gone"
        )
    return text + "."


def _taint_evidence(node: Node) -> tuple[Evidence, ...]:
    taints = [
        f"{t.get('key')}:{t.get('effect')}"
        + (f" since {t['timeAdded']}" if t.get("timeAdded") else "")
        for t in node.taints
        if str(t.get("key", "")).startswith("node.kubernetes.io/")
    ]
    if not taints:
        return ()
    return (
        Evidence(
            "taints " + ", ".join(taints), EvidenceSource.SPEC, f"Node {node.name} spec.taints"
        ),
    )
