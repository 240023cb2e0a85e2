"""Every `sandbox break` scenario breaks what it says, and kubemedic diagnoses it.

Each case breaks the seeded Todo app, waits for the symptom a user would see, then runs the
diagnose service on what kubemedic would collect from the cluster and expects the category.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kubemedic.analyzers import BUILTIN
from kubemedic.models.categories import Category
from kubemedic.services.diagnose import diagnose
from tests.sandbox.conftest import Cluster, ready

Check = Callable[[Cluster], Any]


def _statuses(cluster: Cluster, prefix: str) -> list[dict[str, Any]]:
    return [
        s
        for p in cluster.pods("todo", prefix)
        for s in (p.get("status") or {}).get("containerStatuses") or []
    ]


def waiting(reason: str, prefix: str = "backend-") -> Check:
    return lambda c: any(
        ((s.get("state") or {}).get("waiting") or {}).get("reason") == reason
        for s in _statuses(c, prefix)
    )


def last_terminated(reason: str, code: int) -> Check:
    def check(c: Cluster) -> bool:
        for status in _statuses(c, "backend-"):
            terminated = (status.get("lastState") or {}).get("terminated") or {}
            if (terminated.get("reason"), terminated.get("exitCode")) == (reason, code):
                return True
        return False

    return check


def event(reason: str, text: str, count: int = 1) -> Check:
    return lambda c: any(
        text in e["message"] and e["count"] >= count
        for e in c.store.list("Event")[0]
        if e["reason"] == reason
    )


def hpa_scaled(c: Cluster) -> bool:
    return int(c.store.get("Deployment", "todo", "backend")["spec"]["replicas"]) > 2


def serving_errors(c: Cluster) -> bool:
    pods = c.pods("todo", "backend-")
    text = c.sim.prometheus_text()
    return (
        len(pods) == 2
        and all(ready(p) and p["spec"]["containers"][0]["image"].endswith(":1.3.0") for p in pods)
        and 'http_requests_total{namespace="todo",pod="'
        + pods[0]["metadata"]["name"]
        + '",container="backend",code="500"}'
        in text
    )


def evicted(c: Cluster) -> bool:
    return any(
        (p.get("status") or {}).get("reason") == "Evicted" for p in c.pods("todo", "cache-warmer-")
    )


CASES: dict[str, tuple[Check, Category | None]] = {
    "crashloop": (waiting("CrashLoopBackOff"), Category.CRASHLOOP_APP_ERROR),
    "oom": (last_terminated("OOMKilled", 137), Category.OOMKILLED),
    "bad-image": (waiting("ImagePullBackOff"), Category.IMAGE_NOT_FOUND),
    "private-image": (waiting("ImagePullBackOff"), Category.IMAGE_AUTH),
    "missing-configmap": (waiting("CreateContainerConfigError"), Category.CONFIG_MISSING_CONFIGMAP),
    "missing-secret-key": (waiting("CreateContainerConfigError"), Category.CONFIG_MISSING_KEY),
    "unschedulable": (
        event("FailedScheduling", "Insufficient cpu"),
        Category.SCHEDULING_INSUFFICIENT_RESOURCES,
    ),
    "taint": (
        event("FailedScheduling", "untolerated taint {dedicated: gpu}"),
        Category.SCHEDULING_TAINT,
    ),
    "liveness-fail": (
        event("Killing", "failed liveness probe, will be restarted"),
        Category.PROBE_LIVENESS,
    ),
    "readiness-fail": (
        event("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", 10),
        Category.PROBE_READINESS,
    ),
    "cpu-spike": (hpa_scaled, None),
    "memory-leak": (last_terminated("OOMKilled", 137), Category.OOMKILLED),
    "bad-rollout": (serving_errors, None),
    "pvc-pending": (
        event("ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found'),
        Category.PVC_PENDING,
    ),
    "node-pressure": (evicted, Category.EVICTED_MEMORY_PRESSURE),
}


def test_every_scenario_is_covered(cluster: Cluster) -> None:
    assert sorted(name for name, _ in cluster.sim.scenarios()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scenario_breaks_what_it_says_and_is_diagnosed(cluster: Cluster, name: str) -> None:
    check, category = CASES[name]
    summary = cluster.sim.break_scenario(name, target=None, namespace=None)
    assert summary
    cluster.wait(lambda: check(cluster), f"the symptom of {name}", timeout=60)
    if category is None:
        return
    if category not in BUILTIN.categories:
        pytest.skip(f"no analyzer emits {category} yet")
    result = diagnose(cluster.view("todo"))
    assert not result.failures, result.failures
    found = {f.category for f in result.findings}
    assert category in found, [f"{f.category}: {f.summary}" for f in result.findings]


def test_a_scenario_on_an_unknown_target_is_refused(cluster: Cluster) -> None:
    from kubemedic.sandbox.apierrors import BadRequestError

    with pytest.raises(BadRequestError, match="not found"):
        cluster.sim.break_scenario("oom", target="deployment/nope", namespace="todo")
    with pytest.raises(BadRequestError, match="unknown scenario"):
        cluster.sim.break_scenario("meteor-strike", target=None, namespace=None)
