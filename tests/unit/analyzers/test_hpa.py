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


def _requesting_deployment() -> dict[str, Any]:
    """``web`` with a cpu request on its only container, selecting ``app=web``."""
    container = {"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "200m"}}}
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}
    spec = {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template}
    return {**DEPLOYMENT, "spec": spec}


def _pod(name: str, labels: dict[str, str], requests: dict[str, str]) -> dict[str, Any]:
    container = {"name": "c", "image": "busybox", "resources": {"requests": requests}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [container]},
        "status": {"phase": "Succeeded"},
    }


def test_a_pod_wearing_the_targets_labels_without_a_request_is_named_not_the_template() -> None:
    objects = [
        _requesting_deployment(),
        _hpa("failed to get cpu utilization: missing request for cpu", "2025-06-12T13:00:15Z"),
        _pod("web-test-connection", {"app": "web"}, {}),
        _pod("other-tool", {"app": "other"}, {}),  # not picked by the selector: innocent
    ]
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    assert "pod web-test-connection (Succeeded, container c)" in finding.root_cause
    assert "other-tool" not in finding.root_cause
    assert finding.remediation.commands[0] == "kubectl delete pod web-test-connection -n shop"


def test_without_the_pod_lacking_a_request_the_fix_lists_what_the_selector_picks() -> None:
    objects = [
        _requesting_deployment(),
        _hpa("failed to get cpu utilization: missing request for cpu", "2025-06-12T13:00:15Z"),
    ]
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    assert finding.remediation.commands[0].startswith("kubectl get pods -n shop -l app=web ")
