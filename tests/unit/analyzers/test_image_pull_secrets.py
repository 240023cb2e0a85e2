"""Pull secrets checked the way the kubelet uses them, from names, types and key names only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers._image_ref import parse_image
from kubemedic.analyzers._pull_secrets import PullSecretReport, check_pull_secrets
from kubemedic.models.cluster import ClusterView

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
# base64 of {"auths":{"ghcr.io":{"auth":"dXNlcjp0b2tlbg=="}}}: must never reach the output
DOCKER_CONFIG = "eyJhdXRocyI6eyJnaGNyLmlvIjp7ImF1dGgiOiJkWE5sY2pwMGIydGxiZz09In19fQ=="


def _pod(secrets: list[str], account: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api-1", "namespace": "shop", "uid": "u-1"},
        "spec": {
            "serviceAccountName": account,
            "imagePullSecrets": [{"name": n} for n in secrets],
            "containers": [{"name": "api", "image": "ghcr.io/acme/api:1.0"}],
        },
    }


def _secret(name: str, type_: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "shop"},
        "type": type_,
        "data": data,
    }


def _check(objects: list[dict[str, Any]], *, listed: bool = True) -> PullSecretReport:
    view = ClusterView(
        objects,
        observed_at=NOW,
        source="test",
        listed=[("Secret", "shop")] if listed else [],
    )
    return check_pull_secrets(view, view.pods[0], parse_image("ghcr.io/acme/api:1.0"))


def test_a_missing_secret_is_missing_only_when_secrets_were_listed() -> None:
    report = _check([_pod(["ghcr-secret"])], listed=True)
    assert report.missing == ("ghcr-secret",)
    report = _check([_pod(["ghcr-secret"])], listed=False)
    assert report.missing == ()


def test_a_missing_secret_points_at_registry_secrets_that_do_exist() -> None:
    pull = _secret("ghcr-pull", "kubernetes.io/dockerconfigjson", {".dockerconfigjson": ""})
    other = _secret("db", "Opaque", {"password": ""})
    report = _check([_pod(["ghcr-secret"]), pull, other])
    assert report.alternatives == ("ghcr-pull",)
    assert any("ghcr-pull" in p for p in report.problems)


def test_an_opaque_secret_is_ignored_by_the_kubelet() -> None:
    secret = _secret("harbor-robot", "Opaque", {".dockerconfigjson": DOCKER_CONFIG})
    report = _check([_pod(["harbor-robot"]), secret])
    assert report.unusable == ("harbor-robot",)
    assert report.usable == ()
    assert "type Opaque" in report.problems[0]


def test_a_docker_secret_without_its_key_holds_no_credentials() -> None:
    secret = _secret("regcred", "kubernetes.io/dockerconfigjson", {"config.json": ""})
    report = _check([_pod(["regcred"]), secret])
    assert report.unusable == ("regcred",)
    assert "no .dockerconfigjson key" in report.problems[0]


def test_a_secret_named_after_another_registry_is_flagged_as_a_hint() -> None:
    secret = _secret("quay-pull", "kubernetes.io/dockerconfigjson", {".dockerconfigjson": ""})
    report = _check([_pod(["quay-pull"]), secret])
    assert report.usable == ("quay-pull",)
    assert report.problems == (
        "pull secret quay-pull is named after quay.io while the image is on ghcr.io: check that "
        "it holds credentials for ghcr.io",
    )


def test_service_account_secrets_added_after_the_pod_are_not_used() -> None:
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "api", "namespace": "shop"},
        "imagePullSecrets": [{"name": "ghcr-pull"}],
    }
    report = _check([_pod([], account="api"), account])
    assert report.service_account_only == ("ghcr-pull",)
    assert "added after this pod was created" in report.problems[0]


def test_secret_values_never_reach_the_evidence() -> None:
    secret = _secret(
        "ghcr-pull", "kubernetes.io/dockerconfigjson", {".dockerconfigjson": DOCKER_CONFIG}
    )
    report = _check([_pod(["ghcr-pull"]), secret])
    text = " ".join([*report.problems, *(f"{e.fact} {e.location}" for e in report.evidence)])
    assert "data keys: .dockerconfigjson" in text
    assert DOCKER_CONFIG not in text
    assert "dXNlcjp0b2tlbg" not in text
