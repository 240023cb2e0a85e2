"""A whole recommendation run: every workload's result, the window and where figures came from.

What ``recommend resources`` and ``recommend scaling`` hand to the formatters (table, JSON,
YAML, Markdown) and to ``--propose``; ``to_data`` is the documented JSON/YAML shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.models.recommendations import (
    LoadVerdict,
    Savings,
    ScalingRecommendation,
    WorkloadRecommendation,
)
from kubemedic.models.usage import UsageWindow

SCHEMA = "kubemedic.recommendations/v1"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which namespaces were looked at: the given ones, or every one (``namespaces`` None)."""

    namespaces: tuple[str, ...] | None

    def describe(self) -> str:
        return "all namespaces" if self.namespaces is None else ", ".join(self.namespaces)


def _header(kind: str, window: UsageWindow, source: str, scope: Scope) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "kind": kind,
        "source": source,
        "namespaces": None if scope.namespaces is None else list(scope.namespaces),
        "window": {
            "start": format_time(window.start),
            "end": format_time(window.end),
            "days": round(window.days, 2),
        },
    }


@dataclass(frozen=True, slots=True)
class ResourcesReport:
    """Right-sizing of every workload in scope."""

    workloads: tuple[WorkloadRecommendation, ...]
    window: UsageWindow
    source: str
    scope: Scope

    @property
    def savings(self) -> Savings:
        return Savings.total(w.savings for w in self.workloads)

    def to_data(self) -> dict[str, Any]:
        return {
            **_header("resources", self.window, self.source, self.scope),
            "total_savings": self.savings.to_data(),
            "workloads": [w.to_data() for w in self.workloads],
        }


@dataclass(frozen=True, slots=True)
class ScalingReport:
    """Proactive scaling of every workload in scope."""

    workloads: tuple[ScalingRecommendation, ...]
    window: UsageWindow
    source: str
    scope: Scope

    @property
    def hot(self) -> tuple[ScalingRecommendation, ...]:
        """Workloads under sustained load or near it, hottest first."""
        chosen = [
            w for w in self.workloads if w.load.verdict in (LoadVerdict.SUSTAINED, LoadVerdict.NEAR)
        ]
        return tuple(sorted(chosen, key=lambda w: -(w.load.median or 0.0)))

    def to_data(self) -> dict[str, Any]:
        return {
            **_header("scaling", self.window, self.source, self.scope),
            "workloads": [w.to_data() for w in self.workloads],
        }
