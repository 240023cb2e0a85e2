"""ConfigMap and Secret references read from a pod spec, kubelet messages parsed, fixes patched."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers._config_fixes import missing_key_fix, missing_object_fix
from kubemedic.analyzers._config_index import ConfigIndex, stand_in
from kubemedic.analyzers._config_refs import (
    ReportedMissing,
    closest,
    parse_config_error,
    pod_config_refs,
)
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Pod

DEPLOYMENT = ObjectRef("Deployment", "api", "shop")
POD = Pod(
    {
        "kind": "Pod",
        "metadata": {"name": "api-1", "namespace": "shop"},
        "spec": {
            "initContainers": [
                {
                    "name": "migrate",
                    "env": [
                        {
                            "name": "DB_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "db", "key": "DB_PASSWORD"}},
                        }
                    ],
                }
            ],
            "containers": [
                {
                    "name": "api",
                    "envFrom": [
                        {"configMapRef": {"name": "app-config"}},
                        {"secretRef": {"name": "api-keys", "optional": True}},
                    ],
                    "env": [{"name": "PORT", "value": "8080"}],
                    "volumeMounts": [{"name": "certs", "mountPath": "/tls"}],
                }
            ],
            "volumes": [
                {"name": "certs", "secret": {"secretName": "api-tls"}},
                {
                    "name": "settings",
                    "configMap": {"name": "settings", "items": [{"key": "a.json", "path": "a"}]},
                },
                {
                    "name": "kube-api-access",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"path": "token"}},
                            {"configMap": {"name": "kube-root-ca.crt"}},
                        ]
                    },
                },
            ],
        },
    }
)


def _refs() -> dict[str, Any]:
    return {f"{r.kind}/{r.name}/{r.key}": r for r in pod_config_refs(POD)}


def test_every_reference_is_found_with_where_it_is_read() -> None:
    refs = _refs()
    assert set(refs) == {
        "Secret/db/DB_PASSWORD",
        "ConfigMap/app-config/None",
        "Secret/api-keys/None",
        "Secret/api-tls/None",
        "ConfigMap/settings/a.json",
        "ConfigMap/kube-root-ca.crt/None",
    }
    assert refs["Secret/db/DB_PASSWORD"].usage == "env DB_PASSWORD of container migrate"
    assert refs["Secret/db/DB_PASSWORD"].path == (
        "spec.initContainers[migrate].env[DB_PASSWORD].valueFrom.secretKeyRef"
    )
    assert refs["Secret/api-tls/None"].usage == "volume certs (mounted by api at /tls)"
    assert refs["Secret/api-tls/None"].readers == ("api",)
    assert refs["Secret/api-keys/None"].optional
    assert not refs["ConfigMap/app-config/None"].optional


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ('configmap "app-config" not found', [ReportedMissing("ConfigMap", "app-config", None)]),
        ('Error: secret "db-secret" not found', [ReportedMissing("Secret", "db-secret", None)]),
        (
            "couldn't find key DB_PASSWORD in Secret shop/db-secret",
            [ReportedMissing("Secret", "db-secret", "DB_PASSWORD")],
        ),
        (
            "couldn't find key log_level in ConfigMap s12/app-config",
            [ReportedMissing("ConfigMap", "app-config", "log_level")],
        ),
        (
            'MountVolume.SetUp failed for volume "certs" : secret "tls" not found',
            [ReportedMissing("Secret", "tls", None, "certs")],
        ),
        (
            'MountVolume.SetUp failed for volume "conf" : configmap references non-existent '
            "config key: nginx.conf",
            [ReportedMissing("ConfigMap", "", "nginx.conf", "conf")],
        ),
        (
            'MountVolume.SetUp failed for volume "gcp-sa" : references non-existent secret key: '
            "CHATBOT_SA",
            [ReportedMissing("Secret", "", "CHATBOT_SA", "gcp-sa")],
        ),
        ('MountVolume.SetUp failed for volume "kube-api-access-x" : object "shop"/'
         '"kube-root-ca.crt" not registered', []),
        ('persistentvolumeclaim "data" not found', []),
        ('serviceaccount "builder" not found', []),
    ],
)  # fmt: skip
def test_parse_config_error_reads_every_kubelet_wording(
    message: str, found: list[ReportedMissing]
) -> None:
    assert list(parse_config_error(message)) == found


@pytest.mark.parametrize(
    ("wanted", "candidates", "match"),
    [
        ("log_level", ["LOG_LEVEL", "SMTP_HOST"], "LOG_LEVEL"),
        ("DB_PASSWORD", ["db-password", "db-user"], "db-password"),
        ("app-config", ["app-config-7g8k2m9h4t", "app-settings"], "app-config-7g8k2m9h4t"),
        ("redis-conf", ["redis-config"], "redis-config"),
        ("grafana-datasources", ["grafana-dashboards"], None),
        ("DB_PASSWORD", [], None),
    ],
)
def test_closest_prefers_case_and_separator_twins_then_generated_names(
    wanted: str, candidates: list[str], match: str | None
) -> None:
    assert closest(wanted, candidates, cutoff=0.85) == match


def _patch_body(command: str) -> Any:
    return json.loads(shlex.split(command)[-1])


def test_renaming_an_envfrom_reference_keeps_the_other_entries() -> None:
    users = [r for r in pod_config_refs(POD) if r.name == "app-config"]
    fix = missing_object_fix(DEPLOYMENT, "ConfigMap", "app-config", users, "app-config-7g8k2m")
    (command,) = fix.commands  # the other ways out are alternatives, written as steps
    create = "kubectl create configmap app-config -n shop --from-env-file=<path>"
    assert any(step.endswith(create) for step in fix.steps)
    container = _patch_body(command)["spec"]["template"]["spec"]["containers"][0]
    assert container == {
        "name": "api",
        "envFrom": [
            {"configMapRef": {"name": "app-config-7g8k2m"}},
            {"secretRef": {"name": "api-keys", "optional": True}},
        ],
    }


def test_renaming_a_secret_volume_sets_secret_name() -> None:
    users = [r for r in pod_config_refs(POD) if r.name == "api-tls"]
    fix = missing_object_fix(DEPLOYMENT, "Secret", "api-tls", users, "api-tls-v2")
    (command,) = fix.commands
    create = "kubectl create secret generic api-tls -n shop --from-file=<path>"
    assert any(step.endswith(create) for step in fix.steps)
    volumes = _patch_body(command)["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "certs", "secret": {"secretName": "api-tls-v2"}}]


def test_rekeying_a_volume_item_rewrites_only_that_item() -> None:
    users = [r for r in pod_config_refs(POD) if r.name == "settings"]
    fix = missing_key_fix(DEPLOYMENT, "ConfigMap", "settings", "a.json", users, "A.json")
    (command,) = fix.commands  # the workload's own reference first; the key as the alternative
    add = (
        'kubectl patch configmap settings -n shop --type merge -p \'{"data":{"a.json":"<value>"}}\''
    )
    assert any(step.endswith(add) for step in fix.steps)
    volumes = _patch_body(command)["spec"]["template"]["spec"]["volumes"]
    assert volumes == [
        {
            "name": "settings",
            "configMap": {"name": "settings", "items": [{"key": "A.json", "path": "a"}]},
        }
    ]


def test_a_missing_secret_key_is_added_with_a_placeholder_never_a_value() -> None:
    users = [r for r in pod_config_refs(POD) if r.name == "db"]
    fix = missing_key_fix(DEPLOYMENT, "Secret", "db", "DB_PASSWORD", users, "db-password")
    added = fix.steps[-1].rsplit(": ", 1)[1]
    assert _patch_body(added) == {"stringData": {"DB_PASSWORD": "<value>"}}
    without = missing_key_fix(DEPLOYMENT, "Secret", "db", "DB_PASSWORD", users, None)
    assert _patch_body(without.commands[0]) == {"stringData": {"DB_PASSWORD": "<value>"}}
    init = _patch_body(fix.commands[0])["spec"]["template"]["spec"]["initContainers"][0]
    assert init["env"] == [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "db-password"}}}
    ]


def _secret(name: str, *keys: str, type_: str = "Opaque") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "shop"},
        "type": type_,
        "data": dict.fromkeys(keys, "ZHVtbXk="),
    }


def _index(*secrets: dict[str, Any]) -> ConfigIndex:
    return ConfigIndex(
        ClusterView(secrets, observed_at=datetime(2025, 1, 1, tzinfo=UTC), source="")
    )


@pytest.mark.parametrize(
    ("secrets", "keys", "intended"),
    [
        # the only Secret holding every key read, whatever its name
        ([_secret("db-credentials", "username", "password"), _secret("tls", "tls.crt")],
         ["username", "password"], "db-credentials"),
        # a similar name that holds the keys beats an unrelated holder
        ([_secret("database-secrets", "password"), _secret("pg", "password")],
         ["password"], "database-secrets"),
        # a similar name lacking a key would fail the same way: the holder is meant
        ([_secret("database-secrets", "user"), _secret("pg", "user", "password")],
         ["user", "password"], "pg"),
        # two holders: nothing to pick between them
        ([_secret("pg-a", "password"), _secret("pg-b", "password")], ["password"], None),
        # service-account tokens and Helm release records are never what an app meant
        ([_secret("default-token-x", "token", type_="kubernetes.io/service-account-token")],
         ["token"], None),
    ],
)  # fmt: skip
def test_stand_in_is_the_object_holding_every_key_read(
    secrets: list[dict[str, Any]], keys: list[str], intended: str | None
) -> None:
    assert stand_in(_index(*secrets), "Secret", "shop", "database-secret", keys).name == intended


def test_stand_in_names_what_a_lookalike_lacks_and_lists_ambiguous_holders() -> None:
    index = _index(
        _secret("database-secrets", "user"), _secret("a", "password"), _secret("b", "password")
    )
    note = stand_in(index, "Secret", "shop", "database-secret", ["password"]).note
    assert "Secrets a, b in shop each hold every key read from database-secret" in note
    assert "database-secrets has a similar name but lacks key password" in note


def _env_pod(kind_ref: str, key: str) -> Pod:
    source = {"name": "settings", "key": key}
    env = {"name": key.upper(), "valueFrom": {kind_ref: source}}
    return Pod(
        {
            "kind": "Pod",
            "metadata": {"name": "api-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "api", "env": [env]}]},
        }
    )


@pytest.mark.parametrize(
    ("kind_ref", "kind", "key", "offers_optional"),
    [
        ("secretKeyRef", "Secret", "username", False),
        ("configMapKeyRef", "ConfigMap", "api_token", False),
        ("configMapKeyRef", "ConfigMap", "log_level", True),
    ],
)
def test_optional_is_never_offered_for_credentials(
    kind_ref: str, kind: str, key: str, offers_optional: bool
) -> None:
    users = pod_config_refs(_env_pod(kind_ref, key))
    fix = missing_object_fix(DEPLOYMENT, kind, "settings", users, None)
    assert any('"optional":true' in c for c in fix.steps) is offers_optional
    assert not any('"optional":true' in c for c in fix.commands)  # an alternative, not a step
    warned = any(s.startswith("Do not mark the reference optional") for s in fix.steps)
    assert warned is not offers_optional
