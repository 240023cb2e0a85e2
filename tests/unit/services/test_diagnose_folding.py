"""One problem, one finding: impacts fold into their cause, the safety net stays out of the way.

Hand-made findings go through a registry of stub analyzers and the real diagnose service, so
what is checked is what a user reads: which findings remain, in which order, and what the
surviving cause says about the outage it causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kubemedic.analyzers import Analyzer, Registry
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import (
    AffectedPod,
    Evidence,
    EvidenceSource,
    Finding,
    ObjectRef,
    Remediation,
)
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.services.diagnose import diagnose

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
WEB = ObjectRef("Deployment", "web", "shop")
API = ObjectRef("Deployment", "api", "shop")


def _finding(
    id: str,
    category: Category,
    severity: Severity,
    *,
    pods: Sequence[str] = ("web-1",),
    target: ObjectRef = WEB,
    summary: str = "",
    root_cause: str = "",
    evidence: Sequence[Evidence] = (),
    commands: tuple[str, ...] = (),
    outcome: str = "",
) -> Finding:
    return Finding(
        id=id,
        severity=severity,
        category=category,
        object=target,
        summary=summary or f"{id} summary",
        root_cause=root_cause or f"{id} cause.",
        evidence=tuple(evidence) or (Evidence(f"{id} fact", EvidenceSource.STATUS, id),),
        remediation=Remediation(
            summary=f"{id} fix",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=outcome or f"{id} outcome.",
            commands=commands,
        ),
        affected=tuple(AffectedPod(target.namespace, p) for p in pods),
        analyzer=id.lower(),
    )


def _crash(target: ObjectRef = WEB, pods: Sequence[str] = ("web-1",)) -> Finding:
    return _finding(
        "KM-POD-CRASHLOOP-APP-ERROR",
        Category.CRASHLOOP_APP_ERROR,
        Severity.HIGH,
        target=target,
        pods=pods,
        summary="Container app keeps crashing: exit 1",
        commands=("kubectl logs web-1 -n shop --previous",),
    )


def _outage(pods: Sequence[str] = ("web-1",)) -> Finding:
    return _finding(
        "KM-WL-UNAVAILABLE",
        Category.WORKLOAD_UNAVAILABLE,
        Severity.CRITICAL,
        pods=pods,
        summary="No replica of Deployment shop/web is available (0 of 2)",
        root_cause="No replica of Deployment shop/web is available for 9m: it serves nothing.",
        evidence=(
            Evidence(
                "0 of 2 replicas available",
                EvidenceSource.STATUS,
                "Deployment shop/web status.availableReplicas",
            ),
            Evidence(
                "pod web-1 is in CrashLoopBackOff", EvidenceSource.STATUS, "Pod shop/web-1 status"
            ),
        ),
        commands=("kubectl rollout status deployment/web -n shop",),
        outcome="2 of 2 replicas of Deployment shop/web are available.",
    )


def _unknown(pod: str) -> Finding:
    return _finding("KM-POD-UNKNOWN", Category.UNKNOWN, Severity.HIGH, pods=[pod])


def _run(*findings: Finding, fallback: Sequence[Finding] = ()) -> tuple[Finding, ...]:
    analyzers = [
        Analyzer(f"stub-{i}", "a stub", (f.category,), lambda _view, f=f: [f])
        for i, f in enumerate(findings)
    ]
    analyzers.append(
        Analyzer("safety", "a stub fallback", (Category.UNKNOWN,), lambda _v: fallback, True)
    )
    view = ClusterView([], observed_at=NOW, source="test")
    return diagnose(view, registry=Registry(analyzers)).findings


def test_an_outage_folds_into_its_cause_which_takes_its_severity() -> None:
    [finding] = _run(_outage(), _crash())
    assert finding.id == "KM-POD-CRASHLOOP-APP-ERROR"
    assert finding.severity is Severity.CRITICAL
    assert finding.summary == (
        "Container app keeps crashing: exit 1. "
        "No replica of Deployment shop/web is available (0 of 2)"
    )
    assert finding.root_cause.endswith("available for 9m: it serves nothing.")
    facts = [e.fact for e in finding.evidence]
    assert "0 of 2 replicas available" in facts
    assert "pod web-1 is in CrashLoopBackOff" not in facts  # the cause describes its own pods
    assert finding.remediation.commands == (
        "kubectl logs web-1 -n shop --previous",
        "kubectl rollout status deployment/web -n shop",
    )
    assert finding.remediation.expected_outcome.endswith(
        "2 of 2 replicas of Deployment shop/web are available."
    )


def test_an_outage_stands_alone_when_no_cause_below_it_is_known() -> None:
    elsewhere = _crash(target=API, pods=("api-1",))
    context = _finding(
        "KM-POD-CONFIG-MISSING-SECRET", Category.CONFIG_MISSING_SECRET, Severity.INFO
    )
    other_pod = _finding("KM-POD-OOMKILLED", Category.OOMKILLED, Severity.MEDIUM, pods=["web-9"])
    assert [f.id for f in _run(_outage(), elsewhere, context, other_pod)] == [
        "KM-WL-UNAVAILABLE",
        "KM-POD-CRASHLOOP-APP-ERROR",
        "KM-POD-OOMKILLED",
        "KM-POD-CONFIG-MISSING-SECRET",
    ]


def test_every_cause_of_one_outage_carries_it() -> None:
    oom = _finding("KM-POD-OOMKILLED", Category.OOMKILLED, Severity.HIGH, pods=["web-2"])
    findings = _run(_outage(pods=("web-1", "web-2")), _crash(), oom)
    assert [(f.id, f.severity) for f in findings] == [
        ("KM-POD-CRASHLOOP-APP-ERROR", Severity.CRITICAL),
        ("KM-POD-OOMKILLED", Severity.CRITICAL),
    ]


def test_the_safety_net_reports_only_pods_no_other_finding_covers() -> None:
    findings = _run(_crash(), fallback=[_unknown("web-1"), _unknown("web-2")])
    assert [(f.id, [p.name for p in f.affected]) for f in findings] == [
        ("KM-POD-CRASHLOOP-APP-ERROR", ["web-1"]),
        ("KM-POD-UNKNOWN", ["web-2"]),
    ]


def test_an_outage_covers_no_pod_and_never_folds_into_the_safety_net() -> None:
    findings = _run(_outage(), fallback=[_unknown("web-1")])
    assert [f.id for f in findings] == ["KM-WL-UNAVAILABLE", "KM-POD-UNKNOWN"]


def test_within_a_severity_causes_come_first_then_the_unrecognised_then_impacts() -> None:
    outage = _finding("KM-WL-UNAVAILABLE", Category.WORKLOAD_UNAVAILABLE, Severity.HIGH,
                      target=API, pods=["api-1"])  # fmt: skip
    findings = _run(outage, _crash(), fallback=[_unknown("web-2")])
    assert [f.id for f in findings] == [
        "KM-POD-CRASHLOOP-APP-ERROR",
        "KM-POD-UNKNOWN",
        "KM-WL-UNAVAILABLE",
    ]
