"""Risk tiers follow from what a change does, and a policy line can set another one."""

from __future__ import annotations

import pytest

from kubemedic.governance.tiers import derive_tier
from kubemedic.models.operations import ActionType as A
from kubemedic.models.operations import TierFacts
from kubemedic.models.policy import Policy, TierOverride
from kubemedic.models.severity import RiskTier as T

DEFAULTS = Policy()


def _tier(facts: TierFacts, policy: Policy = DEFAULTS) -> T:
    return derive_tier(facts, policy).tier


def _scale(before: int | None, after: int | None, within: bool | None = True) -> TierFacts:
    return TierFacts(A.SCALE, "Deployment", "shop", True, before, after, within)


def test_restarting_a_pod_its_controller_recreates_is_trivial() -> None:
    decision = derive_tier(TierFacts(A.RESTART, "Pod", "shop"), DEFAULTS)
    assert decision.tier is T.TRIVIAL
    assert "controller recreates" in decision.reason


def test_restarting_a_bare_pod_deletes_it_for_good_so_it_is_critical() -> None:
    decision = derive_tier(TierFacts(A.RESTART, "Pod", "shop", owned_by_controller=False), DEFAULTS)
    assert decision.tier is T.CRITICAL
    assert decision.reason == "deletes a pod no controller recreates"


def test_pausing_a_rollout_is_trivial_and_resuming_low() -> None:
    assert _tier(TierFacts(A.PAUSE, "Deployment", "shop")) is T.TRIVIAL
    assert _tier(TierFacts(A.RESUME, "Deployment", "shop")) is T.LOW


@pytest.mark.parametrize(("before", "after"), [(3, 4), (3, 5), (3, 2), (3, 1), (3, 3), (1, 3)])
def test_scaling_by_at_most_two_within_capacity_is_low(before: int, after: int) -> None:
    decision = derive_tier(_scale(before, after), DEFAULTS)
    assert decision.tier is T.LOW
    assert f"({before} → {after}) within capacity" in decision.reason


@pytest.mark.parametrize(("before", "after"), [(3, 6), (6, 3), (2, 10)])
def test_scaling_by_more_than_two_is_medium(before: int, after: int) -> None:
    decision = derive_tier(_scale(before, after), DEFAULTS)
    assert decision.tier is T.MEDIUM
    assert f"scales by {abs(after - before)} replicas" in decision.reason


def test_scaling_up_beyond_free_capacity_is_medium() -> None:
    decision = derive_tier(_scale(3, 4, within=False), DEFAULTS)
    assert decision.tier is T.MEDIUM
    assert "exceeds the nodes' free capacity" in decision.reason


def test_scaling_up_when_capacity_is_unknown_is_medium() -> None:
    decision = derive_tier(_scale(3, 5, within=None), DEFAULTS)
    assert decision.tier is T.MEDIUM
    assert "capacity unknown" in decision.reason


def test_scaling_down_needs_no_capacity() -> None:
    assert _tier(_scale(4, 3, within=None)) is T.LOW


def test_scaling_an_unknown_replica_count_is_medium() -> None:
    assert _tier(_scale(None, 2)) is T.MEDIUM


@pytest.mark.parametrize("before", [1, 2, 5])
def test_scaling_to_zero_stops_the_workload_so_it_is_critical(before: int) -> None:
    decision = derive_tier(_scale(before, 0), DEFAULTS)
    assert decision.tier is T.CRITICAL
    assert "scales to zero" in decision.reason


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        (A.RESOURCES, "Deployment"),
        (A.SET_IMAGE, "StatefulSet"),
        (A.HPA, "Deployment"),
        (A.HPA_DELETE, "HorizontalPodAutoscaler"),
        (A.UNDO, "Deployment"),
        (A.CONFIGMAP_RESTORE, "ConfigMap"),
    ],
)
def test_changing_how_pods_run_is_medium(action: A, kind: str) -> None:
    assert _tier(TierFacts(action, kind, "shop")) is T.MEDIUM


@pytest.mark.parametrize(
    "kind", ["Secret", "Namespace", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]
)
def test_secrets_permissions_and_namespaces_are_critical_whatever_the_action(kind: str) -> None:
    decision = derive_tier(TierFacts(A.CONFIGMAP_RESTORE, kind, "shop"), DEFAULTS)
    assert decision.tier is T.CRITICAL
    assert decision.reason == f"touches a {kind}"
    assert _tier(TierFacts(A.PAUSE, kind, "shop")) is T.CRITICAL


def test_no_policy_line_lowers_a_change_to_credentials_permissions_or_namespaces() -> None:
    lenient = Policy(overrides=(TierOverride(T.TRIVIAL),))  # every action, every namespace
    assert _tier(TierFacts(A.CONFIGMAP_RESTORE, "Deployment", "shop"), lenient) is T.TRIVIAL
    assert _tier(TierFacts(A.CONFIGMAP_RESTORE, "Secret", "shop"), lenient) is T.CRITICAL
    assert _tier(TierFacts(A.PAUSE, "ClusterRoleBinding", ""), lenient) is T.CRITICAL


def test_an_action_without_a_lower_rule_is_critical() -> None:
    decision = derive_tier(TierFacts(A.REVERT, "Deployment", "shop"), DEFAULTS)
    assert decision.tier is T.CRITICAL
    assert decision.reason == "revert has no lower tier rule"


def test_a_policy_line_sets_the_tier_and_the_reason_names_it() -> None:
    policy = Policy(
        overrides=(
            TierOverride(T.LOW, action="set-image", namespace="staging"),
            TierOverride(T.CRITICAL, action="scale", namespace="prod-*"),
        )
    )
    assert _tier(_scale(3, 4), policy) is T.LOW  # namespace shop: no line matches
    prod = derive_tier(TierFacts(A.SCALE, "Deployment", "prod-eu", True, 3, 4, True), policy)
    assert prod.tier is T.CRITICAL
    assert prod.reason == "policy line 2 (action scale, namespace prod-*)"
    staging = derive_tier(TierFacts(A.SET_IMAGE, "Deployment", "staging"), policy)
    assert (staging.tier, staging.reason) == (
        T.LOW,
        "policy line 1 (action set-image, namespace staging)",
    )
    assert _tier(TierFacts(A.SET_IMAGE, "Deployment", "production"), policy) is T.MEDIUM


def test_the_first_matching_policy_line_wins() -> None:
    policy = Policy(
        overrides=(
            TierOverride(T.TRIVIAL, action="hpa*", namespace="dev"),
            TierOverride(T.CRITICAL, action="*", namespace="*"),
        )
    )
    dev = derive_tier(TierFacts(A.HPA_DELETE, "HorizontalPodAutoscaler", "dev"), policy)
    assert (dev.tier, dev.reason) == (T.TRIVIAL, "policy line 1 (action hpa*, namespace dev)")
    other = derive_tier(TierFacts(A.HPA, "Deployment", "dev"), policy)
    assert other.tier is T.TRIVIAL
    elsewhere = derive_tier(TierFacts(A.PAUSE, "Deployment", "shop"), policy)
    assert (elsewhere.tier, elsewhere.reason) == (
        T.CRITICAL,
        "policy line 2 (action *, namespace *)",
    )


def test_policy_globs_are_case_sensitive_like_kubernetes_names() -> None:
    policy = Policy(overrides=(TierOverride(T.TRIVIAL, action="scale", namespace="Shop"),))
    assert _tier(_scale(3, 4), policy) is T.LOW
