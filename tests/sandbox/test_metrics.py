"""Metrics read from the simulated containers look like metrics-server's and a real scrape's."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kubemedic._internal.quantities import parse_quantity
from tests.sandbox.conftest import Cluster, ready

PROMTOOL = shutil.which("promtool")


def test_pod_metrics_report_each_running_container(cluster: Cluster) -> None:
    metrics = {m["metadata"]["name"]: m for m in cluster.sim.pod_metrics("todo")}
    backend = next(m for name, m in metrics.items() if name.startswith("backend-"))
    assert backend["apiVersion"] == "metrics.k8s.io/v1beta1"
    usage = backend["containers"][0]["usage"]
    assert re.fullmatch(r"\d+n", usage["cpu"])
    assert re.fullmatch(r"\d+Ki", usage["memory"])
    assert (
        100 * 2**20 < (parse_quantity(usage["memory"]) or 0) < 256 * 2**20
    )  # well under its limit
    assert {n["metadata"]["name"] for n in cluster.sim.node_metrics()} == {
        "node-1",
        "node-2",
        "node-3",
    }


def test_load_drives_cpu_to_the_requested_share(cluster: Cluster) -> None:
    cluster.sim.set_load("Deployment", "todo", "frontend", 90)
    for metrics in cluster.sim.pod_metrics("todo"):
        if metrics["metadata"]["name"].startswith("frontend-"):
            cpu = parse_quantity(metrics["containers"][0]["usage"]["cpu"]) or 0
            assert 0.035 < cpu <= 0.2  # 90% of a 50m request, with noise, never above the limit


def test_load_is_a_demand_shared_by_the_workload_s_pods(cluster: Cluster) -> None:
    cluster.wait(lambda: len([p for p in cluster.pods("todo", "frontend-") if ready(p)]) == 2, "2")
    cluster.sim.set_load("Deployment", "todo", "frontend", 80)
    deployment = cluster.store.get("Deployment", "todo", "frontend")
    deployment["spec"]["replicas"] = 4
    cluster.store.replace(deployment)
    cluster.wait(lambda: len([p for p in cluster.pods("todo", "frontend-") if ready(p)]) == 4, "4")
    shares = [
        (parse_quantity(m["containers"][0]["usage"]["cpu"]) or 0) / 0.05
        for m in cluster.sim.pod_metrics("todo")
        if m["metadata"]["name"].startswith("frontend-")
    ]
    assert len(shares) == 4
    assert all(0.3 < share < 0.5 for share in shares), shares  # 80% x 2 pods / 4 pods, +-8%


def test_a_scrape_has_cadvisor_kube_state_and_application_series(cluster: Cluster) -> None:
    text = cluster.sim.prometheus_text()
    pod = next(p for p in cluster.pods("todo", "backend-"))["metadata"]["name"]
    base = f'namespace="todo",pod="{pod}",container="backend"'
    for series in (
        f"container_cpu_usage_seconds_total{{{base},node=",
        f"container_memory_working_set_bytes{{{base},node=",
        f'kube_pod_container_resource_requests{{{base},node="',
        f"kube_pod_container_status_restarts_total{{{base}}} 0",
        f'http_requests_total{{{base},code="200"}}',
        f'http_request_duration_seconds_bucket{{{base},le="+Inf"}}',
        'kube_deployment_status_replicas_available{namespace="todo",deployment="backend"} 2',
    ):
        assert series in text, series
    assert 'resource="cpu",unit="core"} 0.25' in text
    assert "# TYPE http_requests_total counter" in text


def test_history_is_openmetrics_that_promtool_accepts(cluster: Cluster, tmp_path: Path) -> None:
    text = cluster.sim.history(1)
    assert text.endswith("# EOF\n")
    assert "# TYPE container_cpu_usage_seconds counter" in text
    if PROMTOOL is None:
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    source = tmp_path / "history.om"
    source.write_text(text)
    done = subprocess.run(
        [
            PROMTOOL,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            str(source),
            str(tmp_path / "tsdb"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


_SAMPLE = re.compile(r"^(\w+(?:_total|_bucket|_sum|_count))(\{[^}]*\}) (\S+)$", re.M)


def test_counters_and_histogram_buckets_never_shrink_between_scrapes(cluster: Cluster) -> None:
    """Traffic and latency vary from one 15 s stretch to the next; a counter that followed
    the rate of the moment down would read to Prometheus as a restart."""
    seen: dict[str, float] = {}
    shrunk = []
    start = cluster.clock.now()
    while (cluster.clock.now() - start).total_seconds() < 75:  # five noise stretches
        for name, labels, value in _SAMPLE.findall(cluster.sim.prometheus_text()):
            key = name + labels
            if float(value) < seen.get(key, 0.0):
                shrunk.append(f"{key}: {seen[key]} -> {value}")
            seen[key] = float(value)
        cluster.clock.sleep(3)
    assert any(key.startswith("http_request_duration_seconds_bucket") for key in seen)
    assert not shrunk, shrunk[:5]
