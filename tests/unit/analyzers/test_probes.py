"""Probe rules: when readiness failures are past start-up, and probes that fail side by side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kubemedic.analyzers import probe_liveness, probe_readiness
from kubemedic.analyzers._probes import failures_since, never_passes
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.k8s import Event, Probe

START = datetime(2024, 11, 26, 11, 37, 57, tzinfo=UTC)
HTTP_READY = {"httpGet": {"path": "/ready", "port": 8080}}
TIMING = {"initialDelaySeconds": 5, "periodSeconds": 5, "failureThreshold": 3}
"""The first verdict of such a probe comes 5 + 3 × 5 = 20 s after the container starts."""


def _at(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unhealthy(message: str, count: int, first: float, last: float) -> dict[str, Any]:
    return {
        "kind": "Event",
        "metadata": {"name": f"api.{count}{first}", "namespace": "shop"},
        "involvedObject": {
            "kind": "Pod",
            "name": "api",
            "namespace": "shop",
            "uid": "pod-uid",
            "fieldPath": "spec.containers{api}",
        },
        "reason": "Unhealthy",
        "type": "Warning",
        "message": message,
        "count": count,
        "firstTimestamp": _at(first),
        "lastTimestamp": _at(last),
        "source": {"component": "kubelet", "host": "node-1"},
    }


def _pod(container: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": "api", "namespace": "shop", "uid": "pod-uid"},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "api", "image": "api:1", **container}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "api", "ready": False, **status}],
        },
    }


def _readiness(
    probe: dict[str, Any], events: list[dict[str, Any]], seconds: float
) -> list[Finding]:
    pod = _pod(
        {"readinessProbe": {**probe, **TIMING}},
        {"restartCount": 0, "state": {"running": {"startedAt": _at(0)}}},
    )
    view = ClusterView(
        [pod, *events], observed_at=START + timedelta(seconds=seconds), source="test"
    )
    return list(probe_readiness.analyze(view))


@pytest.mark.parametrize(
    ("command", "script"),
    [
        (["sh", "-c", "exit 1"], "exit 1"),
        (["/bin/bash", "-c", "exit 3;"], "exit 3;"),
        (["/bin/false"], "/bin/false"),
        (["false"], "false"),
        (["sh", "-c", "exit 0"], ""),
        (["cat", "/tmp/ready"], ""),
        (["sh", "-c", "test -f /tmp/ready || exit 1"], ""),
    ],
)
def test_a_probe_command_that_can_never_pass(command: list[str], script: str) -> None:
    assert never_passes(Probe("readiness", {"exec": {"command": command}})) == script


@pytest.mark.parametrize(("moment", "failures"), [(20, 3), (40, 0), (0, 6)])
def test_failures_after_a_moment_spread_an_aggregated_event_over_its_span(
    moment: float, failures: int
) -> None:
    event = Event(_unhealthy("Readiness probe failed: ", 6, 9, 34))
    assert failures_since([event], START + timedelta(seconds=moment), 5) == failures


def test_readiness_is_reported_once_a_threshold_of_failures_follows_the_first_verdict() -> None:
    events = [
        _unhealthy("Readiness probe failed: HTTP probe failed with statuscode: 503", 6, 9, 34)
    ]
    (finding,) = _readiness(HTTP_READY, events, 34)
    assert "statuscode: 503" in finding.root_cause


def test_readiness_failures_right_after_the_first_verdict_still_count_as_start_up() -> None:
    events = [
        _unhealthy("Readiness probe failed: HTTP probe failed with statuscode: 503", 4, 9, 27)
    ]
    assert _readiness(HTTP_READY, events, 27) == []


def test_a_probe_that_can_never_pass_is_reported_at_its_first_verdict() -> None:
    never = {"exec": {"command": ["sh", "-c", "exit 1"]}}
    events = [_unhealthy("Readiness probe failed: ", 3, 12, 22)]
    (finding,) = _readiness(never, events, 22)
    assert '("")' not in finding.root_cause
    assert "`exit 1` fails every time" in finding.remediation.summary
    assert _readiness({"exec": {"command": ["cat", "/tmp/ready"]}}, events, 22) == []


def test_a_readiness_fix_speaks_only_of_the_readiness_probe() -> None:
    events = [
        _unhealthy("Readiness probe failed: HTTP probe failed with statuscode: 503", 12, 9, 64)
    ]
    (finding,) = _readiness(HTTP_READY, events, 64)
    text = " ".join((finding.remediation.summary, *finding.remediation.steps))
    assert "liveness" not in text
    assert "readiness probe" in text


def test_a_readiness_probe_failing_for_another_reason_is_fixed_with_the_liveness_probe() -> None:
    container = {
        "ports": [{"name": "http", "containerPort": 80}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, **TIMING},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 80}, **TIMING},
    }
    status = {
        "restartCount": 2,
        "state": {"running": {"startedAt": _at(62)}},
        "lastState": {
            "terminated": {
                "exitCode": 0,
                "reason": "Completed",
                "startedAt": _at(31),
                "finishedAt": _at(61),
            }
        },
    }
    refused = (
        'Liveness probe failed: Get "http://10.1.0.7:8080/healthz": dial tcp '
        "10.1.0.7:8080: connect: connection refused"
    )
    kill = {
        **_unhealthy("Container api failed liveness probe, will be restarted", 2, 30, 61),
        "reason": "Killing",
        "type": "Normal",
    }
    events = [
        _unhealthy(refused, 9, 20, 61),
        _unhealthy("Readiness probe failed: HTTP probe failed with statuscode: 404", 9, 20, 61),
        kill,
    ]
    view = ClusterView(
        [_pod(container, status), *events], observed_at=START + timedelta(seconds=63), source="t"
    )
    (finding,) = probe_liveness.analyze(view)
    assert "Its readiness probe HTTP GET :80/ready fails too" in finding.root_cause
    assert "the server has no route /ready (HTTP 404)" in finding.root_cause
    assert "The readiness probe fails for another reason" in finding.remediation.summary
    assert "The liveness and readiness probes of api pass" in finding.remediation.expected_outcome
    assert list(probe_readiness.analyze(view)) == []
