"""Deployments whose rollout timed out (``ProgressDeadlineExceeded``), read on the new ReplicaSet.

Kubernetes only flips a condition, and the replica counts can look healthy because the previous
ReplicaSet keeps serving. kubemedic looks at the newest ReplicaSet (highest revision) and its
pods, names their visible state without re-diagnosing them (the pod findings do that), says who
still serves, and offers the fix or the rollback. A rollout within its deadline is not reported;
a new ReplicaSet that cannot create pods at all is left to the failed-create analyzer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._rollout import ReplicaSets, Rollout, rollout_of
from kubemedic.analyzers._workload import (
    condition_evidence,
    create_failure,
    describe_states,
    in_state,
    is_live,
    location,
    pod_state,
    pod_state_evidence,
    status_evidence,
    workload_finding,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import Condition, Pod, Workload
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-WL-PROGRESS-DEADLINE"
_NAMED_RS = re.compile(r'ReplicaSet "([^"]+)"')


def analyze(view: ClusterView) -> Iterator[Finding]:
    replica_sets = ReplicaSets(view)
    for deployment in view.workloads("Deployment"):
        cond = deployment.condition("Progressing")
        if cond is None or cond.is_true or cond.reason != "ProgressDeadlineExceeded":
            continue
        observed = deployment.status.get("observedGeneration")
        if isinstance(observed, int) and observed < deployment.generation:
            continue  # a newer spec starts a new rollout; the old verdict no longer applies
        rollout = rollout_of(view, deployment, replica_sets)
        match = _NAMED_RS.search(cond.message)
        new = (rollout.named(match.group(1)) if match else None) or rollout.newest
        replica_failure = deployment.condition("ReplicaFailure")
        if (new is not None and create_failure(view, new) is not None) or (
            replica_failure is not None and replica_failure.is_true
        ):
            continue  # no pods at all: the failed-create finding carries the cause
        yield _finding(view, rollout, cond, new)


def _finding(view: ClusterView, rollout: Rollout, cond: Condition, new: Workload | None) -> Finding:
    deployment = rollout.deployment
    ref = deployment.ref
    pods = rollout.pods(view, new) if new is not None else view.pods_of(deployment)
    live = [p for p in pods if is_live(p)]
    failing = [p for p in live if not p.is_ready]
    replicas = deployment.replicas
    available = deployment.status_int("availableReplicas")
    previous = rollout.previous
    deadline = deployment.spec.get("progressDeadlineSeconds", 600)
    revision = f"revision {new.revision} (ReplicaSet {new.name})" if new else "the new revision"
    pods_text = _pods_phrase(live, failing)
    cause = (
        f"The rollout to {revision} made no progress for progressDeadlineSeconds={deadline}s: "
        f"{pods_text}."
    )
    if rollout.older_available and previous is not None:
        cause += (
            f" The previous revision {previous.revision} (ReplicaSet {previous.name}) still "
            f"serves {rollout.older_available} of {replicas} replicas, so the old version "
            "carries the traffic while the rollout is stuck."
        )
    elif available == 0:
        cause += f" No replica is available: {ref} serves no traffic."
    evidence = [
        condition_evidence(deployment, cond),
        _replica_counts(deployment),
        *pod_state_evidence(failing),
    ]
    if previous is not None and previous.status_int("availableReplicas"):
        evidence.append(
            status_evidence(
                previous,
                "availableReplicas",
                f"{previous.status_int('availableReplicas')} replicas available on revision "
                f"{previous.revision}",
            )
        )
    # Rolling back needs an earlier revision: without one kubectl rollout undo fails.
    undo = (
        f"kubectl rollout undo {ref.kubectl_ref} --to-revision={previous.revision}"
        if previous is not None
        else ""
    )
    unknown = previous is None and not view.knows("ReplicaSet", ref.namespace)
    history = f"kubectl rollout history {ref.kubectl_ref}" if unknown else ""
    commands = [c for c in (undo, history, f"kubectl rollout status {ref.kubectl_ref}") if c]
    if new is not None:
        commands.append(f"kubectl describe {new.ref.kubectl_ref}")
    return workload_finding(
        view,
        deployment,
        id=ID,
        analyzer="progress-deadline",
        severity=Severity.CRITICAL if available == 0 else Severity.HIGH,
        category=Category.WORKLOAD_PROGRESS_DEADLINE,
        summary=f"Rollout of {ref} timed out"
        + (" and no replica is available" if available == 0 else "")
        + f": {pods_text}",
        root_cause=cause,
        evidence=evidence,
        pods=failing,
        since=(new.created_at if new is not None else None) or cond.last_transition,
        related=(new.ref,) if new is not None else (),
        remediation=Remediation(
            summary="Fix what keeps the new pods from becoming Ready (see their pod findings)"
            + (", or roll back to the previous revision." if undo else "."),
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"Progressing returns to True (NewReplicaSetAvailable) and "
            f"{replicas} of {replicas} replicas are available.",
            steps=(
                "Fix the cause reported for the new pods; the rollout resumes by itself once "
                "they become Ready.",
                *(
                    (f"Or roll back now with {undo}, then fix the template and roll out again.",)
                    if undo
                    else ()
                ),
                *(
                    (
                        "If the history lists an earlier revision, rolling back to it is the "
                        f"other way out: kubectl rollout undo {ref.kubectl_ref}",
                    )
                    if history
                    else ()
                ),
                "kubectl rollout status fails while the deadline is exceeded; it succeeds "
                "once the rollout completes.",
            ),
            commands=tuple(commands),
        ),
    )


def _replica_counts(deployment: Workload) -> Evidence:
    """``wants 1 replica (spec.replicas); has 2 pods (status.replicas): 1 updated, ...``.

    During a surge ``status.replicas`` exceeds ``spec.replicas``: both are shown, each named.
    """
    wanted = deployment.replicas
    counts = [
        f"{deployment.status_int(field)} {word}"
        for field, word in (
            ("updatedReplicas", "updated"),
            ("readyReplicas", "ready"),
            ("availableReplicas", "available"),
            ("unavailableReplicas", "unavailable"),
        )
        if field != "unavailableReplicas" or deployment.status_int(field)
    ]
    total = deployment.status_int("replicas")
    fact = (
        f"wants {wanted} replica{'s' if wanted != 1 else ''} (spec.replicas); has {total} "
        f"pod{'s' if total != 1 else ''} (status.replicas): {', '.join(counts)}"
    )
    return Evidence(fact, EvidenceSource.STATUS, location(deployment, "spec.replicas, status"))


def _pods_phrase(live: Sequence[Pod], failing: Sequence[Pod]) -> str:
    """``its 3 new pods are in ImagePullBackOff``, or a breakdown when their states differ."""
    if not live:
        return "its new ReplicaSet has no running pod"
    if not failing:
        return f"its {len(live)} new pods are Ready but the rollout did not complete"
    states = Counter(pod_state(p) for p in failing)
    count, total = len(failing), len(live)
    if count == total:
        subject = "its new pod" if total == 1 else f"its {total} new pods"
    else:
        subject = f"{count} of its {total} new pods"
    if len(states) == 1:
        return f"{subject} {'is' if count == 1 else 'are'} {in_state(next(iter(states)))}"
    return f"{subject} are failing: {describe_states(failing)}"


ANALYZER = Analyzer(
    name="progress-deadline",
    description="Deployments whose rollout passed progressDeadlineSeconds, diagnosed on the "
    "newest ReplicaSet and its pods.",
    categories=(Category.WORKLOAD_PROGRESS_DEADLINE,),
    analyze=analyze,
)
