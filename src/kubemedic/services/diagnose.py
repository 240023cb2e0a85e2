"""The diagnose use case: run every analyzer over a view, fold replicas, rank by severity.

Between the analyzers and the report sit the rules that make one problem one finding: the
replicas of a workload fold into one finding; a fallback analyzer's findings survive only for
pods no other finding covers; a workload-level impact (a timed-out rollout, a workload with no
replica available) folds into the pod-level causes found on the same workload; and findings
come out in the order a person should read them — worst first, causes before symptoms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from kubemedic._internal.gcpause import paused_gc
from kubemedic.analyzers import BUILTIN
from kubemedic.analyzers._commands import is_rollback, with_rollback
from kubemedic.analyzers._registry import Analyzer, Covered, Registry
from kubemedic.analyzers._rollout import ReplicaSets, rollout_change
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.models.severity import Severity

IMPACTS = frozenset({Category.WORKLOAD_PROGRESS_DEADLINE, Category.WORKLOAD_UNAVAILABLE})
"""Workload-level findings that say what a failure costs, not why: folded into their cause."""


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
    """Run all analyzers, fold replicas and impacts into their causes, in reading order."""
    raw: list[Finding] = []
    last_resort: list[Finding] = []
    failures: list[AnalyzerFailure] = []
    with paused_gc():
        for analyzer in registry:
            if not analyzer.fallback:
                _run(analyzer, partial(analyzer.analyze, view), raw, failures)
        covered = covered_pods(raw)
        for analyzer in registry:
            if analyzer.fallback:
                rest = analyzer.analyze_uncovered
                found = partial(rest, view, covered) if rest else partial(analyzer.analyze, view)
                _run(analyzer, found, last_resort, failures)
    unexplained = frozenset(c for a in registry if a.fallback for c in a.categories)
    raw += uncovered(last_resort, covered)
    replica_sets = ReplicaSets(view)
    findings = [
        with_rollout_change(view, f, replica_sets)
        for f in fold_impacts(fold_replicas(raw), unexplained=unexplained)
    ]
    if target is not None:
        findings = [f for f in findings if _concerns(f, target)]
    findings.sort(key=lambda f: _reading_order(f, unexplained))
    return Diagnosis(tuple(findings), view, tuple(a.name for a in registry), tuple(failures))


def _run(
    analyzer: Analyzer,
    analyze: Callable[[], Iterable[Finding]],
    into: list[Finding],
    failures: list[AnalyzerFailure],
) -> None:
    """Add what ``analyze`` finds to ``into``; if it raises, report the analyzer as failed."""
    try:
        into.extend(analyze())
    except Exception as exc:  # one broken analyzer must not hide the rest
        failures.append(AnalyzerFailure(analyzer.name, f"{type(exc).__name__}: {exc}"))


def fold_replicas(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings that describe one problem on several replicas of one workload.

    Each group is merged once, whatever its size: linear in the number of findings.
    """
    groups: dict[tuple[str, ObjectRef, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.group_key, []).append(finding)
    return [first.merge(*rest) if rest else first for first, *rest in groups.values()]


def uncovered(last_resort: Iterable[Finding], covered: Covered) -> list[Finding]:
    """The fallback findings, less the ``covered`` pods (see ``covered_pods``)."""
    kept = []
    for finding in last_resort:
        pods = tuple(p for p in finding.affected if (p.namespace, p.name) not in covered)
        if pods == finding.affected:
            kept.append(finding)
        elif pods:
            kept.append(replace(finding, affected=pods))
    return kept


def covered_pods(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    """Pods (namespace, name) that no fallback needs to report: another finding lists them
    among its affected pods. Impacts (``IMPACTS``) cover nothing: they say how much is down,
    not why, so they leave their pods to the fallback."""
    return {
        (pod.namespace, pod.name)
        for finding in findings
        if finding.category not in IMPACTS
        for pod in finding.affected
    }


def fold_impacts(
    findings: Sequence[Finding], *, unexplained: frozenset[Category] = frozenset()
) -> list[Finding]:
    """Fold each workload-level impact into the causes found on the same workload.

    A cause is a finding about the same object that is not itself an impact, not ``info``
    and not of an ``unexplained`` category (a fallback analyzer's: a failure seen, not
    explained), and that shares a pod with the impact (when both name pods). The cause takes
    the worse severity, the impact's summary, root cause and evidence (minus what it already
    says about its own pods), its commands and expected outcome. An impact without a cause
    stays a finding of its own.
    """
    causes: dict[ObjectRef, list[int]] = defaultdict(list)
    for index, finding in enumerate(findings):
        if (
            finding.category not in IMPACTS
            and finding.severity is not Severity.INFO
            and finding.category not in unexplained
        ):
            causes[finding.object].append(index)
    folded = list(findings)
    absorbed: set[int] = set()
    for index, impact in enumerate(findings):
        if impact.category not in IMPACTS:
            continue
        targets = [i for i in causes.get(impact.object, ()) if _share_pods(findings[i], impact)]
        for target in targets:
            folded[target] = with_impact(folded[target], impact)
        if targets:
            absorbed.add(index)
    return [f for index, f in enumerate(folded) if index not in absorbed]


def _share_pods(cause: Finding, impact: Finding) -> bool:
    if not cause.affected or not impact.affected:
        return True
    pods = {(p.namespace, p.name) for p in impact.affected}
    return any((p.namespace, p.name) in pods for p in cause.affected)


def with_impact(cause: Finding, impact: Finding) -> Finding:
    """The cause, carrying what it costs the workload (``impact``)."""
    own_pods = tuple(f"Pod {p.namespace}/{p.name} " for p in cause.affected)
    evidence = cause.evidence + tuple(
        e
        for e in impact.evidence
        if e not in cause.evidence and not f"{e.location} ".startswith(own_pods)
    )
    fix = cause.remediation
    for command in impact.remediation.commands:
        if is_rollback(command):  # an alternative to the cause's own fix, not a next step
            fix = with_rollback(fix, command)
        else:
            fix = replace(fix, commands=tuple(dict.fromkeys((*fix.commands, command))))
    fix = replace(
        fix, expected_outcome=f"{fix.expected_outcome} {impact.remediation.expected_outcome}"
    )
    worse = cause.severity if cause.severity.at_least(impact.severity) else impact.severity
    return replace(
        cause,
        severity=worse,
        summary=f"{cause.summary.rstrip('.')}. {impact.summary}",
        root_cause=f"{cause.root_cause} {impact.root_cause}",
        evidence=evidence,
        remediation=fix,
        related=tuple(
            dict.fromkeys((*cause.related, *(r for r in impact.related if r != cause.object)))
        ),
    )


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
    return replace(
        finding,
        evidence=(*finding.evidence, evidence),
        root_cause=f"{finding.root_cause} {sentence}",
        remediation=with_rollback(finding.remediation, undo),
    )


def _reading_order(finding: Finding, unexplained: frozenset[Category]) -> tuple[object, ...]:
    """Worst first; within a severity, causes, then unrecognised failures, then impacts."""
    if finding.category in IMPACTS:
        kind = 2
    elif finding.category in unexplained:
        kind = 1
    else:
        kind = 0
    return (finding.severity.rank, kind, finding.object, finding.id)


def _concerns(finding: Finding, target: ObjectRef) -> bool:
    if finding.object == target or target in finding.related:
        return True
    if target.kind == "Pod":
        return any(
            p.name == target.name and p.namespace == target.namespace for p in finding.affected
        )
    return False
