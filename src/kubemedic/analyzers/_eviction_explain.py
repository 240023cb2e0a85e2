"""What to say about a workload's evicted pods: the pressure, the hog, the fix, the cleanup.

Node pressure (memory, disk, PIDs) is fixed by making the hog's requests honest and giving the
node headroom; a broken ephemeral-storage limit is fixed on the pod. Either way the evicted pod
objects are only records once replacements serve, and the cleanup command says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic._internal.quantities import format_memory, parse_quantity, round_up_memory
from kubemedic.analyzers._build import spec_evidence
from kubemedic.analyzers._eviction_message import EvictionNotice, Hog, LimitBreach
from kubemedic.analyzers._memory_fit import fitting_memory
from kubemedic.analyzers._replicas import SETTABLE_KINDS, Availability, cleanup_command
from kubemedic.analyzers._template_patch import owner_unknown, recreate_step, template_patch
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, ObjectRef, Remediation
from kubemedic.models.k8s import Pod
from kubemedic.models.severity import RiskTier

_BYTE_RESOURCES = frozenset({"memory", "ephemeral-storage"})
_RESOURCE_WORDS = {
    Category.EVICTED_MEMORY_PRESSURE: "memory",
    Category.EVICTED_DISK_PRESSURE: "disk space",
    Category.EVICTED_PID_PRESSURE: "process IDs",
}


@dataclass(frozen=True, slots=True)
class EvictionGroup:
    """The evicted pods of one workload for one cause."""

    view: ClusterView
    workload: ObjectRef
    category: Category
    pods: tuple[Pod, ...]
    notices: tuple[EvictionNotice, ...]
    nodes: tuple[str, ...]
    availability: Availability

    @property
    def latest(self) -> EvictionNotice:
        return self.notices[-1]

    @property
    def owner_unknown(self) -> bool:
        """A pod with no owner that the input shows only in part (a table row, a description
        excerpt: no containers): whether a controller owns it is not shown."""
        return all(owner_unknown(self.workload, p) for p in self.pods)

    @property
    def owner_text(self) -> str:
        """:attr:`Availability.text`, unless the owner is not shown."""
        if self.owner_unknown:
            return "what owns it is not shown"
        return self.availability.text

    @property
    def subject(self) -> str:
        """``bare pod shop/debug`` or ``3 pod(s) of Deployment shop/web``."""
        if self.owner_unknown:
            return f"pod {self.workload.namespace}/{self.workload.name}"
        if self.availability.standalone:
            return f"bare pod {self.workload.namespace}/{self.workload.name}"
        return f"{len(self.pods)} pod(s) of {self.workload}"


@dataclass(frozen=True, slots=True)
class EvictionExplanation:
    summary: str
    root_cause: str
    remediation: Remediation
    container: str = ""
    evidence: tuple[Evidence, ...] = ()


def explain(group: EvictionGroup) -> EvictionExplanation:
    if group.category is Category.EVICTED_EPHEMERAL_STORAGE:
        return _own_limit(group)
    return _node_pressure(group)


def _node_pressure(group: EvictionGroup) -> EvictionExplanation:
    notice = group.latest
    what = _RESOURCE_WORDS.get(group.category, notice.resource or "a resource")
    hog = _biggest_hog(group)
    nodes = ", ".join(group.nodes) or "its node"
    node = f"node {nodes}" if group.nodes else "its node (not in the input)"
    count = len(group.pods)
    if notice.node_conditions and not notice.resource:
        return _refused(group, what, nodes)
    cause = f"{node[0].upper()}{node[1:]} ran low on {what}"
    if notice.threshold:
        cause += (
            f" (available {_amount(notice.available, notice.resource)}, eviction threshold "
            f"{_amount(notice.threshold, notice.resource)})"
        )
    cause += f", and the kubelet evicted {group.subject}"
    if hog is not None:
        cause += (
            f": container {hog.container} was using {_amount(hog.usage)} against a request of "
            f"{_amount(hog.request)}. The kubelet evicts first the pods using most above their "
            "requests"
        )
    if hog is not None and _bystander(notice, hog):
        cause += (
            f". {_amount(hog.usage)} is far too little to fill the node (the kubelet keeps "
            f"{_amount(notice.threshold, notice.resource)} free): the pod was picked for "
            "using more than its request, not for filling the disk; something else on the "
            "node does"
        )
    cause += "." + _leftover_note(group)
    evidence = _hog_evidence(group, hog)
    return EvictionExplanation(
        summary=f"{count} pod(s) evicted: {node} ran low on {what}"
        + (
            f" ({hog.container} used {_amount(hog.usage)}, requested {_amount(hog.request)})"
            if hog
            else ""
        ),
        root_cause=cause,
        remediation=_pressure_fix(group, hog),
        container=hog.container if hog else "",
        evidence=evidence,
    )


def _refused(group: EvictionGroup, what: str, nodes: str) -> EvictionExplanation:
    """Admission rejections: the kubelet would not even start the pod on a node under pressure."""
    conditions = ", ".join(group.latest.node_conditions)
    cause = (
        f"The kubelet on {nodes} refused to start {group.subject} because the node had "
        f"condition {conditions}: it is short of {what} and admits no new pods that are not "
        "critical."
    )
    if not group.availability.standalone:
        cause += " The controller keeps creating replacements there, so rejected pods pile up."
    return EvictionExplanation(
        summary=f"{len(group.pods)} pod(s) rejected: node {nodes} has {conditions}",
        root_cause=cause + _leftover_note(group),
        remediation=_pressure_fix(group, None),
    )


def _own_limit(group: EvictionGroup) -> EvictionExplanation:
    breach = group.latest.breach
    assert breach is not None  # the category says so
    count = len(group.pods)
    cause = (
        f"The kubelet evicted {group.subject} because {breach.sentence}. "
        "This is the pod's own limit, not node pressure: the pod writes more local data (logs, "
        "temporary files, caches in the container filesystem or emptyDir) than it declared."
    )
    cause += _leftover_note(group)
    return EvictionExplanation(
        summary=f"{count} pod(s) evicted: {breach.sentence}",
        root_cause=cause,
        remediation=_limit_fix(group, breach),
        container=breach.subject if breach.scope == "container" else "",
        evidence=tuple(_limit_evidence(group, breach)),
    )


def _leftover_note(group: EvictionGroup) -> str:
    if group.owner_unknown:
        return (
            " The input does not show what owns the pod: if a controller (Deployment, "
            "StatefulSet, ...) does, it has replaced the pod already; a bare pod stays down "
            "until it is recreated."
        )
    if group.availability.standalone:
        return " No controller recreates a bare pod: it stays down until it is recreated."
    if not group.availability.fully_serving:
        return ""
    return (
        f" {group.availability.text}: the evicted pods left behind are only records (cosmetic); "
        "delete them once the cause is understood."
    )


def _biggest_hog(group: EvictionGroup) -> Hog | None:
    hogs = [h for n in group.notices for h in n.hogs]
    return max(hogs, key=lambda h: parse_quantity(h.usage) or 0.0, default=None)


def _bystander(notice: EvictionNotice, hog: Hog) -> bool:
    """A disk hog using under a tenth of the reserve the kubelet keeps free (itself a slice of
    the disk, 10% by default) was ranked first for exceeding its request, but did not fill the
    node: evicting it frees almost nothing."""
    usage, threshold = parse_quantity(hog.usage), parse_quantity(notice.threshold)
    return (
        hog.resource == "ephemeral-storage"
        and usage is not None
        and threshold is not None
        and usage * 10 < threshold
    )


def _amount(quantity: str, resource: str = "memory") -> str:
    """Bytes as a person reads them (``3607Mi``); counts such as PIDs stay as they are."""
    value = parse_quantity(quantity)
    if value is None or value < 1024 or resource not in _BYTE_RESOURCES:
        return quantity
    return format_memory(value)


def _container_spec_fact(pod: Pod, container: str, resource: str) -> str:
    spec = pod.container(container)
    if spec is None:
        return ""
    request = spec.resources.request_text(resource) or "none"
    limit = spec.resources.limit_text(resource) or "none"
    qos = pod.status.get("qosClass")
    return f"{resource} request {request}, limit {limit}" + (f" (QoS {qos})" if qos else "")


def _hog_evidence(group: EvictionGroup, hog: Hog | None) -> tuple[Evidence, ...]:
    if hog is None:
        return ()
    pod = next((p for p in group.pods if p.container(hog.container)), group.pods[-1])
    fact = _container_spec_fact(pod, hog.container, hog.resource)
    path = f"spec.containers[{hog.container}].resources"
    return (spec_evidence(pod, path, fact),) if fact else ()


def _limit_evidence(group: EvictionGroup, breach: LimitBreach) -> list[Evidence]:
    pod = group.pods[-1]
    if breach.scope == "emptyDir":
        return [
            spec_evidence(
                pod,
                f"spec.volumes[{breach.subject}].emptyDir.sizeLimit",
                f"sizeLimit {breach.limit}",
            )
        ]
    containers = (
        [breach.subject] if breach.scope == "container" else [c.name for c in pod.containers]
    )
    facts = [(c, _container_spec_fact(pod, c, "ephemeral-storage")) for c in containers]
    return [spec_evidence(pod, f"spec.containers[{c}].resources", f) for c, f in facts if f]


def _pressure_fix(group: EvictionGroup, hog: Hog | None) -> Remediation:
    workload = group.workload
    commands = []
    steps = []
    usage = parse_quantity(hog.usage) if hog else None
    if hog is not None and usage and hog.resource == "memory":
        node = next((p.node_name for p in group.pods if p.container(hog.container)), "")
        request, limit = fitting_memory(
            group.view,
            node or (group.nodes[0] if group.nodes else ""),
            usage,
            besides=lambda p: group.view.workload_of(p) != workload,
        )
        steps.append(
            f"Make {hog.container}'s {hog.resource} request honest (it used "
            f"{_amount(hog.usage)}), so the scheduler stops overcommitting the node, and give it "
            f"a limit the node can hold ({limit}) so one container cannot starve the node."
        )
        steps += [step for step in (recreate_step(workload, pod=group.pods[-1]),) if step]
        if workload.kind in SETTABLE_KINDS:
            commands.append(
                f"kubectl set resources {workload.kubectl_ref} -c {hog.container} "
                f"--requests={hog.resource}={request} --limits={hog.resource}={limit}"
            )
    bystander = hog is not None and _bystander(group.latest, hog)
    if group.category is Category.EVICTED_DISK_PRESSURE:
        if hog is not None and not bystander:
            steps.append(
                f"Stop {hog.container} filling the node's disk ({_amount(hog.usage)} of logs and "
                "files in its container filesystem): log to stdout at a sane level, clean "
                "temporary files, keep growing data on a volume; then set an ephemeral-storage "
                "limit so it is evicted alone before it fills the node again."
            )
        steps.append(
            "Free the node's disk: find what fills it (container logs, writable layers, emptyDir "
            "volumes, unused images the image GC could not remove)."
        )
        if hog is not None and bystander:
            steps.append(
                f"Set {hog.container}'s ephemeral-storage request to what it uses (it used "
                f"{_amount(hog.usage)}, requested {_amount(hog.request)}): pods within their "
                "requests are evicted last."
            )
    if group.category is Category.EVICTED_PID_PRESSURE:
        steps.append(
            "Find the process that forks or leaks threads; set the kubelet's podPidsLimit so one "
            "pod cannot exhaust the node's PIDs."
        )
    commands += [f"kubectl describe node {n}" for n in group.nodes[:2]]
    commands.append(cleanup_command(group.view, workload, group.pods))
    steps.append("Delete the evicted pod records once the cause is fixed (they use no resources).")
    summary = (
        f"Make the requests of {hog.container} match what it uses and give the node headroom; "
        if hog is not None and not bystander
        else "Relieve the node's pressure; "
    )
    return Remediation(
        summary=summary + "then delete the evicted pod records.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The node stays below its eviction thresholds and no new pods are "
        "evicted.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _limit_fix(group: EvictionGroup, breach: LimitBreach) -> Remediation:
    workload = group.workload
    doubled = parse_quantity(breach.limit)
    bigger = round_up_memory(doubled * 2) if doubled else "a larger value"
    commands = []
    if breach.scope == "emptyDir":
        patch = template_patch(
            workload, {"volumes": [{"name": breach.subject, "emptyDir": {"sizeLimit": bigger}}]}
        )
        summary = (
            f'Raise the sizeLimit of emptyDir "{breach.subject}" (e.g. {bigger}), or keep that '
            "data on a PersistentVolume."
        )
        if patch:
            commands.append(patch)
    else:
        # the pod's total limit is the sum of its containers': raising each raises it
        only = f" -c {breach.subject}" if breach.subject else ""
        summary = (
            "Stop writing so much to the container filesystem, or raise the ephemeral-storage "
            f"limit (e.g. to {bigger})."
        )
        if workload.kind in SETTABLE_KINDS:
            commands.append(
                f"kubectl set resources {workload.kubectl_ref}{only} "
                f"--limits=ephemeral-storage={bigger}"
            )
    commands.append(cleanup_command(group.view, workload, group.pods))
    return Remediation(
        summary=summary,
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The pod stays within its ephemeral-storage limit: no new Evicted pods.",
        steps=(
            "Check what the container writes locally: logs to files instead of stdout, "
            "temporary files never cleaned, caches growing without bound.",
            "Keep large or growing data on a volume sized for it.",
        ),
        commands=tuple(commands),
    )
