"""Proactive scaling: which workloads get an HPA, how it is sized, whether it fits, its cost."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
import yaml

from kubemedic.models.recommendation_settings import ScalingSettings
from kubemedic.models.recommendations import HpaAction, LoadVerdict
from kubemedic.recommenders.scaling import recommend_scaling, replicas_for
from kubemedic.sandbox.patching import apply_patch
from tests.unit.recommenders.objects import (
    NOW,
    container,
    deployment,
    hpa,
    load,
    node,
    pod,
    usage,
)

SETTINGS = ScalingSettings()
HOT = load([1.2] * 11)  # 3 pods × 500m requested: 80% for the whole 5 minutes
HISTORY = [usage(cpu=(0.2, 0.35, 0.45, 0.6))]  # p99 0.45 per pod × 3 = 1.35 cores
NODES = [node("node-a"), node("node-b")]
PODS = [pod(f"web-5d8f7c9b4-{s}", "node-a") for s in ("x2x4k", "b7x9q", "m4tz2")]


def _recommend(workload: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {"nodes": NODES, "pods": PODS} | kwargs
    return recommend_scaling(
        workload or deployment(),
        arguments.pop("load", HOT),
        arguments.pop("usages", HISTORY),
        arguments.pop("settings", SETTINGS),
        NOW,
        **arguments,
    )


def test_sustained_load_gets_an_hpa_sized_from_the_peak_with_headroom() -> None:
    result = _recommend()

    assert result.load.verdict is LoadVerdict.SUSTAINED
    proposal = result.hpa
    assert proposal.action is HpaAction.CREATE
    # ceil(1.35 × 1.25 / (0.5 × 0.70)) = ceil(4.82) = 5; min = max(3 replicas, 2)
    assert (proposal.min_replicas, proposal.max_replicas) == (3, 5)
    assert proposal.target_utilization == 70
    assert proposal.peak_cores == pytest.approx(1.35)
    assert result.reasons == (
        "peak demand 1.35 cores: the history's p99 per pod × 3 replicas",
        "create HPA web: 3-5 replicas at 70% CPU (5 hold the peak with 25% headroom)",
    )


def test_the_manifest_is_a_complete_autoscaling_v2_hpa_named_after_the_workload() -> None:
    proposal = _recommend().hpa

    assert proposal.manifest == {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 3,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
            "behavior": {
                "scaleDown": {
                    "stabilizationWindowSeconds": 300,
                    "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}],
                }
            },
        },
    }
    assert yaml.safe_load(proposal.yaml) == proposal.manifest


def test_a_recent_peak_above_the_history_drives_max_replicas() -> None:
    spike = load([1.2] * 10 + [2.4])
    result = _recommend(load=spike)

    assert result.hpa.peak_cores == pytest.approx(2.4)
    assert result.hpa.max_replicas == replicas_for(2.4, 1.5 / 3, 0.7, 0.25) == 9
    assert result.reasons[0] == "peak demand 2.40 cores: the highest recent total"


def test_one_replica_is_raised_to_two_for_availability_and_max_stays_above_min() -> None:
    single = deployment(replicas=1)
    calm_history = [usage(cpu=(0.2, 0.3, 0.35, 0.4))]
    result = _recommend(single, load=load([0.4] * 11, pods=1), usages=calm_history)

    assert (result.hpa.min_replicas, result.hpa.max_replicas) == (2, 3)


def test_near_load_gets_a_proposal_too() -> None:
    result = _recommend(load=load([0.95] * 11))

    assert result.load.verdict is LoadVerdict.NEAR
    assert result.hpa is not None


def test_low_load_gets_nothing() -> None:
    result = _recommend(load=load([0.3] * 11))

    assert result.load.verdict is LoadVerdict.BELOW
    assert (result.hpa, result.capacity, result.cost) == (None, None, None)


def test_missing_recent_data_proposes_nothing() -> None:
    result = _recommend(load=None)

    assert result.load.verdict is LoadVerdict.NOT_ENOUGH_DATA
    assert result.hpa is None


def test_a_workload_without_cpu_requests_cannot_be_autoscaled_and_is_told_the_fix() -> None:
    app = container("app", requests={"memory": "256Mi"})
    result = _recommend(deployment(app, container("sidecar")))

    assert result.load.verdict is LoadVerdict.NO_CPU_REQUEST
    assert result.load.detail == (
        "cannot be autoscaled on CPU: container app, sidecar has no CPU request, so utilization "
        "(usage / request) has no denominator; fix: set CPU requests first "
        "(kubemedic recommend resources -n shop proposes them)"
    )
    assert result.pod_cpu_request is None
    assert result.hpa is None


def test_an_existing_hpa_with_enough_room_is_left_alone() -> None:
    result = _recommend(hpa=hpa(low=2, high=10))

    assert result.hpa.action is HpaAction.KEEP
    assert result.hpa.patch is None
    assert (
        result.reasons[1]
        == "HPA web already allows up to 10 replicas and the peak needs 5: no change"
    )
    assert result.capacity.needed == 7  # its max against the current 3


def test_an_existing_hpa_whose_max_is_too_low_gets_its_max_raised() -> None:
    existing = hpa(low=2, high=4)
    result = _recommend(hpa=existing)

    proposal = result.hpa
    assert proposal.action is HpaAction.UPDATE
    assert proposal.patch == {"spec": {"maxReplicas": 5}}
    assert result.reasons[1] == (
        "HPA web allows at most 4 replicas but the peak needs 5 at 70% CPU with 25% headroom: "
        "raise maxReplicas to 5"
    )
    words = shlex.split(proposal.command)
    assert words[:7] == [
        "kubectl",
        "patch",
        "horizontalpodautoscaler/web",
        "-n",
        "shop",
        "--type",
        "merge",
    ]
    assert json.loads(words[-1]) == proposal.patch
    assert apply_patch(existing, proposal.patch, "merge")["spec"] == proposal.manifest["spec"]
    assert "status" not in proposal.manifest


def test_an_existing_hpa_is_sized_at_its_own_target() -> None:
    from tests.unit.recommenders.objects import cpu_metric

    result = _recommend(hpa=hpa(low=2, high=4, metrics=[cpu_metric(50)]))

    # ceil(1.35 × 1.25 / (0.5 × 0.50)) = ceil(6.75)
    assert result.hpa.max_replicas == 7
    assert result.hpa.target_utilization == 50


def test_the_capacity_check_places_the_extra_replicas() -> None:
    result = _recommend()

    assert result.capacity.needed == 2
    assert result.capacity.fits
    assert dict(result.capacity.placements) == {"node-b": 2}


def test_a_cluster_without_room_for_max_replicas_is_reported() -> None:
    full = [node("node-a", cpu="2")]
    bound = [pod(f"web-5d8f7c9b4-{s}", "node-a", cpu="600m") for s in ("x2x4k", "b7x9q", "m4tz2")]
    result = _recommend(nodes=full, pods=bound)

    assert not result.capacity.fits
    assert result.capacity.placed == 0
    assert result.capacity.summary == "2 of 2 additional pods do not fit: short of 800m CPU"


def test_cost_impact_best_and_worst_case() -> None:
    cost = _recommend().cost
    per_replica = (0.5 * 0.031611 + 0.5 * 0.004237) * 730  # 500m and 512Mi

    assert cost.per_replica_monthly == pytest.approx(per_replica)
    assert (cost.best_extra_replicas, cost.worst_extra_replicas) == (0, 2)
    assert cost.best_monthly == 0
    assert cost.worst_monthly == pytest.approx(2 * per_replica)


def test_best_case_counts_the_replicas_min_adds() -> None:
    single = deployment(replicas=1)
    cost = _recommend(single, load=load([0.4] * 11, pods=1)).cost

    assert cost.best_extra_replicas == 1


def test_a_daemonset_is_assessed_but_gets_no_hpa() -> None:
    daemons = deployment(kind="DaemonSet")

    result = _recommend(daemons)

    assert result.load.verdict is LoadVerdict.SUSTAINED
    assert result.hpa is None
    assert result.reasons == (
        "a DaemonSet cannot be scaled by a HorizontalPodAutoscaler: no autoscaler proposed",
    )


def test_the_result_is_json_data() -> None:
    data = json.loads(json.dumps(_recommend().to_data()))

    assert data["load"]["verdict"] == "sustained"
    assert data["hpa"]["max_replicas"] == 5
    assert data["capacity"]["fits"] is True
    assert data["cost"]["worst_case"]["extra_replicas"] == 2


def test_a_cpu_limit_alone_is_the_request_pods_get() -> None:
    app = container("app", limits={"cpu": "500m", "memory": "512Mi"})
    result = _recommend(deployment(app))

    assert result.pod_cpu_request == 0.5
    assert result.load.verdict is LoadVerdict.SUSTAINED
