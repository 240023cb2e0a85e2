"""Fixed reports for formatter tests: built by hand so they change only when this file does.

They cover what a formatter must get right: every severity, a workload with a dozen crashing
replicas (the pod list collapses), a patch, text with ``[``, ``|``, ``*`` and backticks, a
finding with neither pods nor times, an analyzer that failed, and input warnings (one naming
a file, line, object and field; one about the input as a whole).
"""

from __future__ import annotations

from datetime import UTC, datetime

from kubemedic.formatters.report import AnalyzerError, Report, Scope
from kubemedic.models.categories import Category
from kubemedic.models.findings import (
    AffectedPod,
    Evidence,
    EvidenceSource,
    Finding,
    ObjectRef,
    Remediation,
)
from kubemedic.models.scan_warning import ScanWarning
from kubemedic.models.severity import RiskTier, Severity

VERSION = "0.0.0-test"
OBSERVED = datetime(2024, 5, 1, 10, 13, 5, tzinfo=UTC)
CHECKOUT_PODS = tuple(
    AffectedPod("shop", f"checkout-5f7c9d8b6-{suffix}", ("app",))
    for suffix in ("2xkqp", "4hzvn", "7tq9c", "8lmwd", "b6s2r", "c9vfx", "dk3pz", "fj8wn",
                   "h2rtx", "m5qbc", "p7xzk", "w4nlj")
)  # fmt: skip


def _checkout() -> Finding:
    pod = "checkout-5f7c9d8b6-2xkqp"
    return Finding(
        id="KM-POD-CRASHLOOP-APP-ERROR",
        severity=Severity.CRITICAL,
        category=Category.CRASHLOOP_APP_ERROR,
        object=ObjectRef("Deployment", "checkout", "shop"),
        summary="Container app exits with code 1 at start-up: DATABASE_URL is not set",
        root_cause=(
            "The app reads DATABASE_URL at start-up and exits 1 when it is missing; revision 7 "
            "removed the env var from the pod template, so every replica crashes (no replica is "
            "available)."
        ),
        evidence=(
            Evidence(
                "terminated with reason Error, exit code 1 after 2s",
                EvidenceSource.STATUS,
                f"Pod shop/{pod} status.containerStatuses[app].lastState.terminated",
            ),
            Evidence(
                "2024-05-01 10:12:58 [ERROR] config: required variable *DATABASE_URL* is not set",
                EvidenceSource.LOG,
                f"previous instance log of shop/{pod} container app (kubectl logs --previous)",
            ),
            Evidence(
                f"Back-off restarting failed container app in pod {pod}_shop(0d5e)",
                EvidenceSource.EVENT,
                f"Event Warning BackOff (x41) on Pod shop/{pod}, last 2024-05-01T10:13:05Z",
            ),
        ),
        remediation=Remediation(
            summary="Set DATABASE_URL on the checkout deployment again (it came from the "
            "checkout-db Secret), or roll back to revision 6.",
            risk=RiskTier.MEDIUM,
            reversible=True,
            expected_outcome="New pods start and stay Running; checkout becomes Available.",
            steps=(
                "Confirm that Secret checkout-db still has the key url.",
                "Add the env var back to the pod template; the Deployment rolls out new pods.",
            ),
            commands=(
                "kubectl rollout undo deployment/checkout -n shop --to-revision=6",
                "kubectl rollout status deployment/checkout -n shop",
            ),
            patch=(
                "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n"
                "        env:\n        - name: DATABASE_URL\n          valueFrom:\n"
                "            secretKeyRef: {name: checkout-db, key: url}\n"
            ),
        ),
        affected=CHECKOUT_PODS,
        first_seen=datetime(2024, 5, 1, 9, 41, 0, tzinfo=UTC),
        last_seen=OBSERVED,
        analyzer="crashloop",
    )


def _api() -> Finding:
    pod = "api-6c9f7d8b54-x2k4q"
    return Finding(
        id="KM-POD-OOMKILLED",
        severity=Severity.HIGH,
        category=Category.OOMKILLED,
        object=ObjectRef("Deployment", "api", "shop"),
        summary="Container api is killed for exceeding its memory limit of 512Mi",
        root_cause="Container api used more than its 512Mi memory limit (request 256Mi) and the "
        "kernel OOM killer ended it (exit 137).",
        evidence=(
            Evidence(
                "terminated with reason OOMKilled, exit code 137 at 2024-05-01T10:12:40Z",
                EvidenceSource.STATUS,
                f"Pod shop/{pod} status.containerStatuses[api].lastState.terminated",
            ),
            Evidence(
                "memory limit 512Mi, request 256Mi",
                EvidenceSource.SPEC,
                f"Pod shop/{pod} spec.containers[api].resources",
            ),
        ),
        remediation=Remediation(
            summary="Raise the memory limit of api to 768Mi and tune the heap below it.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="api stays under its limit: no further OOMKilled restarts.",
            commands=("kubectl set resources deployment/api -n shop -c api --limits=memory=768Mi",),
        ),
        affected=(AffectedPod("shop", pod, ("api",)),),
        first_seen=datetime(2024, 5, 1, 9, 14, 2, tzinfo=UTC),
        last_seen=datetime(2024, 5, 1, 10, 13, 5, tzinfo=UTC),
        analyzer="oomkilled",
    )


def _redis() -> Finding:
    return Finding(
        id="KM-POD-PROBE-READINESS",
        severity=Severity.MEDIUM,
        category=Category.PROBE_READINESS,
        object=ObjectRef("StatefulSet", "redis", "cache"),
        summary="2 of 3 redis pods are Running but not Ready: the readiness probe fails",
        root_cause="The exec readiness probe `redis-cli ping | grep PONG` fails while the "
        "replicas resynchronise from the primary.",
        evidence=(
            Evidence(
                "Readiness probe failed: exec probe [sh -c redis-cli ping | grep PONG] exited 1",
                EvidenceSource.EVENT,
                "Event Warning Unhealthy (x12) on Pod cache/redis-1, last 2024-05-01T10:11:00Z",
            ),
        ),
        remediation=Remediation(
            summary="Raise the probe's failureThreshold while replicas resync.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome="redis-1 and redis-2 become Ready once resync ends.",
        ),
        affected=(
            AffectedPod("cache", "redis-1", ("redis",)),
            AffectedPod("cache", "redis-2", ("redis",)),
        ),
        first_seen=datetime(2024, 5, 1, 10, 2, 0, tzinfo=UTC),
        last_seen=datetime(2024, 5, 1, 10, 11, 0, tzinfo=UTC),
        analyzer="probes",
    )


def _legacy_web() -> Finding:
    return Finding(
        id="KM-SVC-NO-ENDPOINTS",
        severity=Severity.LOW,
        category=Category.SERVICE_NO_ENDPOINTS,
        object=ObjectRef("Service", "legacy-web", "shop"),
        summary="Service legacy-web selects no pods",
        root_cause="Its selector app=legacy-web matches no pod in namespace shop.",
        evidence=(
            Evidence(
                "selector app=legacy-web; 0 ready endpoints",
                EvidenceSource.RELATED,
                "Endpoints shop/legacy-web subsets",
            ),
        ),
        remediation=Remediation(
            summary="Delete the Service if legacy-web was retired, else fix its selector.",
            risk=RiskTier.TRIVIAL,
            reversible=False,
            expected_outcome="No Service without endpoints remains in shop.",
            commands=("kubectl delete service legacy-web -n shop",),
        ),
        analyzer="services",
    )


def full_report() -> Report:
    scope = Scope(
        source="files: examples/shop-cluster",
        namespaces=("*",),
        observed_at=OBSERVED,
        objects={"Pod": 18, "Deployment": 4, "ReplicaSet": 5, "Event": 57, "Node": 3},
        analyzers=("crashloop", "oomkilled", "probes", "services", "pvc"),
    )
    findings = (_checkout(), _api(), _redis(), _legacy_web())
    errors = (AnalyzerError("pvc", "KeyError: 'storageClassName'"),)
    warnings = (
        ScanWarning(
            "Event BackOff about Pod shop/checkout-5f7c9d8b6-2xkqp has no metadata.name; "
            "read without it",
            "examples/shop-cluster/events.yaml",
            14,
            ObjectRef("Event", "", "shop"),
            "metadata.name",
        ),
        ScanWarning("the files record no time (no creation, status or event time)"),
    )
    return Report(scope, findings, VERSION, errors, warnings)


def empty_report() -> Report:
    scope = Scope(
        source="context kind-dev (https://127.0.0.1:6443)",
        namespaces=("shop",),
        observed_at=OBSERVED,
        objects={"Pod": 6, "Deployment": 2, "Event": 0},
        analyzers=("oomkilled",),
        target=ObjectRef("Deployment", "web", "shop"),
    )
    return Report(scope, (), VERSION)
