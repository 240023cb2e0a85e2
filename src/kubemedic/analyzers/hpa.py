"""HorizontalPodAutoscalers that cannot scale: no metrics, no scale target — or at their max.

An HPA that cannot read its metrics freezes the workload at its current size without any
error on the workload itself. The controller's condition message says why: a container without
the request its utilization target is relative to (named, with the fix) or a stray pod
wearing the target's labels without one, a resource metrics API that is missing or unhealthy,
a custom/external metrics adapter, or pods too new to have metrics. A missing scale target is
its own finding; an HPA at ``maxReplicas`` is context.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from kubemedic.analyzers._build import Fix, event_evidence
from kubemedic.analyzers._hpa_requests import MISSING_REQUEST, MetricsVerdict, missing_request
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._workload import SETTLE, condition_evidence, workload_finding
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef
from kubemedic.models.k8s import Condition, Event, KObject
from kubemedic.models.severity import Severity

NAME = "hpa"
IDS = {
    Category.HPA_METRICS_UNAVAILABLE: "KM-HPA-METRICS-UNAVAILABLE",
    Category.HPA_TARGET_MISSING: "KM-HPA-TARGET-MISSING",
    Category.HPA_AT_MAX_REPLICAS: "KM-HPA-AT-MAX",
}
V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
_METRIC_EVENTS = frozenset(
    {
        "FailedGetResourceMetric",
        "FailedGetContainerResourceMetric",
        "FailedGetPodsMetric",
        "FailedGetObjectMetric",
        "FailedGetExternalMetric",
        "FailedComputeMetricsReplicas",
    }
)
_SCALABLE = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1"}


def analyze(view: ClusterView) -> Iterator[Finding]:
    for hpa in view.objects("HorizontalPodAutoscaler"):
        conditions = _conditions(hpa)
        able = conditions.get("AbleToScale")
        active = conditions.get("ScalingActive")
        limited = conditions.get("ScalingLimited")
        events = [e for e in view.events_for(hpa) if e.reason in _METRIC_EVENTS]
        if able is not None and not able.is_true and able.reason == "FailedGetScale":
            yield _target_missing(view, hpa, able)
        elif active is not None and not active.is_true and active.reason.startswith("FailedGet"):
            if _lasting(view, active) or _misconfigured(active.message):
                evidence = [condition_evidence(hpa, active), *map(event_evidence, events[-1:])]
                yield _metrics(view, hpa, active.message, evidence)
        elif active is None and _failing_for_a_while(view, events):
            yield _metrics(view, hpa, events[-1].message, [event_evidence(events[-1])])
        elif limited is not None and limited.is_true and limited.reason == "TooManyReplicas":
            yield _at_max(view, hpa, limited)


def _conditions(hpa: KObject) -> dict[str, Condition]:
    """autoscaling/v2 status conditions, or the JSON annotation autoscaling/v1 keeps them in."""
    raw: Sequence[Any] = hpa.status.get("conditions") or ()
    if not raw and V1_CONDITIONS in hpa.annotations:
        try:
            raw = json.loads(hpa.annotations[V1_CONDITIONS])
        except ValueError:
            raw = ()
    return {c.type: c for c in (Condition(r) for r in raw if isinstance(r, Mapping))}


def _lasting(view: ClusterView, cond: Condition) -> bool:
    """Metrics are missing for a minute after pods start: only a lasting failure counts."""
    since = cond.last_transition
    return since is None or view.observed_at - since >= SETTLE


def _misconfigured(message: str) -> bool:
    """A configuration error (a container without the request its target is a percentage of):
    unlike a metrics API still warming up, waiting never fixes it, so it counts at once."""
    return MISSING_REQUEST.search(message) is not None


def _failing_for_a_while(view: ClusterView, events: list[Event]) -> bool:
    """Without conditions to read: metric errors that are still recent and either span
    ``SETTLE`` or name a configuration error. Undated errors count as current and lasting,
    as an unknown transition time does in :func:`_lasting`."""
    if not events:
        return False
    first, last = events[0].first_seen, events[-1].last_seen
    if last is not None and view.observed_at - last >= SETTLE:
        return False
    lasted = last - first if first is not None and last is not None else SETTLE
    return lasted >= SETTLE or _misconfigured(events[-1].message)


def _target(hpa: KObject) -> ObjectRef:
    ref = hpa.spec.get("scaleTargetRef") or {}
    return ObjectRef(str(ref.get("kind", "")), str(ref.get("name", "")), hpa.namespace)


def _metrics(view: ClusterView, hpa: KObject, message: str, evidence: list[Evidence]) -> Finding:
    target = _target(hpa)
    verdict = _metrics_verdict(view, target, message)
    current = hpa.status.get("currentReplicas", "?")
    replicas = f"{current} replica{'' if current == 1 else 's'}"
    return _finding(
        view,
        hpa,
        Category.HPA_METRICS_UNAVAILABLE,
        severity=Severity.MEDIUM,
        summary=f"HPA {hpa.name} cannot read its metrics: {target} is stuck at {replicas}",
        root_cause=verdict.cause
        + f" Until it can read them, the HPA keeps {target} at its current {replicas}, "
        "whatever the load.",
        evidence=[*evidence, *verdict.evidence],
        fix=Fix(
            verdict.fix,
            commands=(*verdict.commands, f"kubectl describe hpa {hpa.name} -n {hpa.namespace}"),
        ),
        outcome=f"kubectl get hpa {hpa.name} shows current metric values instead of <unknown> "
        "and ScalingActive turns True.",
    )


def _metrics_verdict(view: ClusterView, target: ObjectRef, message: str) -> MetricsVerdict:
    said = f"The HPA controller reports: {message.strip()}."
    if match := MISSING_REQUEST.search(message):
        return missing_request(view, target, match, said)
    if "pods.metrics.k8s.io" in message or "resource metrics API" in message:
        absent = "could not find the requested resource" in message
        state = "is not installed" if absent else "is not answering"
        return MetricsVerdict(
            cause=f"{said} The resource metrics API (metrics-server) {state}, so no CPU or "
            "memory utilization can be computed.",
            fix="Install metrics-server, or repair it: its pods must run and the APIService "
            "v1beta1.metrics.k8s.io must be Available.",
            commands=(
                "kubectl get apiservice v1beta1.metrics.k8s.io",
                "kubectl get pods -n kube-system -l k8s-app=metrics-server",
            ),
        )
    if "custom.metrics.k8s.io" in message or "external.metrics.k8s.io" in message:
        return MetricsVerdict(
            cause=f"{said} The custom or external metrics adapter (prometheus-adapter, KEDA, "
            "...) does not serve the metric.",
            fix="Check the metrics adapter and that it exposes the metric the HPA names.",
            commands=("kubectl get apiservices | grep -i metrics",),
        )
    if "did not receive metrics" in message or "no metrics returned" in message:
        return MetricsVerdict(
            cause=f"{said} No pod of {target} has reported metrics: they are not Ready or "
            "metrics-server cannot scrape their node.",
            fix=f"Make the pods of {target} Ready (see their findings) and check metrics-server.",
            commands=(f"kubectl top pods -n {target.namespace}",),
        )
    return MetricsVerdict(
        cause=said,
        fix="Act on the controller's message.",
        commands=(f"kubectl describe {target.kubectl_ref}",),
    )


def _target_missing(view: ClusterView, hpa: KObject, cond: Condition) -> Finding:
    target = _target(hpa)
    hint, commands = _target_hint(view, hpa, target)
    return _finding(
        view,
        hpa,
        Category.HPA_TARGET_MISSING,
        severity=Severity.MEDIUM,
        summary=f"HPA {hpa.name} cannot find its scale target {target}",
        root_cause=f"HPA {hpa.namespace}/{hpa.name} points at {target}, which it cannot read: "
        f"{cond.message}. It scales nothing until scaleTargetRef names an existing workload."
        + hint,
        evidence=[condition_evidence(hpa, cond)],
        since=cond.last_transition,
        fix=Fix(
            "Fix spec.scaleTargetRef (kind, name, apiVersion) or create the target.",
            commands=(*commands, f"kubectl get deployments,statefulsets -n {hpa.namespace}"),
        ),
        outcome="AbleToScale turns True and the HPA reports its target's replicas.",
    )


def _target_hint(view: ClusterView, hpa: KObject, target: ObjectRef) -> tuple[str, list[str]]:
    """A workload of another kind with the target's name, or the closest name of its kind."""
    patch = "kubectl patch hpa {hpa} -n {ns} --type merge -p '{body}'"
    for kind, api in _SCALABLE.items():
        found = view.get(kind, target.namespace, target.name)
        if found is not None and kind != target.kind:
            body = json.dumps(
                {"spec": {"scaleTargetRef": {"apiVersion": api, "kind": kind, "name": found.name}}},
                separators=(",", ":"),
            )
            return (
                f" A {kind} named {target.name} exists: the reference has the wrong kind.",
                [patch.format(hpa=hpa.name, ns=hpa.namespace, body=body)],
            )
    names = [o.name for o in view.objects(target.kind, target.namespace)]
    closest = difflib.get_close_matches(target.name, names, n=1, cutoff=0.6)
    if not closest:
        return "", []
    body = json.dumps({"spec": {"scaleTargetRef": {"name": closest[0]}}}, separators=(",", ":"))
    return (
        f" {target.kind} {closest[0]} exists in {target.namespace}: was it meant?",
        [patch.format(hpa=hpa.name, ns=hpa.namespace, body=body)],
    )


def _at_max(view: ClusterView, hpa: KObject, cond: Condition) -> Finding:
    maximum = hpa.spec.get("maxReplicas", "?")
    desired = hpa.status.get("desiredReplicas", maximum)
    return _finding(
        view,
        hpa,
        Category.HPA_AT_MAX_REPLICAS,
        severity=Severity.INFO,
        summary=f"HPA {hpa.name} is at its maximum of {maximum} replicas",
        root_cause=f"HPA {hpa.namespace}/{hpa.name} wants more replicas than "
        f"maxReplicas={maximum} allows: {cond.message}. Expected under peak load; if it lasts, "
        "latency may suffer.",
        evidence=[condition_evidence(hpa, cond)],
        since=cond.last_transition,
        fix=Fix(
            f"Raise maxReplicas above {maximum} if the cluster has room, or make each replica "
            "handle more load.",
            commands=(f"kubectl describe hpa {hpa.name} -n {hpa.namespace}",),
        ),
        outcome=f"The HPA scales past {maximum} replicas (it wanted {desired}).",
    )


def _finding(
    view: ClusterView,
    hpa: KObject,
    category: Category,
    *,
    severity: Severity,
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    fix: Fix,
    outcome: str,
    since: datetime | None = None,
) -> Finding:
    """A finding on the HPA itself, naming its scale target."""
    return workload_finding(
        view,
        hpa,
        id=IDS[category],
        analyzer=NAME,
        severity=severity,
        category=category,
        summary=summary,
        root_cause=root_cause,
        evidence=evidence,
        related=(_target(hpa),),
        own=True,
        since=since,
        remediation=fix.remediation(outcome),
    )


ANALYZER = Analyzer(
    name=NAME,
    description="HorizontalPodAutoscalers without metrics or scale target, and HPAs at max.",
    categories=tuple(IDS),
    analyze=analyze,
)
