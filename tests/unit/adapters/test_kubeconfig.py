"""Inside a pod with no kubeconfig, kubemedic uses the pod's service account like kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.kubeconfig import resolve
from kubemedic.errors import ConfigError

IN_CLUSTER = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


@pytest.fixture
def no_home_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def mounted(tmp_path: Path) -> Path:
    """What the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    (folder / "token").write_text("eyJhbGciOiJSUzI1NiIsImtpZCI6InNhLXRva2VuIn0.payload.sig")
    (folder / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    (folder / "namespace").write_text("monitoring")
    return folder


@pytest.mark.usefixtures("no_home_kubeconfig")
def test_service_account_in_a_pod(mounted: Path) -> None:
    config = resolve(context=None, kubeconfig=None, environ=IN_CLUSTER, service_account=mounted)

    assert config.host == "https://10.96.0.1:443"
    assert config.namespace == "monitoring"
    assert config.context is None
    assert config.identity == "the in-cluster service account"
    assert (
        config.authorization() == "bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InNhLXRva2VuIn0.payload.sig"
    )


@pytest.mark.usefixtures("no_home_kubeconfig")
def test_a_kubeconfig_wins_over_the_service_account(mounted: Path, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
        "clusters:\n- name: dev\n  cluster:\n    server: https://dev.example.com:6443\n"
        "users:\n- name: me\n  user:\n    token: abc\n"
        "contexts:\n- name: dev\n  context:\n    cluster: dev\n    user: me\n"
    )
    environ = IN_CLUSTER | {"KUBECONFIG": str(kubeconfig)}

    config = resolve(context=None, kubeconfig=None, environ=environ, service_account=mounted)

    assert config.host == "https://dev.example.com:6443"
    assert config.namespace == "default"
    assert config.context == "dev"


@pytest.mark.usefixtures("no_home_kubeconfig")
def test_service_account_without_its_token(mounted: Path) -> None:
    (mounted / "token").unlink()

    with pytest.raises(ConfigError) as caught:
        resolve(context=None, kubeconfig=None, environ=IN_CLUSTER, service_account=mounted)

    assert "cannot use the in-cluster service account" in str(caught.value)


def test_a_missing_kubeconfig_flag_is_not_silently_replaced(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(context=None, kubeconfig=tmp_path / "nope", environ=IN_CLUSTER)

    assert str(caught.value) == f"kubeconfig {tmp_path / 'nope'} does not exist"
