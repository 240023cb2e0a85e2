"""What the pending analyzer knows about one unscheduled pod, and how it writes it down.

Each cause family (capacity, placement, storage) explains a ``PendingCase`` in its own module;
the shared parts — quantities in people's units, one line per node verdict, the explanation
shape — live here so every pending finding reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubemedic._internal.quantities import format_memory
from kubemedic.analyzers._build import pod_location
from kubemedic.analyzers._fit import PODS, NodeFit
from kubemedic.analyzers._scheduler_message import Blocker, SchedulerVerdict
from kubemedic.analyzers._volumes import Claim
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef, Remediation
from kubemedic.models.k8s import Pod

NODE_LINES = 6
_BYTE_RESOURCES = ("memory", "ephemeral-storage", "hugepages-")


@dataclass(frozen=True, slots=True)
class PendingCase:
    """One unscheduled pod with the scheduler's verdict and kubemedic's own node verdicts."""

    view: ClusterView
    pod: Pod
    workload: ObjectRef
    verdict: SchedulerVerdict | None
    fits: tuple[NodeFit, ...]
    claims: tuple[Claim, ...]

    def blocked_by(self, blocker: Blocker) -> tuple[NodeFit, ...]:
        """Node verdicts (closest first) that include this blocker."""
        return tuple(f for f in self.fits if blocker in f.blockers)

    def needed(self, resource: str) -> float:
        return 1.0 if resource == PODS else self.pod.total_request(resource)


@dataclass(frozen=True, slots=True)
class Explanation:
    """The category-specific part of a pending finding."""

    category: Category
    summary: str
    root_cause: str
    remediation: Remediation
    evidence: tuple[Evidence, ...] = ()
    related: tuple[ObjectRef, ...] = ()


def amount(resource: str, value: float) -> str:
    """``1.2 CPU``, ``250m CPU``, ``3.5Gi memory``, ``2 nvidia.com/gpu``, ``110 pod slots``."""
    if resource == "cpu":
        return f"{round(value, 2):g} CPU" if value >= 1 else f"{round(value * 1000)}m CPU"
    if resource.startswith(_BYTE_RESOURCES):
        return f"{format_memory(max(value, 0))} {resource}"
    if resource == PODS:
        return f"{value:g} pod slots"
    return f"{value:g} {resource}"


def describe_fit(fit: NodeFit) -> str:
    """``node-b: only 1.2 CPU free of 4 CPU (needs 2 CPU); taint dedicated=gpu:NoSchedule``."""
    reasons = []
    if fit.cordoned:
        reasons.append("cordoned (spec.unschedulable)")
    reasons += [f"taint {t} not tolerated" for t in fit.taints]
    for requirement in fit.unmet_labels:
        present = fit.node.labels.get(requirement.key)
        has = f"has {requirement.key}={present}" if present is not None else "no such label"
        reasons.append(f"label {requirement} not met ({has})")
    reasons += [
        f"only {amount(s.resource, s.free)} free of {amount(s.resource, s.allocatable)} "
        f"(needs {amount(s.resource, s.needed)})"
        for s in fit.shortfalls
    ]
    reasons += [f"outside the volume's {r}" for r in fit.unmet_volume_labels]
    return f"{fit.node.name}: " + ("; ".join(reasons) or "no blocker kubemedic can see")


def node_evidence(case: PendingCase, fits: Sequence[NodeFit] | None = None) -> list[Evidence]:
    """One computed line per node (closest first, a few at most) and how many were left out."""
    shown = list(case.fits if fits is None else fits)
    evidence = [
        Evidence(
            describe_fit(fit),
            EvidenceSource.COMPUTED,
            f"Node {fit.node.name} status.allocatable, spec.taints, metadata.labels and the "
            "requests of pods bound to it",
        )
        for fit in shown[:NODE_LINES]
    ]
    if len(shown) > NODE_LINES:
        evidence.append(
            Evidence(
                f"{len(shown) - NODE_LINES} more nodes rejected for the same kinds of reasons",
                EvidenceSource.COMPUTED,
                "Nodes in the view",
            )
        )
    return evidence


def pod_spec_evidence(pod: Pod, path: str, fact: str) -> Evidence:
    return Evidence(fact, EvidenceSource.SPEC, pod_location(pod, path))


def names(items: Sequence[str], limit: int = 5) -> str:
    """``node-a, node-b and 3 more``."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
