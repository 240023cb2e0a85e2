"""Secrets hygiene: env vars, credentials in clear, unused Secrets; never a value."""

from __future__ import annotations

import json

import pytest

from kubemedic.checks import secrets
from kubemedic.checks._sensitive import literal_credential
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import AuditOptions

from .builders import MANIFESTS, container, deployment, ids, obj, view

PLANTED = "PLANTED-value-4kq9"


def _env(*entries: dict[str, object], **fields: object) -> dict[str, object]:
    return deployment("web", containers=[container(env=list(entries), **fields)])


def test_secret_env_vars_are_reported_with_a_patch_that_mounts_the_secret_instead() -> None:
    web = _env(
        {"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
        {"name": "LOG_LEVEL", "value": "info"},
        envFrom=[{"secretRef": {"name": "api"}}, {"configMapRef": {"name": "settings"}}],
    )
    [finding] = [f for f in secrets.run(view(web), MANIFESTS) if f.id == "KM-SEC-SECRET-IN-ENV"]
    assert [e.location for e in finding.evidence] == [
        "Deployment shop/web spec.template.spec.containers[app].env[DB_URL].valueFrom.secretKeyRef",
        "Deployment shop/web spec.template.spec.containers[app].envFrom[0].secretRef",
    ]
    assert set(finding.related) == {
        ObjectRef("Secret", "db", "shop"),
        ObjectRef("Secret", "api", "shop"),
    }
    body = json.loads(finding.fix.commands[0].split(" -p ", 1)[1].strip("'"))
    pod = body["spec"]["template"]["spec"]
    assert pod["volumes"] == [
        {"name": "secret-db", "secret": {"secretName": "db"}},
        {"name": "secret-api", "secret": {"secretName": "api"}},
    ]
    [app] = pod["containers"]
    assert app["env"] == [{"name": "DB_URL", "$patch": "delete"}]
    assert app["envFrom"] == [{"configMapRef": {"name": "settings"}}]


def test_a_credential_written_in_clear_is_reported_by_name_and_length_only() -> None:
    web = _env({"name": "API_TOKEN", "value": PLANTED}, {"name": "TOKEN_FILE", "value": "/run/t"})
    [finding] = [f for f in secrets.run(view(web), MANIFESTS) if f.id == "KM-SEC-CREDENTIAL-IN-ENV"]
    assert finding.severity.value == "high"
    [evidence] = finding.evidence
    assert f"({len(PLANTED)} characters, not shown)" in evidence.fact
    assert PLANTED not in repr(finding)


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        ("POSTGRES_PASSWORD", "hunter2", True),
        ("SESSION_KEY", "abc123def", True),
        ("CONFIG", "-----BEGIN OPENSSH PRIVATE KEY-----\nxyz", True),
        ("BACKEND", "postgresql://app:s3cret@db:5432/app", True),
        ("AWS_ID", "AKIAIOSFODNN7EXAMPLE", True),
        ("TOKEN_FILE", "/var/run/secrets/token", False),
        ("SECRET_NAME", "db-credentials", False),
        ("ENABLE_TOKEN_AUTH", "true", False),
        ("PASSWORD_MIN_LENGTH", "12", False),
        ("DB_PASSWORD", "$(PASSWORD_FROM_VAULT)", False),
        ("MONKEY", "banana", False),
        ("BACKEND", "http://backend:8080", False),
    ],
)
def test_what_looks_like_a_credential(name: str, value: str, flagged: bool) -> None:
    assert (literal_credential(name, value) is not None) is flagged


def test_credentials_in_a_configmap_are_named_by_key_never_shown() -> None:
    settings = obj(
        "ConfigMap",
        "web-settings",
        data={
            "log-level": "debug",
            "smtp-password": PLANTED,
            "ca.crt": "-----BEGIN CERTIFICATE-----",
        },
    )
    root_ca = obj("ConfigMap", "kube-root-ca.crt", data={"ca.crt": "-----BEGIN CERTIFICATE-----"})
    [finding] = secrets.run(view(settings, root_ca), MANIFESTS)
    assert finding.id == "KM-SEC-CREDENTIAL-IN-CONFIGMAP"
    assert finding.summary.endswith("smtp-password")
    assert PLANTED not in repr(finding)
    assert '"path":"/data/smtp-password"' in finding.fix.commands[1]


def test_unused_secrets_are_reported_except_those_something_refers_to_or_manages() -> None:
    used_by_pod = deployment(
        "web",
        volumes=[{"name": "tls", "secret": {"secretName": "web-tls"}}],
        imagePullSecrets=[{"name": "registry"}],
    )
    ingress = obj(
        "Ingress", "web", api="networking.k8s.io/v1", spec={"tls": [{"secretName": "ingress-tls"}]}
    )
    reader = obj(
        "Role",
        "app",
        api="rbac.authorization.k8s.io/v1",
        rules=[{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["app-state"],
                "verbs": ["get"]}],
    )  # fmt: skip
    objects = [
        used_by_pod,
        ingress,
        reader,
        *(obj("Secret", name, type="Opaque", data={"k": "dg=="}) for name in
          ("web-tls", "registry", "ingress-tls", "app-state", "forgotten")),
        obj("Secret", "sa-token", type="kubernetes.io/service-account-token"),
        obj("Secret", "sh.helm.release.v1.web.v3", type="helm.sh/release.v1"),
    ]  # fmt: skip
    findings = list(secrets.run(view(*objects), MANIFESTS))
    assert [(f.id, f.object.name) for f in findings] == [("KM-SEC-SECRET-UNUSED", "forgotten")]
    assert "keys: k" in findings[0].evidence[1].fact


def test_unused_secrets_are_not_judged_when_the_pods_were_not_read() -> None:
    forgotten = obj("Secret", "forgotten", type="Opaque")
    assert list(secrets.run(view(forgotten), AuditOptions())) == []
    listed = view(forgotten, listed=[("Pod", "shop")])
    assert ids(secrets.run(listed, AuditOptions())) == ["KM-SEC-SECRET-UNUSED"]
