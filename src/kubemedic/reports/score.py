"""The health score: the mean of section scores, each 0–100, graded like Popeye.

``pods`` the share of pods (Succeeded ones aside) Running with every container ready;
``workloads`` the share with every desired replica available; ``nodes`` the share Ready with
no pressure; ``diagnosis`` 100 less 20 per critical, 10 per high, 4 per medium and 1 per low
finding (not below 0); ``security`` the audit's score; ``services`` (with Prometheus) the share
of services answering under 1% 5xx. An empty section scores 100. Grades: A ≥ 90, B ≥ 80,
C ≥ 70, D ≥ 60, E ≥ 50, else F.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kubemedic.models.health import (
    Availability,
    FindingLine,
    NamespacePods,
    NodeHealth,
    Score,
    ServiceFigures,
)
from kubemedic.models.security import grade_of
from kubemedic.models.severity import Severity

FINDING_PENALTY: Mapping[Severity, int] = {
    Severity.CRITICAL: 20,
    Severity.HIGH: 10,
    Severity.MEDIUM: 4,
    Severity.LOW: 1,
    Severity.INFO: 0,
}
ERROR_RATIO_OK = 0.01


def _share(good: int, total: int) -> int:
    return round(100 * good / total) if total else 100


def score(
    pods: Sequence[NamespacePods],
    workloads: Sequence[Availability],
    nodes: Sequence[NodeHealth],
    findings: Iterable[FindingLine],
    security_score: int,
    services: Sequence[ServiceFigures] | None,
) -> Score:
    counted = sum(n.total - n.count("Succeeded") for n in pods)
    ready = sum(n.count("Running") - n.not_ready for n in pods)
    parts = [
        ("pods", _share(ready, counted)),
        ("workloads", _share(sum(w.available_fully for w in workloads), len(workloads))),
        ("nodes", _share(sum(n.healthy for n in nodes), len(nodes))),
        ("diagnosis", max(0, 100 - sum(FINDING_PENALTY[f.severity] for f in findings))),
        ("security", security_score),
    ]
    if services is not None:
        served = [s for s in services if s.error_ratio is not None]
        healthy = sum(1 for s in served if (s.error_ratio or 0.0) < ERROR_RATIO_OK)
        parts.append(("services", _share(healthy, len(served))))
    value = round(sum(v for _, v in parts) / len(parts))
    return Score(value, grade_of(value), tuple(parts))
