"""The HPA analyzer waits out a warming-up metrics API but not a configuration error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.hpa import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2025, 6, 12, 13, 0, 30, tzinfo=UTC)
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "200m"}}},
                    {"name": "envoy", "image": "envoy:1.30"},
                ]
            }
        },
    },
}


def _hpa(message: str, since: str) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}},
        "status": {
            "currentReplicas": 2,
            "conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "SucceededGetScale"},
                {
                    "type": "ScalingActive",
                    "status": "False",
                    "reason": "FailedGetResourceMetric",
                    "message": f"the HPA was unable to compute the replica count: {message}",
                    "lastTransitionTime": since,
                },
            ],
        },
    }


def _findings(message: str, since: str) -> list[str]:
    view = ClusterView([DEPLOYMENT, _hpa(message, since)], observed_at=NOW, source="test")
    return [f.root_cause for f in analyze(view)]


@pytest.mark.parametrize(
    "message",
    [
        "failed to get cpu utilization: missing request for cpu in container envoy of Pod "
        "web-6b8f7d9c4b-7tq9x",
        "failed to get cpu utilization: missing request for cpu",  # before containers were named
    ],
)
def test_a_missing_request_is_reported_at_once_with_the_containers_lacking_it(
    message: str,
) -> None:
    (cause,) = _findings(message, "2025-06-12T13:00:15Z")
    assert "containers without a cpu request in Deployment shop/web: envoy" in cause


def test_a_metrics_api_error_is_waited_out_until_it_lasts() -> None:
    message = (
        "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch "
        "metrics from resource metrics API: the server is currently unable to handle the request "
        "(get pods.metrics.k8s.io)"
    )
    assert _findings(message, "2025-06-12T13:00:15Z") == []
    assert len(_findings(message, "2025-06-12T12:50:00Z")) == 1
