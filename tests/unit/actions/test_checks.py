"""Validation checks: pass, fail, or not yet decidable, each with the facts behind the answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kubemedic.actions.checks import (
    CHECKS,
    ErrorRate,
    ValidationInput,
    restart_counts,
    run_checks,
)
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import Change, ChangeVerb
from tests.unit.actions.objects import configmap, deployment, hpa, pod

HEALTHY = ValidationInput(
    workload=deployment(replicas=2),
    pods=[pod("web-1"), pod("web-2")],
    after={"memory_limit": "512Mi"},
    restarts_before={"uid-web-1": 0, "uid-web-2": 0},
)


def _check(name: str, given: ValidationInput = HEALTHY, **changes: Any) -> tuple[bool | None, str]:
    (result,) = run_checks([name], replace(given, **changes))
    assert result.name == name
    return result.ok, result.detail


def _rolled_out(kind: str = "Deployment", **status: Any) -> dict[str, Any]:
    obj = deployment(replicas=3)
    obj["kind"] = kind
    obj["status"] = {
        "observedGeneration": 5,
        "updatedReplicas": 3,
        "availableReplicas": 3,
        "readyReplicas": 3,
    } | status
    return obj


def test_every_check_a_plan_names_exists() -> None:
    assert set(CHECKS) == {
        "change-holds",
        "rollout-complete",
        "pods-ready",
        "no-new-restarts",
        "no-crashloop",
        "no-oomkilled",
        "usage-within-limits",
        "hpa-active",
        "replicas-grew",
        "cpu-under-target",
        "error-rate",
        "paused-as-planned",
        "configmap-data",
    }


def test_checks_run_in_the_order_asked() -> None:
    names = ["no-crashloop", "pods-ready", "no-new-restarts"]
    assert [r.name for r in run_checks(names, HEALTHY)] == names
    assert all(r.ok for r in run_checks(names, HEALTHY))


# ----------------------------------------------------------------------------- rollout-complete


def test_a_complete_deployment_rollout_passes() -> None:
    assert _check("rollout-complete", workload=_rolled_out()) == (
        True,
        "3/3 replicas updated and available",
    )


def test_a_rollout_still_under_way_fails_with_the_counts() -> None:
    assert _check(
        "rollout-complete", workload=_rolled_out(updatedReplicas=1, availableReplicas=2)
    ) == (
        False,
        "1/3 replicas updated, 2/3 available",
    )


def test_a_change_the_controller_has_not_seen_fails() -> None:
    assert _check("rollout-complete", workload=_rolled_out(observedGeneration=4)) == (
        False,
        "the controller has not yet seen the change",
    )


def test_a_stalled_rollout_says_why() -> None:
    stalled = _rolled_out(
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "web-7c4d9b8f6" has timed out progressing.',
            }
        ]
    )
    ok, detail = _check("rollout-complete", workload=stalled)
    assert ok is False
    assert detail == 'rollout stalled: ReplicaSet "web-7c4d9b8f6" has timed out progressing.'


def test_a_deleted_workload_fails_the_rollout() -> None:
    assert _check("rollout-complete", workload=None) == (False, "the workload no longer exists")


def test_a_stateful_set_is_rolled_out_when_every_pod_runs_the_update_revision() -> None:
    done = _rolled_out("StatefulSet", currentRevision="db-2", updateRevision="db-2")
    assert _check("rollout-complete", workload=done)[0] is True
    old = _rolled_out("StatefulSet", currentRevision="db-1", updateRevision="db-2")
    assert _check("rollout-complete", workload=old) == (False, "pods still run the old revision")


def test_a_daemon_set_counts_the_nodes_it_should_run_on() -> None:
    ds = _rolled_out("DaemonSet")
    ds["status"] = {
        "observedGeneration": 5,
        "desiredNumberScheduled": 4,
        "updatedNumberScheduled": 4,
        "numberAvailable": 3,
    }
    assert _check("rollout-complete", workload=ds) == (False, "4/4 replicas updated, 3/4 available")


def test_a_replica_set_is_rolled_out_when_its_replicas_are_ready() -> None:
    assert _check("rollout-complete", workload=_rolled_out("ReplicaSet"))[0] is True
    assert (
        _check("rollout-complete", workload=_rolled_out("ReplicaSet", readyReplicas=2))[0] is False
    )


# ----------------------------------------------------------------------------------- pods-ready


def test_pods_ready_counts_against_the_desired_replicas() -> None:
    assert _check("pods-ready") == (True, "2/2 pods Ready")
    three = deployment(replicas=3)
    assert _check("pods-ready", workload=three) == (False, "2/3 pods Ready; not Ready: none yet")


def test_pods_not_ready_are_named() -> None:
    pods = [pod("web-1"), pod("web-2", ready=False)]
    assert _check("pods-ready", pods=pods) == (False, "1/2 pods Ready; not Ready: web-2")


def test_terminating_and_finished_pods_do_not_count() -> None:
    pods = [
        pod("web-1"),
        pod("web-2"),
        pod("old", ready=False, deleting=True),
        pod("job", phase="Succeeded", ready=False),
    ]
    assert _check("pods-ready", pods=pods) == (True, "2/2 pods Ready")


def test_no_pod_at_all_fails() -> None:
    assert _check("pods-ready", pods=[]) == (False, "no running pod")
    assert _check("pods-ready", pods=[], workload=deployment(replicas=0)) == (
        True,
        "0/0 pods Ready",
    )


# ---------------------------------------------------------------------------- restarts, crashes


def test_restarts_since_the_change_fail() -> None:
    pods = [pod("web-1", restarts=2), pod("web-2")]
    assert _check("no-new-restarts", pods=pods) == (
        False,
        "restarted since the change: web-1 (0 → 2)",
    )
    assert _check("no-new-restarts", pods=pods, restarts_before={"uid-web-1": 2})[0] is True


def test_a_new_pod_s_restarts_all_count() -> None:
    assert _check("no-new-restarts", pods=[pod("web-3", restarts=1)]) == (
        False,
        "restarted since the change: web-3 (0 → 1)",
    )


def test_restart_counts_are_kept_per_pod_uid() -> None:
    assert restart_counts([pod("web-1", restarts=3), pod("web-2")]) == {
        "uid-web-1": 3,
        "uid-web-2": 0,
    }


@pytest.mark.parametrize(
    "reason", ["CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError"]
)
def test_a_container_that_cannot_run_fails_no_crashloop(reason: str) -> None:
    pods = [pod("web-1"), pod("web-2", waiting=reason, ready=False)]
    assert _check("no-crashloop", pods=pods) == (False, f"web-2/app: {reason}")


def test_a_container_still_creating_is_not_crash_looping() -> None:
    assert _check("no-crashloop", pods=[pod("web-1", waiting="ContainerCreating")])[0] is True


KILLED = {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-06-01T10:03:00Z"}


def test_an_oom_kill_in_a_pod_that_restarted_since_the_change_fails() -> None:
    pods = [pod("web-1", restarts=1, last_terminated=KILLED), pod("web-2")]
    assert _check("no-oomkilled", pods=pods) == (False, "OOMKilled since the change: web-1/app")


def test_an_oom_kill_in_a_pod_created_since_the_change_fails() -> None:
    pods = [pod("web-3", last_terminated=KILLED)]  # not in the baseline: a new replica
    assert _check("no-oomkilled", pods=pods)[0] is False


def test_an_oom_kill_before_the_change_is_history() -> None:
    # the baseline saw web-1 with 0 restarts: its last kill happened before the change,
    # whatever the clocks of the cluster and of kubemedic say
    assert _check("no-oomkilled", pods=[pod("web-1", last_terminated=KILLED)]) == (
        True,
        "no container was OOMKilled since the change",
    )


# ------------------------------------------------------------------------- usage-within-limits


def _usage(name: str, memory: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "timestamp": "2026-06-01T10:05:00Z",
        "window": "30s",
        "containers": [{"name": "app", "usage": {"cpu": "120m", "memory": memory}}],
    }


def test_memory_use_below_90_percent_of_the_new_limit_passes() -> None:
    metrics = [_usage("web-1", "460Mi"), _usage("web-2", "300Mi")]
    assert _check("usage-within-limits", pod_metrics=metrics) == (
        True,
        "peak memory 460Mi is 90% of the 512Mi limit",
    )


def test_memory_use_near_the_new_limit_fails() -> None:
    metrics = [_usage("web-1", "470Mi")]
    ok, detail = _check("usage-within-limits", pod_metrics=metrics)
    assert ok is False
    assert detail == "peak memory 470Mi is 92% of the 512Mi limit"


def test_usage_of_other_pods_is_ignored() -> None:
    metrics = [_usage("web-1", "100Mi"), _usage("batch-7", "4Gi")]
    assert _check("usage-within-limits", pod_metrics=metrics)[0] is True


def test_usage_is_undecided_without_metrics() -> None:
    assert _check("usage-within-limits", pod_metrics=None) == (
        None,
        "the metrics API (metrics-server) is not available",
    )
    assert _check("usage-within-limits", pod_metrics=[_usage("batch-7", "1Gi")]) == (
        None,
        "no usage sample for the new pods yet",
    )


def test_usage_passes_when_the_change_set_no_memory_limit() -> None:
    assert _check("usage-within-limits", after={"cpu_limit": "1"}, pod_metrics=[]) == (
        True,
        "the change sets no memory limit",
    )


# ------------------------------------------------------------------------------- hpa-active


def test_an_active_autoscaler_passes() -> None:
    active = hpa()
    active["status"]["conditions"] = [
        {"type": "AbleToScale", "status": "True"},
        {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"},
    ]
    assert _check("hpa-active", hpa=active) == (True, "autoscaler active, 3 replicas")


def test_an_autoscaler_without_metrics_fails() -> None:
    broken = hpa()
    broken["status"]["conditions"] = [
        {
            "type": "ScalingActive",
            "status": "False",
            "reason": "FailedGetResourceMetric",
            "message": "the HPA was unable to compute the replica count: no metrics returned",
        }
    ]
    assert _check("hpa-active", hpa=broken) == (
        False,
        "ScalingActive is False: the HPA was unable to compute the replica count: "
        "no metrics returned",
    )


def test_a_new_autoscaler_is_undecided_until_it_reports() -> None:
    assert _check("hpa-active", hpa=hpa()) == (None, "the autoscaler has not reported metrics yet")
    reporting = hpa()
    reporting["status"]["currentMetrics"] = [{"type": "Resource"}]
    assert _check("hpa-active", hpa=reporting)[0] is True


def test_a_missing_autoscaler_fails() -> None:
    assert _check("hpa-active", hpa=None) == (False, "the autoscaler does not exist")


# ------------------------------------------------ replicas-grew, cpu-under-target, error-rate


def _scaled(current: int, utilization: int | None) -> dict[str, Any]:
    scaled = hpa()
    scaled["status"]["currentReplicas"] = current
    if utilization is not None:
        scaled["status"]["currentMetrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {"averageUtilization": utilization, "averageValue": "180m"},
                },
            }
        ]
    return scaled


def test_replicas_grew_compares_with_the_count_before_the_autoscaler() -> None:
    after = {"replicasBefore": 2, "cpuTargetPercent": 70}
    assert _check("replicas-grew", after=after, hpa=_scaled(4, 65)) == (
        True,
        "4 replicas now, 2 before the autoscaler",
    )
    assert _check("replicas-grew", after=after, hpa=_scaled(2, 95))[0] is False


def test_cpu_under_target_reads_the_autoscaler_s_own_figure() -> None:
    after = {"replicasBefore": 2, "cpuTargetPercent": 70}
    assert _check("cpu-under-target", after=after, hpa=_scaled(4, 65)) == (
        True,
        "CPU at 65% of requests, target 70%",
    )
    assert _check("cpu-under-target", after=after, hpa=_scaled(4, 88))[0] is False
    assert _check("cpu-under-target", after=after, hpa=_scaled(4, None))[0] is None


def test_error_rate_fails_above_five_percent_and_is_undecided_without_prometheus() -> None:
    fine = ErrorRate(0.012, 5000, "prometheus http://prom:9090")
    assert _check("error-rate", error_rate=fine) == (
        True,
        "1.2% of 5000 requests failed (limit 5%, prometheus http://prom:9090)",
    )
    bad = ErrorRate(0.21, 400, "prometheus http://prom:9090")
    assert _check("error-rate", error_rate=bad)[0] is False
    assert _check("error-rate") == (None, "error rate not measured: no Prometheus is configured")


# -------------------------------------------------------------- paused, configmap, change-holds


def test_paused_as_planned_reads_the_target() -> None:
    assert _check("paused-as-planned", after={"paused": True}, target=deployment(paused=True)) == (
        True,
        "spec.paused is True",
    )
    assert _check("paused-as-planned", after={"paused": True}, target=deployment()) == (
        False,
        "spec.paused is False",
    )
    assert _check("paused-as-planned", after={"paused": True}, target=None) == (
        False,
        "spec.paused is None",
    )


def test_configmap_data_must_be_what_was_restored() -> None:
    after = {"data": {"LOG_LEVEL": "info"}}
    assert _check("configmap-data", after=after, target=configmap({"LOG_LEVEL": "info"})) == (
        True,
        "data as restored",
    )
    assert _check("configmap-data", after=after, target=configmap({"LOG_LEVEL": "debug"})) == (
        False,
        "data differs from the plan",
    )
    assert _check("configmap-data", after=after, target=None)[0] is False


def test_change_holds_compares_the_target_with_the_change() -> None:
    change = Change(
        ChangeVerb.PATCH, ObjectRef("Deployment", "web", "shop"), {"spec": {"replicas": 3}}, "merge"
    )
    assert _check("change-holds", change=change, target=deployment(replicas=3)) == (
        True,
        "the object says what the change wrote",
    )
    assert _check("change-holds", change=change, target=deployment(replicas=5)) == (
        False,
        "spec.replicas is 5, should be 3",
    )
    assert _check("change-holds", change=None) == (None, "no change to compare with")
