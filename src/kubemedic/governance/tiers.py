"""Risk tiers are derived from the change itself, never chosen by whoever asks for it.

The defaults follow the design: trivial changes restart what a controller recreates or pause a
rollout; low ones scale by at most two replicas within free capacity; medium ones change how
pods run (resources, image, autoscaler, ConfigMap, undo, Helm rollback); critical ones touch
Secrets, RBAC, namespaces, delete workloads or scale to zero. A policy line may set another
tier for an action in a namespace; the reason always says which rule decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from kubemedic.models.operations import ActionType, TierFacts
from kubemedic.models.policy import Policy
from kubemedic.models.severity import RiskTier

SENSITIVE_KINDS = frozenset(
    {
        "Secret",
        "Namespace",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ServiceAccount",
    }
)
"""Kinds whose change is critical whatever the action: credentials, permissions, namespaces."""

MAX_LOW_SCALE_STEP = 2

_MEDIUM_ACTIONS = {
    ActionType.RESOURCES: "changes requests/limits (pods are replaced)",
    ActionType.HPA: "creates or changes an autoscaler",
    ActionType.HPA_DELETE: "removes an autoscaler",
    ActionType.SET_IMAGE: "changes the image (pods are replaced)",
    ActionType.UNDO: "rolls the workload back to its previous template",
    ActionType.CONFIGMAP_RESTORE: "changes a ConfigMap's data",
    ActionType.HELM_ROLLBACK: "rolls a Helm release back to an earlier revision: every object "
    "of the release, and its hooks",
}


@dataclass(frozen=True, slots=True)
class TierDecision:
    tier: RiskTier
    reason: str


def derive_tier(facts: TierFacts, policy: Policy) -> TierDecision:
    """The tier of a planned change: a policy override when one matches, else the defaults.

    Changes to credentials, permissions and namespaces stay critical whatever the policy says.
    """
    if facts.target_kind in SENSITIVE_KINDS:
        return default_tier(facts)
    for number, line in enumerate(policy.overrides, start=1):
        if fnmatchcase(facts.action.value, line.action) and fnmatchcase(
            facts.namespace, line.namespace
        ):
            return TierDecision(
                line.tier,
                f"policy line {number} (action {line.action}, namespace {line.namespace})",
            )
    return default_tier(facts)


def default_tier(facts: TierFacts) -> TierDecision:
    """The design's default tier for a change, with the reason in words."""
    if facts.target_kind in SENSITIVE_KINDS:
        return TierDecision(RiskTier.CRITICAL, f"touches a {facts.target_kind}")
    action = facts.action
    if action is ActionType.RESTART:
        if facts.owned_by_controller:
            return TierDecision(RiskTier.TRIVIAL, "restarts a pod its controller recreates")
        return TierDecision(RiskTier.CRITICAL, "deletes a pod no controller recreates")
    if action is ActionType.PAUSE:
        return TierDecision(RiskTier.TRIVIAL, "pauses a rollout; nothing running changes")
    if action is ActionType.RESUME:
        return TierDecision(RiskTier.LOW, "resumes a paused rollout")
    if action is ActionType.SCALE:
        return _scale_tier(facts)
    if action in _MEDIUM_ACTIONS:
        return TierDecision(RiskTier.MEDIUM, _MEDIUM_ACTIONS[action])
    return TierDecision(RiskTier.CRITICAL, f"{action.value} has no lower tier rule")


def _scale_tier(facts: TierFacts) -> TierDecision:
    before, after = facts.replicas_before, facts.replicas_after
    if after == 0:
        return TierDecision(RiskTier.CRITICAL, "scales to zero: the workload stops serving")
    if before is None or after is None:
        return TierDecision(RiskTier.MEDIUM, "scales a workload whose replica count is unknown")
    step = abs(after - before)
    if step > MAX_LOW_SCALE_STEP:
        return TierDecision(
            RiskTier.MEDIUM, f"scales by {step} replicas ({before} → {after}), more than 2"
        )
    if after > before and facts.within_capacity is not True:
        why = "exceeds" if facts.within_capacity is False else "may exceed (capacity unknown)"
        return TierDecision(
            RiskTier.MEDIUM, f"scales {before} → {after} and {why} the nodes' free capacity"
        )
    return TierDecision(RiskTier.LOW, f"scales by {step} ({before} → {after}) within capacity")
