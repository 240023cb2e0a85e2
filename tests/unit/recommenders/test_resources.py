"""Right-sizing: the formula, its floors, the gates, the HPA heads-up, the money and the patch."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
import yaml

from kubemedic.models.recommendation_settings import CpuLimitPolicy, RightSizingSettings
from kubemedic.models.recommendations import ResourceValues, Verdict, WorkloadRecommendation
from kubemedic.recommenders.resources import recommend_workload, workload_replicas
from kubemedic.sandbox.patching import apply_patch
from tests.unit.recommenders.objects import (
    APP,
    ENVOY,
    MIB,
    container,
    cpu_metric,
    deployment,
    hpa,
    usage,
)

DEFAULTS = RightSizingSettings()
SETTLED_ENVOY = container(
    "envoy", requests={"cpu": "100m", "memory": "64Mi"}, limits={"memory": "80Mi"}
)
"""Close enough to ``SETTLED_USAGE`` (104m, 64Mi, limit 82Mi) to be left alone."""
SETTLED_USAGE = usage("envoy", cpu=(0.05, 0.08, 0.09, 0.1), memory_mib=(30, 40, 45, 50))


def _one(
    *containers: dict[str, Any], settings: RightSizingSettings = DEFAULTS, **usage_args: Any
) -> WorkloadRecommendation:
    return recommend_workload(deployment(*containers), [usage(**usage_args)], settings)


def _quantities(result: WorkloadRecommendation, index: int = 0) -> dict[str, dict[str, str]]:
    recommended = result.containers[index].recommended
    assert recommended is not None
    return recommended.to_data()


def test_the_seed_example_p95_120mi_gives_request_156mi_and_limit_200mi() -> None:
    result = _one(memory_mib=(100, 120, 140, 150))

    assert _quantities(result)["requests"]["memory"] == "156Mi"
    assert _quantities(result)["limits"]["memory"] == "200Mi"
    assert result.containers[0].verdict is Verdict.DOWN_SIZE


def test_cpu_request_is_p95_plus_margin_rounded_up_to_a_millicore() -> None:
    result = _one(cpu=(0.05, 0.1234, 0.2, 0.3))  # 0.1234 × 1.3 = 0.16042

    assert _quantities(result)["requests"]["cpu"] == "161m"
    assert "CPU request 161m: p95 123m × 1.3" in result.containers[0].reasons


def test_margin_is_configurable() -> None:
    result = _one(memory_mib=(100, 200, 210, 220), settings=RightSizingSettings(margin=0.5))

    assert _quantities(result)["requests"]["memory"] == "300Mi"


def test_tiny_usage_gets_the_documented_minimums() -> None:
    result = _one(cpu=(0.001, 0.002, 0.003, 0.004), memory_mib=(10, 12, 14, 16))

    assert _quantities(result)["requests"] == {"cpu": "10m", "memory": "64Mi"}
    reasons = " | ".join(result.containers[0].reasons)
    assert "raised to the 10m minimum" in reasons
    assert "raised to the 64Mi minimum" in reasons


def test_the_memory_limit_never_sits_below_the_observed_peak_with_room() -> None:
    result = _one(memory_mib=(100, 120, 200, 300))  # peak 300Mi × 1.15 = 345Mi > 156 × 1.28

    assert _quantities(result)["requests"]["memory"] == "156Mi"
    assert _quantities(result)["limits"]["memory"] == "345Mi"
    assert "memory limit 345Mi: observed peak 300Mi × 1.15" in result.containers[0].reasons


def test_after_an_oomkill_memory_is_raised_and_never_lowered() -> None:
    app = container("app", requests={"cpu": "260m", "memory": "256Mi"}, limits={"memory": "256Mi"})
    result = _one(app, memory_mib=(90, 100, 110, 120), oom_kills=2, oom_memory_limit=256 * MIB)

    advice = result.containers[0]
    assert _quantities(result)["requests"]["memory"] == "256Mi"  # would be 130Mi: kept
    assert _quantities(result)["limits"]["memory"] == "320Mi"  # 256Mi × 1.25
    assert advice.verdict is Verdict.UP_SIZE
    reasons = " | ".join(advice.reasons)
    assert "OOMKilled 2 time(s) in the window" in reasons
    assert "256Mi limit × 1.25 = 320Mi" in reasons
    assert "memory request kept at 256Mi (would be 130Mi)" in reasons


def test_an_oomkill_with_the_limit_at_the_time_unknown_uses_the_current_limit() -> None:
    app = container("app", requests={"cpu": "260m", "memory": "300Mi"}, limits={"memory": "400Mi"})
    result = _one(app, memory_mib=(90, 100, 110, 120), oom_kills=1)

    assert _quantities(result)["limits"]["memory"] == "500Mi"


def test_a_container_that_restarted_is_not_down_sized_and_says_so() -> None:
    app = container("app", requests={"cpu": "500m", "memory": "512Mi"}, limits={"memory": "1Gi"})
    result = _one(app, restarts=3)

    advice = result.containers[0]
    assert advice.verdict is Verdict.KEEP
    assert advice.recommended == advice.current
    assert result.patch is None
    reasons = " | ".join(advice.reasons)
    assert "restarted in the window (app: 3 times): not down-sized" in reasons
    assert "CPU request kept at 500m (would be 260m)" in reasons
    assert "memory limit kept at 1Gi (would be 200Mi)" in reasons


def test_a_restart_anywhere_in_the_workload_holds_every_container() -> None:
    restarted_envoy = usage("envoy", memory_mib=(20, 30, 40, 50), oom_kills=1, restarts=1)
    result = recommend_workload(deployment(APP, ENVOY), [usage("app"), restarted_envoy], DEFAULTS)

    app = result.containers[0]
    assert app.recommended is not None
    assert app.recommended.cpu_request == 0.5  # would be 260m
    assert "restarted in the window (envoy: 1 time, 1 OOMKilled): not down-sized" in " | ".join(
        app.reasons
    )


def test_a_container_that_restarted_still_gets_an_increase() -> None:
    app = container("app", requests={"cpu": "100m", "memory": "512Mi"}, limits={"memory": "1Gi"})
    result = _one(app, cpu=(0.2, 0.4, 0.5, 0.6), restarts=1)

    assert _quantities(result)["requests"] == {"cpu": "520m", "memory": "512Mi"}
    assert result.containers[0].verdict is Verdict.UP_SIZE


def test_too_little_history_proposes_nothing() -> None:
    result = _one(days=3.25)

    advice = result.containers[0]
    assert advice.verdict is Verdict.INSUFFICIENT_HISTORY
    assert advice.reasons == ("insufficient history: 3.2 of 7 days",)
    assert advice.recommended is None
    assert advice.savings is None
    assert result.patch is None


def test_the_history_minimum_is_configurable() -> None:
    result = _one(days=3.25, settings=RightSizingSettings(min_history_days=3))

    assert result.containers[0].verdict is Verdict.DOWN_SIZE


def test_no_usage_at_all_is_no_data() -> None:
    result = recommend_workload(deployment(APP, ENVOY), [usage("app")], DEFAULTS)

    envoy = result.containers[1]
    assert envoy.container == "envoy"
    assert envoy.verdict is Verdict.NO_DATA
    assert envoy.reasons == ("no data: no usage samples for this container in the window",)
    assert envoy.recommended is None


def test_an_entry_with_zero_samples_is_no_data() -> None:
    assert _one(samples=0).containers[0].verdict is Verdict.NO_DATA


def test_a_container_close_to_its_recommendation_is_left_alone() -> None:
    app = container("app", requests={"cpu": "250m", "memory": "150Mi"}, limits={"memory": "200Mi"})
    result = _one(app)  # 260m / 156Mi / 200Mi: every value within 10%

    advice = result.containers[0]
    assert advice.verdict is Verdict.KEEP
    assert advice.recommended == advice.current
    assert advice.savings is not None
    assert advice.savings.monthly == 0
    assert result.patch is None


def test_usage_above_the_requests_is_an_up_size_priced_as_a_cost() -> None:
    app = container("app", requests={"cpu": "100m", "memory": "64Mi"})
    result = _one(app)

    advice = result.containers[0]
    assert advice.verdict is Verdict.UP_SIZE
    assert advice.savings is not None
    assert advice.savings.monthly < 0
    assert advice.savings.describe().startswith("costs $")
    assert "more" in advice.savings.describe()


def test_savings_arithmetic_matches_an_independent_computation() -> None:
    result = recommend_workload(
        deployment(APP, ENVOY, replicas=4),
        [usage("app"), usage("envoy", cpu=(0.01, 0.02, 0.03, 0.04), memory_mib=(20, 30, 40, 50))],
        DEFAULTS,
    )
    # app: 500m/512Mi -> 260m/156Mi; envoy: 100m/64Mi -> 26m/64Mi (the minimum)
    hourly_cpu, hourly_gib, hours = 0.031611, 0.004237, 730
    before = 4 * ((0.5 + 0.1) * hourly_cpu + (512 + 64) / 1024 * hourly_gib) * hours
    after = 4 * ((0.26 + 0.026) * hourly_cpu + (156 + 64) / 1024 * hourly_gib) * hours
    total = result.savings

    assert total.monthly_before == pytest.approx(before)
    assert total.monthly_after == pytest.approx(after)
    assert total.monthly == pytest.approx(before - after)
    assert total.cpu_reduction == pytest.approx(1 - 0.286 / 0.6)
    assert total.memory_reduction == pytest.approx(1 - 220 / 576)
    data = total.to_data()
    assert data["monthly_savings"] == round(before - after, 2)
    assert data["savings_pct"] == round((before - after) / before * 100, 1)
    envoy = result.containers[1].savings
    assert envoy is not None
    assert envoy.cpu_before == pytest.approx(0.4)
    assert envoy.memory_after == 4 * 64 * MIB


def test_prices_are_configurable() -> None:
    from kubemedic.models.recommendation_settings import PriceBook

    free_memory = RightSizingSettings(prices=PriceBook(memory_gib_hour=0.0))
    savings = _one(settings=free_memory).savings

    assert savings.monthly == pytest.approx(3 * (0.5 - 0.26) * 0.031611 * 730)


def test_the_patch_changes_only_the_changed_containers_and_applies_as_described() -> None:
    workload = deployment(APP, SETTLED_ENVOY)
    result = recommend_workload(workload, [usage("app"), SETTLED_USAGE], DEFAULTS)

    assert result.containers[1].verdict is Verdict.KEEP
    assert result.patch is not None
    body = result.patch.body
    assert [c["name"] for c in body["spec"]["template"]["spec"]["containers"]] == ["app"]
    patched = apply_patch(workload, body, "strategic")
    app, envoy = patched["spec"]["template"]["spec"]["containers"]
    assert app["resources"] == {
        "requests": {"cpu": "260m", "memory": "156Mi"},
        "limits": {"memory": "200Mi"},  # the CPU limit is removed (policy none)
    }
    assert app["image"] == APP["image"]
    assert envoy == SETTLED_ENVOY


def test_the_kubectl_command_and_the_yaml_carry_the_same_patch() -> None:
    patch = _one().patch
    assert patch is not None

    words = shlex.split(patch.command)
    assert words[:6] == ["kubectl", "patch", "deployment/web", "-n", "shop", "--type"]
    assert words[6:8] == ["strategic", "-p"]
    assert json.loads(words[8]) == patch.body
    assert yaml.safe_load(patch.yaml) == patch.body


def test_a_cronjob_is_patched_through_its_job_template() -> None:
    cron = deployment(kind="CronJob")
    cron["apiVersion"] = "batch/v1"
    cron["spec"] = {
        "schedule": "0 * * * *",
        "jobTemplate": {"spec": {"template": cron["spec"]["template"]}},
    }
    result = recommend_workload(cron, [usage()], DEFAULTS)

    assert result.patch is not None
    spec = result.patch.body["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert spec["containers"][0]["name"] == "app"
    assert result.patch.command.startswith("kubectl patch cronjob/web -n shop ")


def test_a_job_gets_values_but_no_patch_since_its_template_is_immutable() -> None:
    job = deployment(kind="Job")
    job["apiVersion"] = "batch/v1"
    result = recommend_workload(job, [usage()], DEFAULTS)

    assert result.containers[0].verdict is Verdict.DOWN_SIZE
    assert result.patch is None
    assert "cannot be changed in place" in result.notes[0]


def test_usage_of_a_container_the_template_dropped_is_noted() -> None:
    result = recommend_workload(deployment(), [usage(), usage("old-sidecar")], DEFAULTS)

    assert [c.container for c in result.containers] == ["app"]
    assert "old-sidecar" in result.notes[0]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("none", None), ("keep", "1"), ("ratio:2", "520m")],
)
def test_cpu_limit_policies(policy: str, expected: str | None) -> None:
    settings = RightSizingSettings(cpu_limit=CpuLimitPolicy.parse(policy))
    limits = _quantities(_one(settings=settings))["limits"]

    assert limits.get("cpu") == expected


def test_keep_policy_raises_a_cpu_limit_that_would_sit_below_the_request() -> None:
    app = container("app", requests={"cpu": "100m"}, limits={"cpu": "200m"})
    settings = RightSizingSettings(cpu_limit=CpuLimitPolicy("keep"))
    result = _one(app, cpu=(0.2, 0.4, 0.5, 0.6), settings=settings)

    assert _quantities(result)["limits"]["cpu"] == "520m"


def test_an_hpa_on_cpu_is_told_how_its_utilization_moves() -> None:
    result = recommend_workload(deployment(), [usage()], DEFAULTS, hpa=hpa())

    assert result.hpa_effects == (
        "HPA web targets 70% CPU; at p95 usage the new requests put utilization at 77% vs 40% "
        "today: expect more replicas",
    )
    assert result.containers[0].verdict is Verdict.DOWN_SIZE  # flagged, not skipped


def test_an_hpa_on_memory_is_flagged_too_and_sums_the_pods_containers() -> None:
    both = [usage("app"), usage("envoy", cpu=(0.01, 0.02, 0.03, 0.04), memory_mib=(20, 30, 40, 50))]
    autoscaler = hpa(metrics=[cpu_metric(70, "memory")])
    result = recommend_workload(deployment(APP, ENVOY), both, DEFAULTS, hpa=autoscaler)

    # memory p95 (120 + 30)Mi over requests (512 + 64)Mi today, (156 + 64)Mi after
    assert result.hpa_effects == (
        "HPA web targets 70% memory; at p95 usage the new requests put utilization at 68% vs "
        "26% today: it stays under the target: no extra replicas expected",
    )


def test_an_hpa_on_another_container_or_on_absolute_values_is_not_flagged() -> None:
    other = {
        "type": "ContainerResource",
        "containerResource": {
            "name": "cpu",
            "container": "envoy",
            "target": {"type": "Utilization", "averageUtilization": 60},
        },
    }
    absolute = {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "300m"}},
    }
    result = recommend_workload(
        deployment(APP, SETTLED_ENVOY),
        [usage("app"), SETTLED_USAGE],
        DEFAULTS,
        hpa=hpa(metrics=[other, absolute]),
    )

    assert result.hpa_effects == ()


def test_an_hpa_without_metrics_is_read_as_cpu_at_80_percent() -> None:
    result = recommend_workload(deployment(), [usage()], DEFAULTS, hpa=hpa(metrics=[]))

    assert result.hpa_effects[0].startswith("HPA web targets 80% CPU")


def test_replicas_follow_the_workload_kind() -> None:
    daemons = deployment(kind="DaemonSet")
    daemons["status"] = {"desiredNumberScheduled": 7}
    job = deployment(kind="Job")
    job["spec"]["parallelism"] = 4

    assert workload_replicas(deployment(replicas=5)) == 5
    assert workload_replicas(daemons) == 7
    assert workload_replicas(job) == 4
    assert recommend_workload(daemons, [usage()], DEFAULTS).replicas == 7


def test_current_values_are_read_from_the_template() -> None:
    advice = _one().containers[0]

    assert advice.current == ResourceValues(0.5, 512 * MIB, 1.0, 1024 * MIB)


def test_a_container_without_a_memory_limit_gets_one() -> None:
    app = container("app", requests={"cpu": "260m", "memory": "156Mi"})
    result = _one(app)

    assert result.containers[0].verdict is Verdict.UP_SIZE  # a limit added, requests unchanged
    assert _quantities(result)["limits"] == {"memory": "200Mi"}


def test_a_request_left_unset_next_to_a_limit_is_read_as_the_limit() -> None:
    app = container("app", limits={"cpu": "1", "memory": "1Gi"})

    assert _one(app).containers[0].current == ResourceValues(1.0, 1024 * MIB, 1.0, 1024 * MIB)
