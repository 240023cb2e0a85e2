"""What the recommenders conclude: right-sizing and scaling results as plain frozen values.

The results travel from the pure recommenders to the formatters (table, JSON, YAML, Markdown)
and into governed operations, so they are immutable and turn into JSON-compatible data with
``to_data()``. CPU is in cores, memory in bytes; quantities shown to people are
Kubernetes-style ("250m", "156Mi"). The knobs that produce them are in
``models.recommendation_settings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kubemedic._internal.quantities import format_cpu, format_memory
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ref_to_data
from kubemedic.models.usage import ContainerUsage, Percentiles


class Verdict(StrEnum):
    DOWN_SIZE = "down-size"
    UP_SIZE = "up-size"
    KEEP = "keep"
    INSUFFICIENT_HISTORY = "insufficient-history"
    NO_DATA = "no-data"


@dataclass(frozen=True, slots=True)
class ResourceValues:
    """A container's requests and limits (cores, bytes); None where unset."""

    cpu_request: float | None = None
    memory_request: float | None = None
    cpu_limit: float | None = None
    memory_limit: float | None = None

    def to_data(self) -> dict[str, dict[str, str]]:
        """``{"requests": {"cpu": "250m", ...}, "limits": {...}}`` without the unset ones."""
        sections = {
            "requests": (("cpu", self.cpu_request), ("memory", self.memory_request)),
            "limits": (("cpu", self.cpu_limit), ("memory", self.memory_limit)),
        }
        return {
            section: {name: _quantity(name, value) for name, value in pairs if value is not None}
            for section, pairs in sections.items()
        }


def _quantity(resource: str, value: float) -> str:
    return format_cpu(value) if resource == "cpu" else format_memory(value)


@dataclass(frozen=True, slots=True)
class Savings:
    """Requests (all replicas) and their monthly cost before and after a change."""

    cpu_before: float = 0.0
    cpu_after: float = 0.0
    memory_before: float = 0.0
    memory_after: float = 0.0
    monthly_before: float = 0.0
    monthly_after: float = 0.0

    def __add__(self, other: Savings) -> Savings:
        return Savings(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )

    @classmethod
    def total(cls, items: Iterable[Savings | None]) -> Savings:
        return sum((item for item in items if item is not None), cls())

    @property
    def monthly(self) -> float:
        """Dollars saved a month; negative when the change costs more."""
        return self.monthly_before - self.monthly_after

    @property
    def fraction(self) -> float | None:
        """Share of today's request cost saved (negative: increase); None when nothing is paid."""
        return self.monthly / self.monthly_before if self.monthly_before else None

    @property
    def cpu_reduction(self) -> float | None:
        return 1 - self.cpu_after / self.cpu_before if self.cpu_before else None

    @property
    def memory_reduction(self) -> float | None:
        return 1 - self.memory_after / self.memory_before if self.memory_before else None

    def describe(self) -> str:
        """``saves $12.34/month (42%)``, ``costs $3.10/month more (+15%)`` or ``no change``."""
        amount = round(self.monthly, 2)
        if amount == 0:
            return "no change in cost"
        share = f" ({abs(self.fraction):.0%})" if self.fraction is not None else ""
        if amount > 0:
            return f"saves ${amount:,.2f}/month{share}"
        share = share.replace("(", "(+")
        return f"costs ${-amount:,.2f}/month more{share}"

    def to_data(self) -> dict[str, Any]:
        return {
            "requests_before": {"cpu": self.cpu_before, "memory": self.memory_before},
            "requests_after": {"cpu": self.cpu_after, "memory": self.memory_after},
            "cpu_reduction_pct": _percent(self.cpu_reduction),
            "memory_reduction_pct": _percent(self.memory_reduction),
            "monthly_cost_before": round(self.monthly_before, 2),
            "monthly_cost_after": round(self.monthly_after, 2),
            "monthly_savings": round(self.monthly, 2),
            "savings_pct": _percent(self.fraction),
            "summary": self.describe(),
        }


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


@dataclass(frozen=True, slots=True)
class ContainerRecommendation:
    """One container of one workload: its usage, what to set, why, and what it saves."""

    workload: ObjectRef
    container: str
    verdict: Verdict
    current: ResourceValues
    recommended: ResourceValues | None
    """None when no values are proposed (no data, insufficient history)."""
    usage: ContainerUsage | None
    replicas: int
    reasons: tuple[str, ...] = ()
    savings: Savings | None = None

    @property
    def changes(self) -> bool:
        return self.verdict in (Verdict.DOWN_SIZE, Verdict.UP_SIZE)

    def to_data(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "usage": None if self.usage is None else _usage_data(self.usage),
            "current": self.current.to_data(),
            "recommended": None if self.recommended is None else self.recommended.to_data(),
            "savings": None if self.savings is None else self.savings.to_data(),
        }


def _usage_data(usage: ContainerUsage) -> dict[str, Any]:
    return {
        "cpu_cores": _percentiles_data(usage.cpu),
        "memory_bytes": _percentiles_data(usage.memory),
        "history_days": round(usage.history_days, 2),
        "samples": usage.samples,
        "pods": usage.pods,
        "restarts": usage.restarts,
        "oom_kills": usage.oom_kills,
    }


def _percentiles_data(values: Percentiles) -> dict[str, float]:
    return {"p50": values.p50, "p95": values.p95, "p99": values.p99, "max": values.max}


@dataclass(frozen=True, slots=True)
class ResourcePatch:
    """The change that applies a workload's recommendations, ready to paste."""

    body: Mapping[str, Any]
    """Strategic-merge patch body (only the containers that change)."""
    command: str
    """``kubectl patch deployment/web -n shop --type strategic -p '…'``."""
    yaml: str

    def to_data(self) -> dict[str, Any]:
        return {"body": self.body, "command": self.command, "yaml": self.yaml}


@dataclass(frozen=True, slots=True)
class WorkloadRecommendation:
    """Right-sizing of one workload: every container, the autoscaler's view, the patch."""

    workload: ObjectRef
    replicas: int
    containers: tuple[ContainerRecommendation, ...]
    hpa_effects: tuple[str, ...] = ()
    """How the change moves the utilization an HPA of this workload measures."""
    patch: ResourcePatch | None = None
    notes: tuple[str, ...] = ()

    @property
    def savings(self) -> Savings:
        return Savings.total(c.savings for c in self.containers)

    def to_data(self) -> dict[str, Any]:
        return {
            "workload": ref_to_data(self.workload),
            "replicas": self.replicas,
            "containers": [c.to_data() for c in self.containers],
            "hpa_effects": list(self.hpa_effects),
            "notes": list(self.notes),
            "savings": self.savings.to_data(),
            "patch": None if self.patch is None else self.patch.to_data(),
        }


# --- scaling results --------------------------------------------------------------------------


class LoadVerdict(StrEnum):
    SUSTAINED = "sustained"
    NEAR = "near"
    BELOW = "below"
    NOT_ENOUGH_DATA = "not-enough-data"
    NO_CPU_REQUEST = "no-cpu-request"


@dataclass(frozen=True, slots=True)
class LoadAssessment:
    """How a workload's recent CPU compares with its requests over the sustained window."""

    verdict: LoadVerdict
    detail: str
    points: int = 0
    lowest: float | None = None
    median: float | None = None
    highest: float | None = None
    """Utilization (usage / request, 0.84 = 84%) over the window's points."""

    def to_data(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "detail": self.detail,
            "points": self.points,
            "utilization_pct": {
                "lowest": _percent(self.lowest),
                "median": _percent(self.median),
                "highest": _percent(self.highest),
            },
        }


class HpaAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class HpaProposal:
    """The autoscaler to create (or the change to an existing one), with its manifest."""

    action: HpaAction
    name: str
    min_replicas: int
    max_replicas: int
    target_utilization: int | None
    """averageUtilization on CPU, in percent (None: the HPA has no CPU utilization target)."""
    peak_cores: float
    """The peak demand maxReplicas was sized for (all pods together)."""
    manifest: Mapping[str, Any]
    """The whole autoscaling/v2 HorizontalPodAutoscaler after the change."""
    yaml: str
    patch: Mapping[str, Any] | None = None
    """For ``update``: the merge patch to the existing HPA."""
    command: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "name": self.name,
            "min_replicas": self.min_replicas,
            "max_replicas": self.max_replicas,
            "target_utilization_pct": self.target_utilization,
            "peak_cores": round(self.peak_cores, 3),
            "manifest": self.manifest,
            "yaml": self.yaml,
            "patch": self.patch,
            "command": self.command,
        }


@dataclass(frozen=True, slots=True)
class NodeSkip:
    """A node the new pods cannot use, and why (cordoned, NotReady, a taint, a selector)."""

    node: str
    reason: str


@dataclass(frozen=True, slots=True)
class CapacityCheck:
    """Whether the nodes hold the additional pods: the simulated placement and what is missing."""

    needed: int
    placed: int
    pod_cpu: float
    pod_memory: float
    placements: Mapping[str, int] = field(default_factory=dict)
    """Node name → pods placed there, in placement order."""
    skipped: tuple[NodeSkip, ...] = ()
    short_cpu: float = 0.0
    short_memory: float = 0.0
    short_pods: int = 0
    summary: str = ""

    @property
    def fits(self) -> bool:
        return self.placed >= self.needed

    @property
    def missing(self) -> int:
        return max(self.needed - self.placed, 0)

    def to_data(self) -> dict[str, Any]:
        return {
            "needed": self.needed,
            "placed": self.placed,
            "fits": self.fits,
            "pod_requests": {
                "cpu": format_cpu(self.pod_cpu),
                "memory": format_memory(self.pod_memory),
            },
            "placements": dict(self.placements),
            "skipped": [{"node": s.node, "reason": s.reason} for s in self.skipped],
            "short": {
                "cpu": format_cpu(self.short_cpu),
                "memory": format_memory(self.short_memory),
                "pods": self.short_pods,
            },
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class CostImpact:
    """What the extra replicas cost a month: at minReplicas (best) and maxReplicas (worst)."""

    per_replica_monthly: float
    best_extra_replicas: int
    worst_extra_replicas: int

    @property
    def best_monthly(self) -> float:
        return self.best_extra_replicas * self.per_replica_monthly

    @property
    def worst_monthly(self) -> float:
        return self.worst_extra_replicas * self.per_replica_monthly

    def to_data(self) -> dict[str, Any]:
        return {
            "per_replica_monthly": round(self.per_replica_monthly, 2),
            "best_case": {
                "extra_replicas": self.best_extra_replicas,
                "monthly": round(self.best_monthly, 2),
            },
            "worst_case": {
                "extra_replicas": self.worst_extra_replicas,
                "monthly": round(self.worst_monthly, 2),
            },
        }


@dataclass(frozen=True, slots=True)
class ScalingRecommendation:
    """Proactive scaling of one workload: its load, the autoscaler, room for it, its cost."""

    workload: ObjectRef
    replicas: int
    pod_cpu_request: float | None
    load: LoadAssessment
    reasons: tuple[str, ...] = ()
    hpa: HpaProposal | None = None
    capacity: CapacityCheck | None = None
    cost: CostImpact | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "workload": ref_to_data(self.workload),
            "replicas": self.replicas,
            "pod_cpu_request": (
                None if self.pod_cpu_request is None else format_cpu(self.pod_cpu_request)
            ),
            "load": self.load.to_data(),
            "reasons": list(self.reasons),
            "hpa": None if self.hpa is None else self.hpa.to_data(),
            "capacity": None if self.capacity is None else self.capacity.to_data(),
            "cost": None if self.cost is None else self.cost.to_data(),
        }
