"""The ``helm-rollback`` plan: which revision it returns to, its inverse, its tier, and what it
refuses; and what ``change-holds`` asks of a Deployment a Helm rollback unpaused."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.actions import PlanContext, plan_change
from kubemedic.actions.holds import differences
from kubemedic.errors import InputError
from kubemedic.governance.tiers import derive_tier
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType, ChangeVerb
from kubemedic.models.policy import Policy
from kubemedic.models.severity import RiskTier
from tests.unit.actions.objects import deployment

WEB = ObjectRef("Deployment", "web", "shop")
RELEASE = {"release": "web", "namespace": "shop", "revision": 4, "previous": 3}


def _plan(release: dict[str, Any] | None = RELEASE, paused: bool = False, **params: Any) -> Any:
    context = PlanContext(extra={"helm": release} if release else {})
    request = ActionRequest(ActionType.HELM_ROLLBACK, WEB, params)
    return plan_change(request, deployment(paused=paused), context)


def test_it_returns_to_the_previous_deployed_revision_and_its_inverse_to_the_current() -> None:
    plan = _plan()
    assert plan.change.verb is ChangeVerb.HELM_ROLLBACK
    assert plan.change.body == {
        "release": "web",
        "namespace": "shop",
        "revision": 3,
        "from": 4,
        "resume": False,
    }
    assert plan.inverse is not None
    assert plan.inverse.body == {**plan.change.body, "revision": 4, "from": 5}
    assert plan.summary == "Roll Helm release web -n shop back to revision 3 (from 4)"
    assert plan.after["command"] == "helm rollback web 3 --namespace shop"
    assert plan.checks == ("rollout-complete", "no-crashloop")


def test_a_paused_deployment_is_unpaused_after_the_rollback() -> None:
    plan = _plan(paused=True, revision=1)
    assert plan.change.body["revision"] == 1
    assert plan.change.body["resume"] is True
    assert plan.summary.endswith(", then unpause deployment/web -n shop")
    assert differences(deployment(paused=True), plan.change) == (
        "spec.paused is True, should be False",
    )
    assert differences(deployment(paused=False), plan.change) == ()


def test_its_default_tier_is_medium_like_an_undo() -> None:
    decision = derive_tier(_plan().facts, Policy())
    assert decision.tier is RiskTier.MEDIUM
    assert "every object of the release" in decision.reason


@pytest.mark.parametrize(
    ("release", "params", "message"),
    [
        (None, {}, "Deployment shop/web is not managed by Helm"),
        ({**RELEASE, "revision": None}, {}, "the history of Helm release web -n shop cannot be"),
        ({**RELEASE, "previous": None}, {}, "Helm release web has no earlier deployed revision"),
        (RELEASE, {"revision": 4}, "can be rolled back to a revision from 1 to 3, not 4"),
    ],
)
def test_what_it_refuses(
    release: dict[str, Any] | None, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        _plan(release, **params)
