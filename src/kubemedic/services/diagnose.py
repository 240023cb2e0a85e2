"""The diagnose use case: run every analyzer over a view, fold replicas, rank by severity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kubemedic._internal.gcpause import paused_gc
from kubemedic.analyzers import BUILTIN
from kubemedic.analyzers._registry import Registry
from kubemedic.analyzers._rollout import ReplicaSets, rollout_change
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding, ObjectRef


@dataclass(frozen=True, slots=True)
class AnalyzerFailure:
    """An analyzer that raised: reported, never allowed to hide the other findings."""

    analyzer: str
    error: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What a diagnose run found, and what it looked at."""

    findings: tuple[Finding, ...]
    view: ClusterView
    analyzers: tuple[str, ...]
    failures: tuple[AnalyzerFailure, ...] = field(default=())

    def object_counts(self) -> dict[str, int]:
        return {kind: len(self.view.objects(kind)) for kind in self.view.kinds}


def diagnose(
    view: ClusterView,
    *,
    registry: Registry = BUILTIN,
    target: ObjectRef | None = None,
) -> Diagnosis:
    """Run all analyzers, fold replicas of one workload into one finding, worst first."""
    raw: list[Finding] = []
    failures: list[AnalyzerFailure] = []
    with paused_gc():
        for analyzer in registry:
            try:
                raw.extend(analyzer.analyze(view))
            except Exception as exc:  # one broken analyzer must not hide the rest
                failures.append(AnalyzerFailure(analyzer.name, f"{type(exc).__name__}: {exc}"))
    replica_sets = ReplicaSets(view)
    findings = [with_rollout_change(view, f, replica_sets) for f in fold_replicas(raw)]
    if target is not None:
        findings = [f for f in findings if _concerns(f, target)]
    findings.sort(key=lambda f: (f.severity.rank, f.object, f.id))
    return Diagnosis(tuple(findings), view, tuple(a.name for a in registry), tuple(failures))


def fold_replicas(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings that describe one problem on several replicas of one workload."""
    merged: dict[tuple[str, ObjectRef, str], Finding] = {}
    for finding in findings:
        key = finding.group_key
        merged[key] = merged[key].merge(finding) if key in merged else finding
    return list(merged.values())


def with_rollout_change(
    view: ClusterView, finding: Finding, replica_sets: ReplicaSets | None = None
) -> Finding:
    """Name the rollout a Deployment's failure began with, and what it changed."""
    if finding.object.kind != "Deployment":
        return finding
    change = rollout_change(view, finding, replica_sets)
    if change is None:
        return finding
    evidence, sentence, undo = change
    fix = finding.remediation
    if undo not in fix.commands:
        fix = replace(fix, commands=(*fix.commands, undo))
    return replace(
        finding,
        evidence=(*finding.evidence, evidence),
        root_cause=f"{finding.root_cause} {sentence}",
        remediation=fix,
    )


def _concerns(finding: Finding, target: ObjectRef) -> bool:
    if finding.object == target or target in finding.related:
        return True
    if target.kind == "Pod":
        return any(
            p.name == target.name and p.namespace == target.namespace for p in finding.affected
        )
    return False
