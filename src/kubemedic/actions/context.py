"""What a plan may need to know beyond its target object: related objects read by the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Related objects, as raw JSON, that some actions consult."""

    nodes: Sequence[Mapping[str, Any]] = ()
    pods: Sequence[Mapping[str, Any]] = ()
    """Every pod in the cluster (for free capacity when scaling up)."""
    replica_sets: Sequence[Mapping[str, Any]] = ()
    """The target Deployment's ReplicaSets (for rollout undo)."""
    hpa: Mapping[str, Any] | None = None
    """The autoscaler of the target workload, when one exists."""
    extra: Mapping[str, Any] = field(default_factory=dict)
