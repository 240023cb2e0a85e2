"""Each action's plan: the exact write, the exact inverse, what approvers see, and bad input.

Inverses are checked by applying the change and then its inverse with the sandbox API server's
own patch code: the object must say again what it said before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kubemedic.actions import PLANNERS, PlanContext, plan_change
from kubemedic.actions.capacity import replicas_that_fit, template_requests
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, ActionType, Change, ChangeVerb, Plan
from tests.unit.actions.objects import (
    APP,
    ENVOY,
    applied,
    configmap,
    deployment,
    hpa,
    node,
    pod,
    replica_set,
    template,
)

WEB = ObjectRef("Deployment", "web", "shop")
HPA_REF = ObjectRef("HorizontalPodAutoscaler", "web", "shop")
NO_CONTEXT = PlanContext()


def _plan(
    action: ActionType,
    current: Mapping[str, Any],
    context: PlanContext = NO_CONTEXT,
    target: ObjectRef = WEB,
    **params: Any,
) -> Plan:
    return plan_change(ActionRequest(action, target, params), current, context)


def _refused(action: ActionType, current: Mapping[str, Any], **params: Any) -> InputError:
    with pytest.raises(InputError) as error:
        _plan(action, current, **params)
    return error.value


def _pruned(value: Any) -> Any:
    """Empty maps dropped: the API server treats ``limits: {}`` as no limits."""
    if isinstance(value, Mapping):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v != {}}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _round_trip(obj: Mapping[str, Any], plan: Plan) -> dict[str, Any]:
    """``obj`` changed by the plan, after asserting that the inverse restores ``obj``."""
    assert plan.inverse is not None
    changed = applied(obj, plan.change)
    assert _pruned(changed) != _pruned(obj)
    assert _pruned(applied(changed, plan.inverse)) == _pruned(obj)
    return changed


def _container(obj: Mapping[str, Any], name: str = "app") -> Mapping[str, Any]:
    containers = dig(obj, "spec", "template", "spec", "containers")
    return next(c for c in containers if c["name"] == name)


def test_every_action_but_a_revert_has_a_planner() -> None:
    assert set(PLANNERS) == set(ActionType) - {ActionType.REVERT}


def test_a_wrong_kind_is_refused_naming_what_the_action_applies_to() -> None:
    error = _refused(ActionType.PAUSE, deployment(), target=ObjectRef("StatefulSet", "db", "shop"))
    assert error.message == "pause applies to deployment, not to statefulset/db"


# ------------------------------------------------------------------------------------ restart


def test_restarting_a_pod_deletes_exactly_that_pod() -> None:
    target = ObjectRef("Pod", "web-5d8f7c9b4-x2x9k", "shop")
    current = pod("web-5d8f7c9b4-x2x9k", uid="c0ffee00-1111")
    plan = _plan(ActionType.RESTART, current, target=target)
    assert plan.change == Change(
        ChangeVerb.DELETE, target, {"preconditions": {"uid": "c0ffee00-1111"}}
    )
    assert plan.inverse is None
    assert plan.facts.owned_by_controller
    assert plan.facts.target_kind == "Pod"
    assert plan.summary == (
        "Restart pod/web-5d8f7c9b4-x2x9k -n shop (deleted; ReplicaSet web-5d8f7c9b4 recreates it)"
    )
    assert plan.prior == {"pod": "web-5d8f7c9b4-x2x9k", "owner": "ReplicaSet web-5d8f7c9b4"}
    assert plan.checks == ("pods-ready", "no-crashloop")


def test_a_pod_without_a_controller_is_deleted_for_good() -> None:
    target = ObjectRef("Pod", "debug", "shop")
    plan = _plan(ActionType.RESTART, pod("debug", owner=None), target=target)
    assert not plan.facts.owned_by_controller
    assert plan.summary == "Delete pod/debug -n shop: no controller recreates it"
    assert plan.after == {"pod": "deleted"}


def test_an_owner_that_is_not_the_controller_does_not_recreate_the_pod() -> None:
    current = pod("web-1")
    current["metadata"]["ownerReferences"][0]["controller"] = False
    plan = _plan(ActionType.RESTART, current, target=ObjectRef("Pod", "web-1", "shop"))
    assert not plan.facts.owned_by_controller


def test_only_pods_are_restarted() -> None:
    assert _refused(ActionType.RESTART, deployment()).message == (
        "restart applies to pod, not to deployment/web"
    )


# -------------------------------------------------------------------------------------- scale

NODES = (node("node-a"), node("node-b", cpu="2", memory="4Gi"))
PODS = (pod("web-1", node_name="node-a"), pod("web-2", node_name="node-b"))


def test_scaling_patches_the_replica_count_and_the_inverse_restores_it() -> None:
    current = deployment(replicas=3)
    plan = _plan(ActionType.SCALE, current, PlanContext(nodes=NODES, pods=PODS), replicas=4)
    assert plan.change == Change(ChangeVerb.PATCH, WEB, {"spec": {"replicas": 4}}, "merge")
    assert plan.inverse == Change(ChangeVerb.PATCH, WEB, {"spec": {"replicas": 3}}, "merge")
    assert (plan.prior, plan.after) == ({"replicas": 3}, {"replicas": 4})
    assert (plan.facts.replicas_before, plan.facts.replicas_after) == (3, 4)
    assert plan.facts.within_capacity is True
    assert plan.summary == "Scale deployment/web -n shop from 3 to 4 replicas"
    assert plan.checks == ("rollout-complete", "pods-ready", "no-new-restarts")
    assert _round_trip(current, plan)["spec"]["replicas"] == 4


def test_scaling_up_beyond_the_free_capacity_is_known() -> None:
    small = PlanContext(nodes=(node("node-a", cpu="1", memory="1Gi"),), pods=())
    plan = _plan(ActionType.SCALE, deployment(replicas=3), small, replicas=8)
    assert plan.facts.within_capacity is False  # 1 CPU holds 4 more pods of 250m, not 5


def test_capacity_is_unknown_without_nodes_and_irrelevant_when_scaling_down() -> None:
    assert _plan(ActionType.SCALE, deployment(), replicas=5).facts.within_capacity is None
    down = _plan(ActionType.SCALE, deployment(), PlanContext(nodes=NODES), replicas=1)
    assert down.facts.within_capacity is None


def test_a_workload_without_a_replica_count_runs_one() -> None:
    plan = _plan(ActionType.SCALE, deployment(replicas=None), replicas=2)
    assert plan.facts.replicas_before == 1
    assert plan.inverse is not None
    assert plan.inverse.body == {"spec": {"replicas": 1}}


def test_scaling_names_an_autoscaler_that_may_undo_it() -> None:
    plan = _plan(ActionType.SCALE, deployment(), PlanContext(hpa=hpa()), replicas=5)
    assert plan.summary.endswith(
        "(note: autoscaler web manages this workload and may change the count again)"
    )


@pytest.mark.parametrize(
    ("replicas", "message"),
    [
        ("three", "replicas must be a whole number, got 'three'"),
        (None, "replicas must be a whole number, got None"),
        (-1, "replicas must be at least 0, got -1"),
    ],
)
def test_a_bad_replica_count_is_refused(replicas: object, message: str) -> None:
    assert _refused(ActionType.SCALE, deployment(), replicas=replicas).message == message


def test_scaling_to_the_count_it_runs_is_refused_as_a_change_of_nothing() -> None:
    refused = _refused(ActionType.SCALE, deployment(replicas=3), replicas=3)
    assert refused.message == f"{WEB} already has 3 replicas: nothing to change"
    assert refused.exit_code == 2


def test_a_daemon_set_is_not_scaled() -> None:
    with pytest.raises(InputError, match="scale applies to deployment, statefulset, replicaset"):
        _plan(ActionType.SCALE, {}, target=ObjectRef("DaemonSet", "agent", "shop"), replicas=2)


# ----------------------------------------------------------------------------------- capacity


def test_replicas_that_fit_subtract_what_runs_from_what_nodes_allocate() -> None:
    requests = {"cpu": 0.5, "memory": 1024**3}
    running = [pod(f"p{i}", node_name="node-a", cpu="1", memory="2Gi") for i in range(2)]
    # node-a: 4 CPU - 2 = 2 → 4 pods; 8Gi - 4Gi = 4Gi → 4 pods
    assert replicas_that_fit(requests, [node("node-a")], running) == 4
    # node-b adds min(2 / 0.5, 4Gi / 1Gi) = 4
    assert (
        replicas_that_fit(
            requests, [node("node-a"), node("node-b", cpu="2", memory="4Gi")], running
        )
        == 8
    )


def test_nodes_that_cannot_take_pods_add_nothing() -> None:
    requests = {"cpu": 0.5, "memory": 0.0}
    cordoned = node("node-c")
    cordoned["spec"]["unschedulable"] = True
    assert replicas_that_fit(requests, [cordoned, node("node-d", ready=False)], []) == 0


def test_the_pod_count_limit_counts() -> None:
    running = [pod(f"p{i}", node_name="node-a", cpu="0", memory="0") for i in range(3)]
    assert replicas_that_fit({"cpu": 0.0, "memory": 0.0}, [node("node-a", pods="5")], running) == 2


def test_finished_and_unscheduled_pods_hold_nothing() -> None:
    pods = [
        pod("done", node_name="node-a", cpu="4", phase="Succeeded"),
        pod("crashed", node_name="node-a", cpu="4", phase="Failed"),
        pod("pending", node_name=None, cpu="4"),
    ]
    assert replicas_that_fit({"cpu": 1.0, "memory": 0.0}, [node("node-a")], pods) == 4


def test_a_resource_a_node_does_not_report_does_not_limit() -> None:
    bare = node("node-a")
    del bare["status"]["allocatable"]["memory"]
    assert replicas_that_fit({"cpu": 1.0, "memory": 1024**3}, [bare], []) == 4


def test_template_requests_sum_every_container() -> None:
    totals = template_requests(deployment(APP, ENVOY))
    assert totals == {"cpu": pytest.approx(0.35), "memory": float(320 * 2**20)}


# ---------------------------------------------------------------------------------- resources


def test_resources_it_already_has_are_refused_as_a_change_of_nothing() -> None:
    refused = _refused(ActionType.RESOURCES, deployment(), cpu_request="0.25", memory_limit="256Mi")
    assert refused.message == (
        f"container app of {WEB} already has cpu request 250m, memory limit 256Mi: "
        "nothing to change"
    )
    assert _plan(ActionType.RESOURCES, deployment(), cpu_request="0.25", cpu_limit="1")


def test_resources_patch_one_container_and_the_inverse_restores_its_values() -> None:
    current = deployment()
    plan = _plan(ActionType.RESOURCES, current, memory_limit="512Mi", memory_request="384Mi")
    containers = [
        {
            "name": "app",
            "resources": {"requests": {"memory": "384Mi"}, "limits": {"memory": "512Mi"}},
        }
    ]
    assert plan.change == Change(
        ChangeVerb.PATCH, WEB, {"spec": {"template": {"spec": {"containers": containers}}}}
    )
    assert plan.change.patch_type == "strategic"
    assert plan.inverse is not None
    assert plan.inverse.body == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "resources": {
                                "requests": {"memory": "256Mi"},
                                "limits": {"memory": "256Mi"},
                            },
                        }
                    ]
                }
            }
        }
    }
    assert plan.prior == {"memory_request": "256Mi", "memory_limit": "256Mi"}
    assert plan.after == {"memory_request": "384Mi", "memory_limit": "512Mi"}
    assert plan.facts.memory_after == 512 * 2**20
    assert plan.facts.cpu_after is None
    assert "no-oomkilled" in plan.checks
    assert "usage-within-limits" in plan.checks
    assert plan.summary == (
        "Set resources of container app in deployment/web -n shop: "
        "memory request 256Mi → 384Mi, memory limit 256Mi → 512Mi"
    )
    changed = _round_trip(current, plan)
    assert _container(changed)["resources"] == {
        "requests": {"cpu": "250m", "memory": "384Mi"},
        "limits": {"memory": "512Mi"},
    }
    assert _container(changed)["image"] == APP["image"]


def test_a_value_absent_before_is_removed_by_the_inverse() -> None:
    current = deployment()
    plan = _plan(ActionType.RESOURCES, current, cpu_limit="1")
    assert plan.inverse is not None
    assert _container(plan.inverse.body or {})["resources"] == {"limits": {"cpu": None}}
    assert plan.prior == {"cpu_limit": None}
    assert plan.summary.endswith("cpu limit unset → 1")
    changed = _round_trip(current, plan)
    assert _container(changed)["resources"]["limits"] == {"memory": "256Mi", "cpu": "1"}


def test_a_container_without_resources_gets_them_and_loses_them_again() -> None:
    bare = {"name": "app", "image": "web:1"}
    current = deployment(bare)
    plan = _plan(ActionType.RESOURCES, current, cpu_request="100m", memory_limit="128Mi")
    assert plan.inverse is not None
    assert _container(plan.inverse.body or {})["resources"] == {
        "requests": {"cpu": None},
        "limits": {"memory": None},
    }
    _round_trip(current, plan)


def test_cpu_is_counted_in_whole_millicores() -> None:
    plan = _plan(ActionType.RESOURCES, deployment(), cpu_request="4007m", cpu_limit="4.5")
    assert plan.facts.cpu_after == 4500
    assert _plan(ActionType.RESOURCES, deployment(), cpu_request="4007m").facts.cpu_after == 4007


def test_the_container_is_named_when_there_are_several() -> None:
    current = deployment(APP, ENVOY)
    error = _refused(ActionType.RESOURCES, current, memory_limit="128Mi")
    assert error.message == "Deployment shop/web has 2 containers; name one with --container"
    assert error.hint == "containers: app, envoy"
    plan = _plan(ActionType.RESOURCES, current, container="envoy", memory_limit="128Mi")
    changed = _round_trip(current, plan)
    assert _container(changed, "envoy")["resources"]["limits"] == {"memory": "128Mi"}
    assert _container(changed, "app") == APP


def test_an_unknown_container_is_refused() -> None:
    error = _refused(ActionType.RESOURCES, deployment(), container="sidecar", cpu_request="1")
    assert error.message == "Deployment shop/web has no container 'sidecar'"
    assert error.hint == "containers: app"


def test_a_request_above_its_limit_is_refused_before_the_api_server_does() -> None:
    error = _refused(ActionType.RESOURCES, deployment(), memory_request="1Gi")
    assert error.message == (
        "Deployment shop/web container app: memory request 1Gi would exceed its limit 256Mi; "
        "the API server refuses that"
    )
    assert error.hint == "raise --memory-limit as well"
    lowered = _refused(ActionType.RESOURCES, deployment(), memory_limit="128Mi")
    assert "memory request 256Mi would exceed its limit 128Mi" in lowered.message
    _plan(ActionType.RESOURCES, deployment(), memory_request="1Gi", memory_limit="1Gi")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "name at least one of --cpu-request, --cpu-limit, --memory-request, --memory-limit"),
        ({"cpu_request": "lots"}, "--cpu-request lots: not a positive quantity"),
        ({"memory_limit": "0"}, "--memory-limit 0: not a positive quantity"),
        ({"memory_limit": "-1Gi"}, "--memory-limit -1Gi: not a positive quantity"),
    ],
)
def test_bad_resource_values_are_refused(params: dict[str, str], message: str) -> None:
    assert _refused(ActionType.RESOURCES, deployment(), **params).message == message


# ---------------------------------------------------------------------------------- set-image


def test_set_image_changes_one_container_and_the_inverse_puts_the_old_image_back() -> None:
    current = deployment(APP, ENVOY)
    plan = _plan(
        ActionType.SET_IMAGE, current, container="app", image="registry.example.com/web:1.4.3"
    )
    assert plan.change.body == {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/web:1.4.3"}]}
            }
        }
    }
    assert plan.inverse is not None
    assert _container(plan.inverse.body or {})["image"] == "registry.example.com/web:1.4.2"
    assert plan.prior == {"container": "app", "image": "registry.example.com/web:1.4.2"}
    assert plan.after == {"container": "app", "image": "registry.example.com/web:1.4.3"}
    assert plan.checks == ("rollout-complete", "pods-ready", "no-new-restarts", "no-crashloop")
    changed = _round_trip(current, plan)
    assert _container(changed, "envoy") == ENVOY


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("registry.example.com/web:1.4.2", "container app of Deployment shop/web already runs"),
        ("", "not an image reference: ''"),
        ("web:1 --force", "not an image reference: 'web:1 --force'"),
    ],
)
def test_a_pointless_or_malformed_image_is_refused(image: str, message: str) -> None:
    assert message in _refused(ActionType.SET_IMAGE, deployment(), image=image).message


# --------------------------------------------------------------------------------------- undo

REPLICA_SETS = (
    replica_set(1, "registry.example.com/web:1.4.0", "6b7f9d4c8"),
    replica_set(2, "registry.example.com/web:1.4.1", "5d8f7c9b4"),
    replica_set(3, "registry.example.com/web:1.4.2", "7c4d9b8f6"),
)


def test_undo_puts_back_the_previous_revision_s_template_without_its_hash() -> None:
    current = deployment(revision=3)
    plan = _plan(ActionType.UNDO, current, PlanContext(replica_sets=REPLICA_SETS))
    restored = template(APP | {"image": "registry.example.com/web:1.4.1"})
    assert plan.change == Change(
        ChangeVerb.PATCH,
        WEB,
        {"ops": [{"op": "replace", "path": "/spec/template", "value": restored}]},
        "json",
    )
    assert plan.inverse == Change(
        ChangeVerb.PATCH,
        WEB,
        {
            "ops": [
                {"op": "replace", "path": "/spec/template", "value": current["spec"]["template"]}
            ]
        },
        "json",
    )
    assert plan.prior == {"revision": 3, "images": {"app": "registry.example.com/web:1.4.2"}}
    assert plan.after == {"revision": 2, "images": {"app": "registry.example.com/web:1.4.1"}}
    assert plan.summary == "Roll deployment/web -n shop back from revision 3 to revision 2"
    changed = _round_trip(current, plan)
    assert changed["spec"]["template"]["metadata"]["labels"] == {"app": "web"}


def test_undo_to_a_named_revision() -> None:
    context = PlanContext(replica_sets=REPLICA_SETS)
    plan = _plan(ActionType.UNDO, deployment(revision=3), context, revision=1)
    assert plan.after == {"revision": 1, "images": {"app": "registry.example.com/web:1.4.0"}}


@pytest.mark.parametrize("revision", [3, 4])
def test_undo_to_a_revision_that_is_not_earlier_is_refused(revision: int) -> None:
    with pytest.raises(InputError) as error:
        _plan(
            ActionType.UNDO,
            deployment(revision=3),
            PlanContext(replica_sets=REPLICA_SETS),
            revision=revision,
        )
    assert error.value.message == f"Deployment shop/web has no revision {revision} to roll back to"
    assert error.value.hint == "kubectl rollout history deployment/web -n shop"


def test_undo_without_an_earlier_revision_is_refused() -> None:
    only = PlanContext(replica_sets=(REPLICA_SETS[0],))
    with pytest.raises(InputError) as error:
        _plan(ActionType.UNDO, deployment(revision=1), only)
    assert error.value.message == (
        "Deployment shop/web has no earlier revision to roll back to (it is at revision 1)"
    )


def test_replica_sets_without_a_revision_are_not_candidates() -> None:
    foreign = replica_set(2, "other:1", "abcdef123")
    del foreign["metadata"]["annotations"]
    with pytest.raises(InputError, match="no earlier revision"):
        _plan(ActionType.UNDO, deployment(revision=3), PlanContext(replica_sets=(foreign,)))


# ---------------------------------------------------------------------------------------- hpa


def test_an_hpa_is_created_named_after_the_workload_and_deleted_by_the_inverse() -> None:
    plan = _plan(ActionType.HPA, deployment(replicas=3), min=2, max=8, cpu_target=70)
    assert plan.change.verb is ChangeVerb.CREATE
    assert plan.change.target == HPA_REF
    assert plan.change.body == {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 8,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }
    assert plan.inverse == Change(ChangeVerb.DELETE, HPA_REF)
    assert plan.prior == {"hpa": None}
    assert plan.after == {
        "minReplicas": 2,
        "maxReplicas": 8,
        "cpuTargetPercent": 70,
        "replicasBefore": 3,
    }
    assert (plan.facts.replicas_before, plan.facts.replicas_after) == (3, 8)
    assert plan.checks == ("hpa-active", "pods-ready")


def test_an_hpa_for_sustained_load_sets_its_scale_down_window_and_checks_it_helped() -> None:
    plan = _plan(
        ActionType.HPA,
        deployment(replicas=2),
        min=2,
        max=6,
        cpu_target=70,
        scale_down_stabilization=600,
        sustained_load=True,
    )
    assert plan.change.body is not None
    assert plan.change.body["spec"]["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 600}
    }
    assert plan.checks == (
        "hpa-active",
        "pods-ready",
        "replicas-grew",
        "cpu-under-target",
        "error-rate",
    )


def test_an_existing_hpa_is_changed_and_the_inverse_restores_its_spec() -> None:
    existing = hpa(low=2, high=6, cpu=80)
    plan = _plan(
        ActionType.HPA, deployment(), PlanContext(hpa=existing), min=3, max=10, cpu_target=60
    )
    assert plan.change.verb is ChangeVerb.PATCH
    assert (plan.change.target, plan.change.patch_type) == (HPA_REF, "merge")
    assert plan.prior == {"minReplicas": 2, "maxReplicas": 6, "cpuTargetPercent": 80}
    assert plan.after == {
        "minReplicas": 3,
        "maxReplicas": 10,
        "cpuTargetPercent": 60,
        "replicasBefore": 3,
    }
    changed = _round_trip(existing, plan)
    assert changed["spec"]["behavior"] == existing["spec"]["behavior"]
    assert (changed["spec"]["minReplicas"], changed["spec"]["maxReplicas"]) == (3, 10)


def test_autoscaling_on_cpu_needs_cpu_requests() -> None:
    no_cpu = {"name": "envoy", "image": "envoy:1", "resources": {"requests": {"memory": "64Mi"}}}
    error = _refused(ActionType.HPA, deployment(APP, no_cpu), min=2, max=4, cpu_target=70)
    assert error.message == (
        "Deployment shop/web cannot be autoscaled on CPU: container envoy has no CPU request, "
        "so utilization has no denominator"
    )
    assert error.hint is not None
    assert "propose resources deployment/web -n shop --container NAME --cpu-request" in error.hint


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min": 5, "max": 3, "cpu_target": 70}, "--min 5 is greater than --max 3"),
        ({"min": 0, "max": 3, "cpu_target": 70}, "min must be at least 1, got 0"),
        ({"min": 1, "max": 3}, "cpu_target must be a whole number, got None"),
    ],
)
def test_bad_autoscaler_bounds_are_refused(params: dict[str, int], message: str) -> None:
    assert _refused(ActionType.HPA, deployment(), **params).message == message


def test_deleting_an_hpa_keeps_what_recreates_it() -> None:
    existing = hpa()
    plan = _plan(ActionType.HPA_DELETE, existing, target=HPA_REF)
    assert plan.change == Change(ChangeVerb.DELETE, HPA_REF)
    assert plan.inverse is not None
    assert plan.inverse.verb is ChangeVerb.CREATE
    assert plan.inverse.body == {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"team": "shop"},
            "annotations": {"owner": "sre"},
        },
        "spec": existing["spec"],
    }
    assert plan.prior == {"minReplicas": 2, "maxReplicas": 6, "cpuTargetPercent": 70}
    assert plan.after == {"hpa": None}


def test_hpa_delete_applies_to_autoscalers_only() -> None:
    assert (
        "hpa-delete applies to horizontalpodautoscaler"
        in _refused(ActionType.HPA_DELETE, deployment()).message
    )


# ------------------------------------------------------------------------------ pause, resume


def test_pause_and_resume_flip_spec_paused_and_back() -> None:
    running = deployment()
    pause = _plan(ActionType.PAUSE, running)
    assert pause.change == Change(ChangeVerb.PATCH, WEB, {"spec": {"paused": True}}, "merge")
    assert pause.inverse == Change(ChangeVerb.PATCH, WEB, {"spec": {"paused": False}}, "merge")
    assert (pause.prior, pause.after) == ({"paused": False}, {"paused": True})
    assert pause.checks == ("paused-as-planned",)
    paused = applied(running, pause.change)
    resume = _plan(ActionType.RESUME, paused)
    assert resume.inverse == pause.change
    assert resume.checks == ("rollout-complete", "pods-ready")
    assert _round_trip(paused, resume)["spec"]["paused"] is False


def test_pausing_a_paused_rollout_is_refused() -> None:
    assert _refused(ActionType.PAUSE, deployment(paused=True)).message == (
        "Deployment shop/web is already paused"
    )
    assert _refused(ActionType.RESUME, deployment()).message == (
        "Deployment shop/web is already not paused"
    )


# ---------------------------------------------------------------------------- configmap-restore

CONFIG = ObjectRef("ConfigMap", "web-config", "shop")


def test_a_configmap_s_earlier_data_is_put_back_and_the_inverse_keeps_today_s() -> None:
    current = configmap({"LOG_LEVEL": "debug", "FEATURE_X": "on"})
    earlier = {"LOG_LEVEL": "info", "TIMEOUT": "30s"}
    plan = _plan(ActionType.CONFIGMAP_RESTORE, current, target=CONFIG, data=earlier)
    assert plan.change == Change(
        ChangeVerb.PATCH,
        CONFIG,
        {"ops": [{"op": "add", "path": "/data", "value": earlier}]},
        "json",
    )
    assert plan.summary == (
        "Restore the data of configmap/web-config -n shop (keys changed: FEATURE_X, LOG_LEVEL, "
        "TIMEOUT)"
    )
    assert plan.prior == {"data": {"LOG_LEVEL": "debug", "FEATURE_X": "on"}}
    assert plan.after == {"data": earlier}
    assert plan.checks == ("configmap-data",)
    assert _round_trip(current, plan)["data"] == earlier


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "configmap-restore needs the earlier data as a mapping of strings"),
        (["a"], "configmap-restore needs the earlier data as a mapping of strings"),
        ({"PORT": 8080}, "configmap-restore needs the earlier data as a mapping of strings"),
        ({"LOG_LEVEL": "debug"}, "ConfigMap shop/web-config already holds that data"),
    ],
)
def test_unusable_configmap_data_is_refused(data: object, message: str) -> None:
    with pytest.raises(InputError) as error:
        _plan(
            ActionType.CONFIGMAP_RESTORE,
            configmap({"LOG_LEVEL": "debug"}),
            target=CONFIG,
            data=data,
        )
    assert error.value.message == message
