"""``kubectl describe hpa`` and ``kubectl describe cronjob`` text read as the objects shown."""

from __future__ import annotations

from pathlib import Path

from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import KObject

from .pasting import PASTED, load_pasted

HPA = (PASTED / "describe-hpa.txt").read_text()
"""NatLabRockies/openstudio-server-helm#4's ``kubectl describe hpa worker`` down to its
Conditions, then an Events table in kubectl's layout with the controller's warning."""

HPA_METRICS = (PASTED / "describe-hpa-metrics.txt").read_text()
"""kubernetes/kubernetes#56165's HPA, with a memory and a pods metric added in kubectl's form."""

CRONJOB = (PASTED / "describe-cronjob.txt").read_text()
"""kubectl's describe printer for a CronJob (Schedule, Concurrency Policy, Suspend, history
limits, deadline, pod template, Last Schedule Time, Active Jobs), with the controller's
warning as New Relic's synthetics job manager documentation quotes it."""


def _one(view: ClusterView, kind: str) -> KObject:
    (found,) = view.objects(kind)
    return found


def test_a_described_hpa_is_its_target_metrics_bounds_and_conditions(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, describe=HPA)

    hpa = _one(view, "HorizontalPodAutoscaler")
    assert (hpa.namespace, hpa.name) == ("default", "worker")
    assert hpa.spec["scaleTargetRef"] == {"kind": "Deployment", "name": "worker"}
    assert (hpa.spec["minReplicas"], hpa.spec["maxReplicas"]) == (1, 15)
    assert hpa.spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 50},
            },
        }
    ]
    assert (hpa.status["currentReplicas"], hpa.status["desiredReplicas"]) == (1, 0)
    able, active = hpa.status["conditions"]
    assert (able["type"], able["status"], able["reason"]) == (
        "AbleToScale",
        "True",
        "SucceededGetScale",
    )
    assert (active["status"], active["reason"]) == ("False", "FailedGetResourceMetric")
    assert active["message"].endswith("(get pods.metrics.k8s.io)")
    (event,) = view.events_for(hpa)
    assert (event.reason, event.count) == ("FailedGetResourceMetric", 61)
    (said,) = [w for w in view.warnings if "HorizontalPodAutoscaler(s) read" in w.message]
    assert "condition times" in said.message


def test_each_metric_line_is_the_metric_kubectl_printed_it_for(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, describe=HPA_METRICS)

    hpa = _one(view, "HorizontalPodAutoscaler")
    cpu, memory, pods = hpa.spec["metrics"]
    assert pods == {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"}}}
    assert cpu["resource"]["target"] == {"type": "Utilization", "averageUtilization": 40}
    assert memory["resource"] == {
        "name": "memory",
        "target": {"type": "AverageValue", "averageValue": "500Mi"},
    }
    limited = hpa.status["conditions"][-1]
    assert (limited["type"], limited["reason"]) == ("ScalingLimited", "TooManyReplicas")
    assert "currentReplicas" not in hpa.status  # kubectl 1.9 printed no pods line


def test_kubectl_before_1_8_printed_only_the_cpu_target(tmp_path: Path) -> None:
    old = (
        "Name:                           tt-test\n"
        "Namespace:                      tt-develop\n"
        "Labels:                         app=tt-test\n"
        "Annotations:                    <none>\n"
        "CreationTimestamp:              Mon, 06 Nov 2017 08:33:59 -0600\n"
        "Reference:                      DeploymentConfig/tt-test\n"
        "Target CPU utilization:         90%\n"
        "Current CPU utilization:        <unset>\n"
        "Min replicas:                   1\n"
        "Max replicas:                   5\n"
        "Events:                         <none>\n"
    )  # openshift/origin#17200
    view = load_pasted(tmp_path, describe=old)

    hpa = _one(view, "HorizontalPodAutoscaler")
    assert hpa.spec["scaleTargetRef"] == {"kind": "DeploymentConfig", "name": "tt-test"}
    (metric,) = hpa.spec["metrics"]
    assert metric["resource"]["target"]["averageUtilization"] == 90


def test_a_described_cronjob_is_its_schedule_policy_template_and_runs(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, describe=CRONJOB)

    cronjob = _one(view, "CronJob")
    assert (cronjob.namespace, cronjob.name) == ("data", "nightly")
    spec = cronjob.spec
    assert (spec["schedule"], spec["concurrencyPolicy"], spec["suspend"]) == (
        "*/5 * * * *",
        "Forbid",
        False,
    )
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    assert "startingDeadlineSeconds" not in spec
    (container,) = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert (container["name"], container["image"]) == ("export", "registry.example.com/export:1.4")
    assert cronjob.status["lastScheduleTime"] == "2026-12-07T00:55:00Z"
    assert cronjob.status["active"] == [
        {"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-29417815", "namespace": "data"}
    ]
    (event,) = view.events_for(cronjob)
    assert (event.reason, event.count) == ("TooManyMissedTimes", 93)


def test_a_set_starting_deadline_and_a_suspension_are_read(tmp_path: Path) -> None:
    text = CRONJOB.replace(
        "Starting Deadline Seconds:     <unset>", "Starting Deadline Seconds:     200s"
    )
    view = load_pasted(
        tmp_path,
        describe=text.replace(
            "Suspend:                       False", "Suspend:                       True"
        ),
    )

    cronjob = _one(view, "CronJob")
    assert (cronjob.spec["startingDeadlineSeconds"], cronjob.spec["suspend"]) == (200, True)


def test_only_the_events_of_a_cronjob_are_the_cronjob_the_command_names(tmp_path: Path) -> None:
    excerpt = (
        "```console\n"
        "$ oc describe cronjobs/package-releases\n"
        "<snip>\n"
        "  Warning  FailedNeedsStart  3m (x64068 over 7d)  cronjob-controller  Cannot determine"
        " if job needs to be started: Too many missed start time (> 100). Set or decrease"
        " .spec.startingDeadlineSeconds or check clock skew.\n"
        "</snip>\n"
        "```\n"
    )  # thoth-station/core#82
    view = load_pasted(tmp_path, describe=excerpt)

    cronjob = _one(view, "CronJob")
    assert (cronjob.namespace, cronjob.name, cronjob.spec) == ("default", "package-releases", {})
    (event,) = view.events_for(cronjob)
    assert (event.reason, event.count) == ("FailedNeedsStart", 64068)
    assert event.message.endswith("check clock skew.")  # the closing </snip> and fence are not
    (said,) = [w for w in view.warnings if "only the events of" in w.message]
    assert "its schedule" in said.message
    assert said.object is not None
    assert said.object.name == "package-releases"
