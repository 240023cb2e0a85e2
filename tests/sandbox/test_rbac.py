"""RBAC rule matching: subresources, wildcards, resource names and ServiceAccount subjects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.sandbox.rbac import Attributes, Authorizer, UserInfo
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io/v1"
ROBOT = UserInfo("system:serviceaccount:todo:robot", ("system:serviceaccounts",))


@pytest.fixture
def store() -> Store:
    store = Store(lambda: datetime(2024, 11, 20, tzinfo=UTC))
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "todo"}})
    return store


def grant(store: Store, rules: list[Obj]) -> Authorizer:
    meta = {"name": "r", "namespace": "todo"}
    store.create({"apiVersion": RBAC, "kind": "Role", "metadata": meta, "rules": rules})
    store.create(
        {
            "apiVersion": RBAC,
            "kind": "RoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "robot"}],
        }
    )
    return Authorizer(store, "viewer")


def allowed(authorizer: Authorizer, verb: str, resource: str, **fields: str) -> bool:
    plural, _, sub = resource.partition("/")
    attributes = Attributes(verb, fields.pop("group", ""), plural, sub, "todo", **fields)
    return authorizer.decide(ROBOT, attributes).allowed


def test_a_subresource_needs_its_own_rule_or_a_star_prefix(store: Store) -> None:
    authorizer = grant(
        store,
        [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
            {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update"]},
        ],
    )
    assert allowed(authorizer, "get", "pods")
    assert not allowed(authorizer, "get", "pods/log")
    assert allowed(authorizer, "update", "deployments/scale", group="apps")
    assert not allowed(authorizer, "update", "deployments", group="apps")


def test_resource_names_restrict_to_those_objects(store: Store) -> None:
    authorizer = grant(
        store,
        [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["*"]}],
    )
    assert allowed(authorizer, "delete", "configmaps", name="a")
    assert not allowed(authorizer, "delete", "configmaps", name="b")
    assert not allowed(authorizer, "list", "configmaps")


def test_a_role_binding_names_a_service_account_in_its_own_namespace(store: Store) -> None:
    authorizer = grant(store, [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["list"]}])
    other = UserInfo("system:serviceaccount:other:robot")
    attributes = Attributes("list", "", "pods", namespace="todo")
    assert authorizer.decide(ROBOT, attributes).allowed
    assert not authorizer.decide(other, attributes).allowed
    assert 'RoleBinding "r" of Role "r"' in authorizer.decide(ROBOT, attributes).reason
