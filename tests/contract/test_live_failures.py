"""How the live source behaves when the API server refuses, stalls, fails or is not there."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.live import connect, scan
from kubemedic.errors import ClusterError, NotFound, Unauthorized, Unreachable
from kubemedic.models.findings import ObjectRef

from . import cluster
from .conftest import Sleeps, write_kubeconfig
from .fake_api import FakeApiServer, Reply, status

PODS = "/api/v1/namespaces/shop/pods"


def test_a_named_pod_that_does_not_exist(api: FakeApiServer, kubeconfig: Path) -> None:
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    with pytest.raises(NotFound) as caught:
        scan(client, namespace="shop", target=ObjectRef("Pod", "api-0"))

    assert caught.value.message == 'Pod "api-0" not found in namespace "shop" (context "fake")'
    assert caught.value.hint == "list what exists with: kubectl get pods -n shop --context fake"


@pytest.mark.parametrize(("retry_after", "waited"), [("2", 2.0), ("3600", 10.0)])
def test_too_many_requests_then_success_honours_retry_after(
    api: FakeApiServer, kubeconfig: Path, retry_after: str, waited: float
) -> None:
    api.add(*cluster.shop())
    busy = status(429, "TooManyRequests", "Too many requests, please try again later.")
    api.script(PODS, Reply(429, busy, {"Retry-After": retry_after}))
    sleeps = Sleeps()
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5, sleep=sleeps)

    view = scan(client, namespace="shop").view

    assert len(view.pods) == 2
    assert sleeps.seconds == [waited]  # what the server asked, within kubemedic's bound
    assert api.paths().count(PODS) == 2


def test_server_errors_are_retried_with_backoff_then_reported(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    failing = Reply(500, status(500, "InternalError", "etcdserver: request timed out"))
    api.script(PODS, failing, failing, failing)
    sleeps = Sleeps()
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5, sleep=sleeps)

    with pytest.raises(ClusterError) as caught:
        scan(client, namespace="shop")

    assert str(caught.value) == (
        f"the API server at {api.url} answered HTTP 500 Internal Server Error to GET {PODS} "
        "after 3 tries: etcdserver: request timed out"
    )
    assert sleeps.seconds == [0.5, 1.0]
    assert api.paths().count(PODS) == 3


def test_a_server_that_never_answers_times_out(api: FakeApiServer, kubeconfig: Path) -> None:
    api.script(PODS, Reply(hang=True))
    client = connect(context=None, kubeconfig=kubeconfig, timeout=0.2)

    with pytest.raises(Unreachable) as caught:
        scan(client, namespace="shop")

    assert caught.value.message == (
        f"cannot reach the API server at {api.url}: no answer within 0.2s (read timeout)"
    )
    assert caught.value.hint is not None
    assert "kubectl cluster-info --context fake" in caught.value.hint


def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}"
    kubeconfig = write_kubeconfig(tmp_path / "config", url, {"token": "t"})
    client = connect(context=None, kubeconfig=kubeconfig, timeout=2)

    with pytest.raises(Unreachable) as caught:
        scan(client, namespace="shop")

    assert caught.value.message == f"cannot reach the API server at {url}: connection refused"


def test_unknown_host_names_the_dns_failure(tmp_path: Path) -> None:
    url = "https://api.cluster.invalid:6443"
    kubeconfig = write_kubeconfig(tmp_path / "config", url, {"token": "t"})
    client = connect(context=None, kubeconfig=kubeconfig, timeout=2)

    with pytest.raises(Unreachable) as caught:
        scan(client, namespace="shop")

    assert caught.value.message.startswith(
        f"cannot reach the API server at {url}: DNS lookup of api.cluster.invalid failed"
    )


def test_rejected_credentials_name_the_context(api: FakeApiServer, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config", api.url, {"token": "expired-token"})
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    with pytest.raises(Unauthorized) as caught:
        scan(client, namespace="shop")

    assert caught.value.message.startswith(
        'the API server rejected the credentials of context "fake" (HTTP 401 Unauthorized'
    )
    assert "expired-token" not in str(caught.value)
