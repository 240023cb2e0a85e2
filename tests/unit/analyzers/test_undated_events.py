"""An event that carries no time is taken as current: never dropped for lacking one.

Pasted events often lose their times; the API server keeps events about an hour, so one that
is in the snapshot at all is recent. Analyzers that judge events by age read it that way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers import cronjobs, hpa
from kubemedic.analyzers._probes import failures_since
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Event

NOW = datetime(2025, 6, 12, 13, 0, 30, tzinfo=UTC)


def _event(kind: str, name: str, reason: str, message: str, **times: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"namespace": "shop"},
        "involvedObject": {"kind": kind, "name": name, "namespace": "shop"},
        "reason": reason,
        "type": "Warning",
        "message": message,
        "count": 4,
        **times,
    }


def test_an_undated_missed_schedules_warning_is_reported() -> None:
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {"schedule": "*/5 * * * *"},
    }
    warning = _event(
        "CronJob",
        "nightly",
        "TooManyMissedTimes",
        "too many missed start times: 101. Set or decrease .spec.startingDeadlineSeconds or "
        "check clock skew",
    )

    view = ClusterView([cronjob, warning], observed_at=NOW, source="test")

    assert [f.id for f in cronjobs.analyze(view)] == [cronjobs.ID]


def test_undated_metric_errors_of_an_hpa_without_conditions_are_reported() -> None:
    autoscaler = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}},
    }
    error = _event(
        "HorizontalPodAutoscaler",
        "web",
        "FailedGetResourceMetric",
        "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics "
        "returned from resource metrics API",
    )

    view = ClusterView([autoscaler, error], observed_at=NOW, source="test")

    assert [f.id for f in hpa.analyze(view)] == ["KM-HPA-METRICS-UNAVAILABLE"]


def test_an_undated_probe_failure_counts_as_one_failure_now() -> None:
    before = _event(
        "Pod", "web-1", "Unhealthy", "Readiness probe failed", lastTimestamp="2025-06-12T12:50:00Z"
    )
    undated = _event("Pod", "web-1", "Unhealthy", "Readiness probe failed")

    assert failures_since([Event(before)], NOW, 10) == 0
    assert failures_since([Event(before), Event(undated)], NOW, 10) == 1
