"""Does an object still say what a change wrote? The test a rollback is validated with."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.actions import PlanContext, plan_change
from kubemedic.actions._common import change_fingerprint
from kubemedic.actions.holds import differences
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType, Change, ChangeVerb
from tests.unit.actions.objects import APP, ENVOY, applied, configmap, deployment, replica_set

WEB = ObjectRef("Deployment", "web", "shop")


def _patch(body: dict[str, Any], patch_type: str = "strategic") -> Change:
    return Change(ChangeVerb.PATCH, WEB, body, patch_type)


def _containers(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": list(containers)}}}}


def test_a_merge_patch_holds_while_the_object_says_what_it_wrote() -> None:
    change = _patch({"spec": {"replicas": 4}}, "merge")
    four = deployment(replicas=4)
    assert differences(four, change) == ()
    assert differences(deployment(replicas=3), change) == ("spec.replicas is 3, should be 4",)
    assert differences(deployment(replicas=None), change) == (
        "spec.replicas is absent, should be 4",
    )


def test_metadata_of_the_patch_is_bookkeeping_not_the_change() -> None:
    change = _patch({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 3}}, "merge")
    assert differences(deployment(replicas=3), change) == ()


def test_containers_are_matched_by_name() -> None:
    change = _patch(_containers({"name": "envoy", "resources": {"limits": {"memory": "128Mi"}}}))
    envoy = ENVOY | {"resources": {"limits": {"memory": "128Mi"}}}
    assert differences(deployment(APP, envoy), change) == ()
    assert differences(deployment(envoy, APP), change) == ()
    assert differences(deployment(APP, ENVOY), change) == (
        "spec.template.spec.containers[envoy].resources.limits.memory is absent, should be '128Mi'",
    )
    assert differences(deployment(APP), change) == (
        "spec.template.spec.containers[envoy] is missing",
    )


def test_a_null_in_the_patch_means_the_field_must_be_absent() -> None:
    change = _patch(_containers({"name": "app", "resources": {"limits": {"cpu": None}}}))
    assert differences(deployment(APP), change) == ()
    limited = APP | {"resources": {"limits": {"cpu": "1", "memory": "256Mi"}}}
    assert differences(deployment(limited), change) == (
        "spec.template.spec.containers[app].resources.limits.cpu is set ('1'), should be absent",
    )


def test_lists_without_a_merge_key_compare_whole() -> None:
    change = _patch(
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "args": ["--fast"]}]}}}}
    )
    argued = APP | {"args": ["--fast"]}
    assert differences(deployment(argued), change) == ()
    assert differences(deployment(APP | {"args": ["--slow"]}), change) == (
        "spec.template.spec.containers[app].args is ['--slow'], should be ['--fast']",
    )
    tolerations = _patch(
        {"spec": {"template": {"spec": {"tolerations": [{"operator": "Exists"}]}}}}
    )
    assert differences(deployment(APP), tolerations) == ("spec.template.spec.tolerations differs",)


def test_a_json_patch_holds_operation_by_operation() -> None:
    cm = configmap({"LOG_LEVEL": "info"})
    change = _patch(
        {
            "ops": [
                {"op": "add", "path": "/data", "value": {"LOG_LEVEL": "info"}},
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "1"},
                {"op": "test", "path": "/data", "value": {}},
            ]
        },
        "json",
    )
    assert differences(cm, change) == ()
    assert differences(configmap({"LOG_LEVEL": "debug"}), change) == (
        "/data differs from what was written",
    )


def test_a_json_remove_holds_while_the_field_stays_gone() -> None:
    change = _patch({"ops": [{"op": "remove", "path": "/metadata/annotations/a~1b"}]}, "json")
    plain = configmap({})
    assert differences(plain, change) == ()
    plain["metadata"]["annotations"] = {"a/b": "x"}
    assert differences(plain, change) == ("/metadata/annotations/a~1b is still set",)


def test_json_pointers_reach_into_lists() -> None:
    change = _patch(
        {
            "ops": [
                {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "e:2"}
            ]
        },
        "json",
    )
    assert differences(deployment(APP, ENVOY | {"image": "e:2"}), change) == ()
    assert differences(deployment(APP, ENVOY), change) == (
        "/spec/template/spec/containers/1/image differs from what was written",
    )
    assert differences(deployment(APP), change) == (
        "/spec/template/spec/containers/1/image differs from what was written",
    )


def test_a_created_object_must_exist_and_a_deleted_one_must_be_gone() -> None:
    created = Change(ChangeVerb.CREATE, WEB, {"kind": "Deployment"})
    assert differences(deployment(), created) == ()
    assert differences(None, created) == ("the object does not exist",)
    deleted = Change(ChangeVerb.DELETE, WEB)
    assert differences(None, deleted) == ()
    assert differences(deployment(), deleted) == ("the object still exists",)
    terminating = deployment()
    terminating["metadata"]["deletionTimestamp"] = "2026-06-01T10:00:00Z"
    assert differences(terminating, deleted) == ()


def test_a_patched_object_that_is_gone_does_not_hold() -> None:
    assert differences(None, _patch({"spec": {"replicas": 1}}, "merge")) == (
        "the object does not exist",
    )


@pytest.mark.parametrize(
    ("action", "params"),
    [
        (ActionType.RESOURCES, {"memory_limit": "512Mi"}),
        (ActionType.RESOURCES, {"cpu_limit": "2"}),
        (ActionType.SET_IMAGE, {"image": "registry.example.com/web:2.0.0"}),
        (ActionType.SCALE, {"replicas": 5}),
        (ActionType.PAUSE, {}),
        (ActionType.UNDO, {}),
    ],
)
def test_a_planned_change_holds_once_applied_and_its_inverse_once_rolled_back(
    action: ActionType, params: dict[str, Any]
) -> None:
    current = deployment(revision=2)
    context = PlanContext(replica_sets=(replica_set(1, "registry.example.com/web:1.3.9", "abc"),))
    plan = plan_change(ActionRequest(action, WEB, params), current, context)
    assert plan.inverse is not None
    changed = applied(current, plan.change)
    assert differences(changed, plan.change) == ()
    assert differences(changed, plan.inverse) != ()
    restored = applied(changed, plan.inverse)
    assert differences(restored, plan.inverse) == ()
    assert differences(restored, plan.change) != ()


def test_the_fingerprint_ignores_a_replica_count_only_changes_that_do_not_set_it() -> None:
    ref = ObjectRef("Deployment", "web", "shop")
    scale = Change(ChangeVerb.PATCH, ref, {"spec": {"replicas": 3}}, "merge")
    image = Change(
        ChangeVerb.PATCH,
        ref,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x:2"}]}}}},
    )
    before = {"metadata": {"uid": "u"}, "spec": {"replicas": 2, "paused": False}}
    scaled = {"metadata": {"uid": "u"}, "spec": {"replicas": 4, "paused": False}}
    paused = {"metadata": {"uid": "u"}, "spec": {"replicas": 2, "paused": True}}
    assert change_fingerprint(before, image) == change_fingerprint(scaled, image)
    assert change_fingerprint(before, scale) != change_fingerprint(scaled, scale)
    assert change_fingerprint(before, image) != change_fingerprint(paused, image)
