"""Pods on a node that stopped answering: their state is unknown, and what happens to them next.

When a kubelet goes silent the node controller marks the node ``Ready=Unknown``, taints it
``node.kubernetes.io/unreachable`` and marks its pods not Ready (event ``NodeNotReady``); after
the pods' toleration for that taint (300 s by default) it deletes them — but a deletion needs
the kubelet's confirmation, so they hang in ``Terminating`` (shown as ``Unknown``, reason
``NodeLost``), and a StatefulSet does not start a replacement while the old pod object exists.
Older clusters set ``NodeLost`` or phase ``Unknown`` on the pods directly. This analyzer
reports those pods for their workload — what is lost, when the eviction happens (or why it has
not), and the way out that does not risk two copies of one member: recover the node, or tell
Kubernetes it is gone (``out-of-service`` taint, deleting the Node) before forcing deletions.
Pods already being deleted are ``terminating``'s; the node itself is ``node_health``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kubemedic._internal.timeutils import format_time, human_duration, parse_time
from kubemedic.analyzers._build import event_evidence, matching_events, pod_finding, pod_location
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._replicas import availability
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import Condition, Event, Node, Pod
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-POD-NODE-LOST"
NAME = "node_lost"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION = timedelta(seconds=300)
"""What the DefaultTolerationSeconds admission plugin gives pods that set none."""


@dataclass(frozen=True, slots=True)
class _Lost:
    """A pod on a lost node, and what the view says about that node."""

    pod: Pod
    node: Node | None
    node_gone: bool
    since: datetime | None
    evidence: tuple[Evidence, ...]
    events: tuple[Event, ...]


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None or not pod.node_name:
            continue
        if pod.phase in ("Succeeded", "Failed"):
            continue
        lost = _lost(view, pod)
        if lost is not None:
            yield _finding(view, lost)


def _lost(view: ClusterView, pod: Pod) -> _Lost | None:
    """The pod, when its node is unreachable or gone (and nothing else explains it better)."""
    found = view.get("Node", "", pod.node_name)
    node = found if isinstance(found, Node) else None
    node_gone = node is None and view.knows("Node")
    evidence = [_status(pod)] if pod.reason == "NodeLost" or pod.phase == "Unknown" else []
    since: datetime | None = None
    if node is not None:
        ready = node.condition("Ready")  # first: the one test that fails on every healthy node
        if ready is None or ready.status != "Unknown":
            return None  # the kubelet still reports: not lost (NotReady has its own cause)
        if _scaling_down(node) or _owned_by_node_or_daemonset(pod):
            return None  # expected scale-down; a node's own pods are node_health's
        evidence += _node_evidence(node, ready)
        since = ready.last_transition or _taint_time(node)
    events = tuple(matching_events(view, pod, ("NodeNotReady",)))
    if node_gone:
        evidence.append(
            Evidence(
                f"node {pod.node_name} does not exist (Nodes were listed)",
                EvidenceSource.RELATED,
                f"Node {pod.node_name}",
            )
        )
    elif node is None:  # not collected: the pod's own status and the node controller's word
        if not evidence and (not events or _ready_again(pod, events)):
            return None
        since = events[-1].last_seen if events else None
    ready_cond = pod.condition("Ready")
    if ready_cond is not None and not ready_cond.is_true:
        fact = f"Ready={ready_cond.status}" + (
            f" since {format_time(ready_cond.last_transition)}"
            if ready_cond.last_transition
            else ""
        )
        evidence.append(
            Evidence(fact, EvidenceSource.STATUS, pod_location(pod, "status.conditions[Ready]"))
        )
    evidence += [event_evidence(e) for e in events[-1:]]
    return _Lost(pod, node, node_gone, since, tuple(evidence), events)


def _finding(view: ClusterView, lost: _Lost) -> Finding:
    pod = lost.pod
    workload = view.workload_of(pod)
    node = pod.node_name
    if lost.node_gone:
        state = f"its node {node} no longer exists"
    else:
        when = f" at {format_time(lost.since)}" if lost.since else ""
        state = f"its node {node} stopped responding{when}"
    cause = (
        f"Pod {pod.name} is bound to a lost node: {state}. Nobody can report what its containers "
        "do now: the API keeps their last status, the pod is marked not Ready, and Services "
        "send it no traffic."
    )
    cause += " " + _next_step(view, lost)
    if workload.kind == "StatefulSet":
        cause += (
            f" StatefulSet {workload.name} does not start a replacement {pod.name} anywhere else "
            "while this pod object exists: it cannot know the old one has stopped."
        )
    elif workload.kind == "Pod":
        cause += " It is a bare pod: no controller replaces it."
    else:
        cause += f" {workload.kind} {workload.name} replaces it once the pod object is gone."
    serving = availability(view, workload)
    if serving.desired is not None or serving.live > 1:
        cause += f" {workload} has {serving.text}."
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=_severity(workload.kind, serving.ready, serving.standalone),
        category=Category.NODE_NOT_READY,
        containers=[],
        summary=f"Pod {pod.name} is on lost node {node}"
        + (" (gone)" if lost.node_gone else " (unreachable)"),
        root_cause=cause,
        evidence=lost.evidence,
        events=lost.events,
        remediation=_remediation(lost, standalone=workload.kind == "Pod"),
    )


def _next_step(view: ClusterView, lost: _Lost) -> str:
    """When the pod leaves the node: its eviction, or the garbage collector for a gone node."""
    pod = lost.pod
    if lost.node_gone:
        return (
            "The pod garbage collector deletes pods of a deleted node within a minute; a pod "
            "still here means kube-controller-manager's podgc is not running, and deleting it "
            "by hand is safe (the machine is gone)."
        )
    seconds = _toleration(pod)
    if seconds is None:
        return "It tolerates the unreachable taint without limit, so it is never evicted."
    start = _taint_time(lost.node) if lost.node else lost.since
    if lost.node is not None and start is None:
        return (
            f"Node {lost.node.name} carries no NoExecute unreachable taint, so no eviction is "
            "scheduled for its pods: taint-based eviction is off, or the node controller paused "
            "evictions for a zone it considers fully disrupted."
        )
    if start is None:
        return (
            f"It is evicted {human_duration(seconds.total_seconds())} after the node became "
            "unreachable (its toleration for node.kubernetes.io/unreachable)."
        )
    due = start + seconds
    if view.observed_at < due:
        return (
            f"It is evicted at {format_time(due)}, when its {int(seconds.total_seconds())}s "
            "toleration for node.kubernetes.io/unreachable runs out."
        )
    return (
        f"Its {int(seconds.total_seconds())}s toleration for node.kubernetes.io/unreachable ran "
        f"out at {format_time(due)}, yet it was not evicted: the node controller stops evicting "
        "when most nodes of a zone are unhealthy (it suspects its own network)."
    )


def _remediation(lost: _Lost, *, standalone: bool) -> Remediation:
    from kubemedic.analyzers._terminating_explain import FORCE_WARNING, OUT_OF_SERVICE

    pod, node = lost.pod, lost.pod.node_name
    force = f"kubectl delete pod {pod.name} -n {pod.namespace} --grace-period=0 --force"
    then = (
        "and recreate it from its manifest (better: under a Deployment or Job)"
        if standalone
        else "so its controller replaces it"
    )
    if lost.node_gone:
        return Remediation(
            summary=f"Node {node} is gone, so nothing runs this pod: delete the pod object "
            f"(forced: no kubelet will confirm) {then}.",
            risk=RiskTier.MEDIUM,
            reversible=False,
            expected_outcome="The pod object disappears"
            + (
                "; the recreated pod runs on a live node."
                if standalone
                else " and its controller runs a replacement."
            ),
            steps=(f"Confirm {node} is really gone (cloud console).",),
            commands=(f"kubectl get node {node}", force),
        )
    return Remediation(
        summary=f"Bring node {node} back; if the machine is shut down for good, tell Kubernetes "
        "so (out-of-service taint, or delete the Node) and its pods are replaced safely.",
        risk=RiskTier.MEDIUM,
        reversible=False,
        expected_outcome="The node reports Ready again, or its pods are deleted and run "
        "elsewhere with their volumes detached.",
        steps=(
            f"Check whether {node} is powered off or only partitioned (cloud console, "
            "hypervisor): a partitioned node keeps running its containers.",
            f"If it is shut down: kubectl taint nodes {node} {OUT_OF_SERVICE} makes Kubernetes "
            "delete its pods and detach their volumes at once (remove the taint when the node "
            "returns); deleting the Node object does the same for a machine that never returns.",
            FORCE_WARNING,
        ),
        commands=(
            f"kubectl get node {node} -o wide",
            f"kubectl taint nodes {node} {OUT_OF_SERVICE}",
            f"kubectl delete node {node}",
            force,
        ),
    )


def _severity(kind: str, ready: int, standalone: bool) -> Severity:
    if kind == "StatefulSet" or standalone or ready == 0:
        return Severity.HIGH
    return Severity.MEDIUM


def _status(pod: Pod) -> Evidence:
    fact = f"phase {pod.phase}" + (f", reason {pod.reason}: {pod.message}" if pod.reason else "")
    return Evidence(fact, EvidenceSource.STATUS, pod_location(pod, "status"))


def _node_evidence(node: Node, ready: Condition) -> list[Evidence]:
    evidence = [
        Evidence(
            f"Ready={ready.status} ({ready.reason or 'no reason'}): {ready.message}".rstrip(": "),
            EvidenceSource.RELATED,
            f"Node {node.name} status.conditions[Ready]",
        )
    ]
    taints = [t for t in node.taints if t.get("key") == UNREACHABLE]
    if taints:
        added = ", ".join(f"{t.get('effect')} since {t.get('timeAdded', '?')}" for t in taints)
        evidence.append(
            Evidence(
                f"taint {UNREACHABLE} ({added})",
                EvidenceSource.RELATED,
                f"Node {node.name} spec.taints",
            )
        )
    return evidence


def _taint_time(node: Node | None) -> datetime | None:
    """When the unreachable NoExecute taint (the eviction clock) was added."""
    for taint in node.taints if node else ():
        if taint.get("key") == UNREACHABLE and taint.get("effect") == "NoExecute":
            return parse_time(taint.get("timeAdded"))
    return None


def _toleration(pod: Pod) -> timedelta | None:
    """How long the pod tolerates the unreachable taint (None: for ever)."""
    for toleration in pod.tolerations:
        key = toleration.get("key")
        matches = key == UNREACHABLE or (not key and toleration.get("operator") == "Exists")
        if matches and toleration.get("effect") in (None, "", "NoExecute"):
            seconds = toleration.get("tolerationSeconds")
            return timedelta(seconds=seconds) if isinstance(seconds, int) else None
    return DEFAULT_TOLERATION


def _scaling_down(node: Node) -> bool:
    from kubemedic.analyzers._node_explain import SCALE_DOWN_TAINTS  # once a node is lost

    return any(t.get("key") in SCALE_DOWN_TAINTS for t in node.taints)


def _owned_by_node_or_daemonset(pod: Pod) -> bool:
    owner = pod.controller
    return owner is not None and owner.kind in ("DaemonSet", "Node")


def _ready_again(pod: Pod, events: Sequence[Event]) -> bool:
    """The pod turned Ready after the node-controller's last NodeNotReady: it recovered."""
    ready = pod.condition("Ready")
    last = events[-1].last_seen if events else None
    return bool(
        ready
        and ready.is_true
        and (last is None or not ready.last_transition or ready.last_transition >= last)
    )


ANALYZER = Analyzer(
    name=NAME,
    description="Pods on a node that stopped responding or no longer exists: unknown state, "
    "pending eviction, StatefulSet replacements blocked.",
    categories=(Category.NODE_NOT_READY,),
    analyze=analyze,
)
