"""A server that is not a Kubernetes API server is said to be one it is not, never "no problems".

A wrong URL in the kubeconfig, a proxy path or a plain web server answers 404 (or something
other than a list) where every API server lists pods. Read as "no pods", that would pass
``--fail-on high`` green; it must be exit 3 with a message naming the URL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.live import connect, scan
from kubemedic.cli.app import run
from kubemedic.errors import ClusterError, NotFound

from . import cluster
from .conftest import write_kubeconfig
from .fake_api import FakeApiServer, Reply

PODS = "/api/v1/namespaces/shop/pods"


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: what it answers is what the tests read."""


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    """Python's own static file server over an empty directory: 404 for every API path."""
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli(*args)``: the real command line, free of the developer's own settings."""
    for name in list(os.environ):
        if name.upper().startswith("KUBEMEDIC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))

    def invoke(*args: str | Path) -> tuple[int, str, str]:
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_a_plain_web_server_is_not_a_kubernetes_api_server(web_server: str, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", web_server, {"token": "t"})
    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)

    with pytest.raises(ClusterError) as caught:
        scan(client, namespace="shop")

    assert caught.value.exit_code == 3
    assert caught.value.message == (
        f"the server at {web_server} is not a Kubernetes API server: it answered HTTP 404 Not "
        f"Found to GET {web_server}{PODS}"
    )
    assert caught.value.hint is not None
    assert "kubectl config view --minify --context fake" in caught.value.hint


def test_fail_on_high_fails_against_a_web_server_instead_of_passing_green(
    web_server: str, tmp_path: Path, cli: Any
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", web_server, {"token": "t"})

    code, out, err = cli("diagnose", "--kubeconfig", kubeconfig, "--fail-on", "high")

    assert code == 3
    assert out == ""
    assert err.startswith(f"error: the server at {web_server} is not a Kubernetes API server")
    assert "No problems found" not in out + err


def test_a_named_pod_on_a_web_server_is_not_reported_missing(
    web_server: str, tmp_path: Path, cli: Any
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", web_server, {"token": "t"})

    code, _, err = cli("diagnose", "po/api-0", "--kubeconfig", kubeconfig)

    assert code == 3
    assert "is not a Kubernetes API server" in err
    assert f"GET {web_server}{PODS}/api-0" in err
    assert 'Pod "api-0" not found' not in err


def test_a_wrong_path_in_front_of_a_real_api_server(api: FakeApiServer, tmp_path: Path) -> None:
    api.add(*cluster.shop())
    wrong = f"{api.url}/k8s/clusters/c-m-abc"  # a proxy's path, pointing at nothing
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", wrong, {"token": api.token})

    with pytest.raises(ClusterError) as caught:
        scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop")

    assert not isinstance(caught.value, NotFound)
    assert caught.value.message.startswith(f"the server at {wrong} is not a Kubernetes API server")
    assert f"GET {wrong}{PODS}" in caught.value.message


def test_a_server_answering_something_else_than_a_pod_list(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.add(*cluster.shop())
    api.script(PODS, Reply(200, {"status": "ok", "version": "2.4.1"}))  # a health endpoint

    with pytest.raises(ClusterError) as caught:
        scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop")

    assert caught.value.message == (
        f"the server at {api.url} is not a Kubernetes API server: it answered a JSON object "
        f"that is not a list of pods to GET {api.url}{PODS}"
    )
