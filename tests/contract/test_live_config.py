"""Choosing the cluster and credentials: contexts, KUBECONFIG, exec plugins, TLS."""

from __future__ import annotations

import datetime
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubemedic.adapters.kubernetes.live import connect, scan
from kubemedic.errors import ConfigError, Unreachable

from . import cluster
from .conftest import write_kubeconfig
from .fake_api import FakeApiServer

EXEC_TOKEN = "exec-issued-token-1"


def _exec_user(script: Path) -> dict[str, object]:
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(script)],
            "interactiveMode": "Never",
        }
    }


def test_exec_credential_plugin_token_is_used(api: FakeApiServer, tmp_path: Path) -> None:
    api.token = EXEC_TOKEN
    api.add(*cluster.shop())
    plugin = tmp_path / "credential-plugin.py"
    plugin.write_text(
        "import json\n"
        "print(json.dumps({\n"
        '    "apiVersion": "client.authentication.k8s.io/v1",\n'
        '    "kind": "ExecCredential",\n'
        f'    "status": {{"token": "{EXEC_TOKEN}",\n'
        '               "expirationTimestamp": "2099-01-01T00:00:00Z"},\n'
        "}))\n"
    )
    kubeconfig = write_kubeconfig(tmp_path / "config", api.url, _exec_user(plugin))

    view = scan(connect(context=None, kubeconfig=kubeconfig, timeout=5), namespace="shop").view

    assert len(view.pods) == 2
    assert {r.authorization for r in api.received} == {f"Bearer {EXEC_TOKEN}"}


def test_a_failing_exec_plugin_is_a_config_error(api: FakeApiServer, tmp_path: Path) -> None:
    plugin = tmp_path / "credential-plugin.py"
    plugin.write_text("import sys\nsys.exit('error: the SSO session has expired')\n")
    kubeconfig = write_kubeconfig(tmp_path / "config", api.url, _exec_user(plugin))

    with pytest.raises(ConfigError) as caught:
        connect(context=None, kubeconfig=kubeconfig, timeout=5)

    assert f'the credential plugin "{sys.executable}" of context "fake" failed' in str(caught.value)
    assert "the SSO session has expired" in str(caught.value)
    assert not api.received


def test_context_is_chosen_by_name_and_brings_its_namespace(
    api: FakeApiServer, tmp_path: Path
) -> None:
    api.add(*cluster.shop())
    path = write_kubeconfig(tmp_path / "config", "http://127.0.0.1:9", {"token": "t"})
    config = yaml.safe_load(path.read_text())
    config["clusters"].append({"name": "local", "cluster": {"server": api.url}})
    config["users"].append({"name": "local-reader", "user": {"token": api.token}})
    config["contexts"].append(
        {
            "name": "local",
            "context": {"cluster": "local", "user": "local-reader", "namespace": "other"},
        }
    )
    path.write_text(yaml.safe_dump(config))

    result = scan(connect(context="local", kubeconfig=path, timeout=5), namespace=None)

    assert result.view.namespaces == ("other",)
    assert [p.name for p in result.view.pods] == ["web-1"]


def test_an_unknown_context_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", "https://10.0.0.1:6443", {"token": "t"})

    with pytest.raises(ConfigError) as caught:
        connect(context="prod", kubeconfig=path, timeout=5)

    assert str(caught.value) == (
        f'context "prod" is not in kubeconfig {path}\nHint: available contexts: fake'
    )


def test_kubeconfig_env_variable_merges_files(
    api: FakeApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.add(*cluster.shop())
    first = write_kubeconfig(tmp_path / "a", api.url, {"token": api.token})
    second = tmp_path / "b"
    second.write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "fake"})
    )
    monkeypatch.setenv("KUBECONFIG", f"{second}:{tmp_path / 'missing'}:{first}")

    view = scan(connect(context=None, kubeconfig=None, timeout=5), namespace=None).view

    assert len(view.pods) == 2


def test_no_kubeconfig_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)

    with pytest.raises(ConfigError) as caught:
        connect(context=None, kubeconfig=None, timeout=5, environ={})

    assert f"no kubeconfig found (looked at {tmp_path}/.kube/config)" in str(caught.value)
    assert "--from-file" in str(caught.value)


def test_a_kubeconfig_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("clusters: [\n")

    with pytest.raises(ConfigError) as caught:
        connect(context=None, kubeconfig=path, timeout=5)

    assert str(caught.value).startswith(f"kubeconfig {path} is not valid YAML")


@pytest.fixture
def tls_api(tmp_path: Path) -> Iterator[tuple[FakeApiServer, bytes]]:
    """The fake API over HTTPS with a freshly made CA, as a real API server is reached."""
    ca_pem, cert_pem, key_pem = _certificates()
    (tmp_path / "tls.crt").write_bytes(cert_pem + ca_pem)
    (tmp_path / "tls.key").write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    server = FakeApiServer()
    server.start(tls=context)
    yield server, ca_pem
    server.stop()


def test_tls_with_the_kubeconfig_certificate_authority(
    tls_api: tuple[FakeApiServer, bytes], tmp_path: Path
) -> None:
    import base64

    api, ca_pem = tls_api
    api.add(*cluster.shop())
    ca_data = base64.b64encode(ca_pem).decode()
    path = write_kubeconfig(
        tmp_path / "config",
        api.url,
        {"token": api.token},
        cluster={"certificate-authority-data": ca_data},
    )

    view = scan(connect(context=None, kubeconfig=path, timeout=5), namespace="shop").view

    assert len(view.pods) == 2


def test_tls_verification_failure_is_named(
    tls_api: tuple[FakeApiServer, bytes], tmp_path: Path
) -> None:
    api, _ = tls_api
    path = write_kubeconfig(tmp_path / "config", api.url, {"token": api.token})

    with pytest.raises(Unreachable) as caught:
        scan(connect(context=None, kubeconfig=path, timeout=5), namespace="shop")

    assert caught.value.message.startswith(
        f"cannot reach the API server at {api.url}: TLS certificate verification failed"
    )
    assert caught.value.hint is not None
    assert "certificate-authority" in caught.value.hint


def _certificates() -> tuple[bytes, bytes, bytes]:
    """A CA and a serving certificate for 127.0.0.1 signed by it (PEM), as the sandbox makes."""
    from kubemedic.sandbox.tls import generate

    serving = generate(datetime.datetime.now(tz=datetime.UTC), hosts=("127.0.0.1",))
    return serving.ca_pem, serving.cert_pem, serving.key_pem
