"""An undo of a paused rollout is one patch: the old template and ``paused: false``."""

from __future__ import annotations

from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import (
    ActionRequest,
    ActionType,
    Change,
    ChangeVerb,
    Plan,
    TierFacts,
)
from kubemedic.rollouts.halts import with_unpause

REF = ObjectRef("Deployment", "web", "shop")


def _template_patch(image: str) -> Change:
    value = {"spec": {"containers": [{"name": "web", "image": image}]}}
    return Change(
        ChangeVerb.PATCH,
        REF,
        {"ops": [{"op": "replace", "path": "/spec/template", "value": value}]},
        "json",
    )


def test_the_undo_and_its_inverse_carry_the_paused_flag_in_the_same_patch() -> None:
    undo = Plan(
        request=ActionRequest(ActionType.UNDO, REF),
        summary="Roll deployment/web -n shop back from revision 2 to revision 1",
        change=_template_patch("web:1.0"),
        inverse=_template_patch("web:2.0"),
        facts=TierFacts(ActionType.UNDO, "Deployment", "shop"),
        prior={"revision": 2},
        after={"revision": 1},
    )
    plan = with_unpause(undo)
    assert plan.change.body is not None
    assert plan.inverse is not None
    assert plan.inverse.body is not None
    assert [op["path"] for op in plan.change.body["ops"]] == ["/spec/template", "/spec/paused"]
    assert plan.change.body["ops"][1] == {"op": "add", "path": "/spec/paused", "value": False}
    assert plan.inverse.body["ops"][1] == {"op": "add", "path": "/spec/paused", "value": True}
    assert (plan.prior["paused"], plan.after["paused"]) == (True, False)
    assert plan.summary.endswith("and unpause it in the same patch")
