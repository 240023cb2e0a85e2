"""cAdvisor's label names differ between clusters; a server without them says what is missing.

Clusters before Kubernetes 1.16 label cAdvisor series ``pod_name``/``container_name``; the
adapter asks the server which it has and reads either. A server without the metrics (or with
their pod and container labels dropped by relabelling) is an error naming each metric and what
was looked for — never an empty "no recommendations".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage
from kubemedic.errors import MetricsError
from kubemedic.models.findings import ObjectRef
from tests.prometheus import shop
from tests.support.prometheus_server import Family, running_prometheus, write_openmetrics

pytestmark = pytest.mark.e2e


def serve(tmp_path_factory: pytest.TempPathFactory, write: str) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("prometheus")
    source = workdir / "history.om"
    if write == "legacy":
        shop.write(source, [c for c in shop.containers() if c.namespace == "shop"], legacy=True)
    else:
        write_openmetrics(source, _without_cadvisor_labels())
    with running_prometheus(source, workdir) as url:
        yield url


def _without_cadvisor_labels() -> list[Family]:
    """CPU series whose pod and container labels were dropped, and no memory at all."""
    times = [float(shop.T0 + 60 * minute) for minute in range(shop.MINUTES + 1)]
    return [
        Family(
            "container_cpu_usage_seconds",
            "counter",
            [({"id": "/kubepods/burstable/pod1234"}, [(at, at - shop.T0) for at in times])],
        ),
    ]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory, "legacy")


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory, "unlabelled")


def test_pod_name_and_container_name_are_read_when_the_server_has_them(legacy: str) -> None:
    with PrometheusClient(legacy) as client:
        source = PrometheusUsage(client)
        usage = source.container_usage(shop.WINDOW, None, shop.owner)
        loads = source.recent_load(shop.WINDOW, ["shop"], shop.owner)

    found = {(u.workload.name, u.container): u for u in usage}
    assert set(found) == {
        ("web", "app"),
        ("web", "sidecar"),
        ("db", "postgres"),
        ("batch", "worker"),
    }
    db = found[("db", "postgres")]
    postgres = next(c for c in shop.containers() if c.pod == shop.DB)
    memory = [
        m for at, m in zip(postgres.times, postgres.memory, strict=True) if at >= shop.T0 + 3600
    ]
    assert (db.memory.max, db.samples, db.pods) == (max(memory), 300, 1)
    # kube-state-metrics keeps pod/container: restarts are still joined to the containers.
    assert (found[("web", "app")].restarts, found[("web", "app")].oom_kills) == (2, 1)
    assert {load.workload for load in loads} == {
        ObjectRef("Deployment", "web", "shop"),
        ObjectRef("StatefulSet", "db", "shop"),
        ObjectRef("Deployment", "batch", "shop"),
    }


def test_missing_metrics_and_labels_are_named_with_what_was_tried(unlabelled: str) -> None:
    with PrometheusClient(unlabelled) as client, pytest.raises(MetricsError) as caught:
        PrometheusUsage(client).container_usage(shop.WINDOW, ["shop"], shop.owner)

    error = caught.value
    assert error.exit_code == 7
    assert error.message == (
        f"Prometheus at {unlabelled} lacks the cAdvisor metrics kubemedic reads: "
        "container_cpu_usage_seconds_total has no pod and container labels (tried "
        "pod/container, then pod_name/container_name; it has __name__, id); "
        "container_memory_working_set_bytes has no series between 2023-11-15T00:00:00Z and "
        "2023-11-15T05:00:00Z (looked for labels pod/container, then pod_name/container_name)"
    )
    assert "/metrics/cadvisor" in str(error.hint)
