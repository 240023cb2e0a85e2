"""RBAC authorization as the API server's RBAC authorizer decides it.

A request is allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace,
binds one of the user's subjects (the user, its groups, or the ServiceAccount it is) to a role
with a rule covering the verb, API group, resource (``pods/log`` for a subresource, ``*/scale``
wildcards), resource name or non-resource URL. Aggregated ClusterRoles collect the rules of
the ClusterRoles their selectors match. Denials carry the real 403 message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemedic.sandbox.apierrors import ForbiddenError
from kubemedic.sandbox.rbac_roles import BUILTIN_CLUSTER_ROLES, builtin_cluster_role_bindings
from kubemedic.sandbox.resources import ResourceType
from kubemedic.sandbox.selectors import SelectorError, matches_selector_object
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """Who a request is from: a user name and its groups."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""

    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when this user is a ServiceAccount."""
        if not self.name.startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        namespace, _, name = self.name[len(SERVICE_ACCOUNT_PREFIX) :].partition(":")
        return (namespace, name) if namespace and name else None


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a request wants to do, as RBAC rules name it."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # a non-resource URL (``/healthz``); then resource is empty

    @property
    def resource_request(self) -> bool:
        return not self.path


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""


@dataclass
class Authorizer:
    """Decides requests against the stored and the bootstrap RBAC objects."""

    store: Store
    viewer: str
    _bindings: Mapping[str, Obj] = field(init=False)

    def __post_init__(self) -> None:
        self._bindings = builtin_cluster_role_bindings(self.viewer)

    def decide(self, user: UserInfo, attributes: Attributes) -> Decision:
        for binding, role_kind, role_name, rules in self._applicable(user, attributes.namespace):
            if any(_rule_allows(rule, attributes) for rule in rules):
                subject = _subject_label(user, binding)
                where = (
                    f'RoleBinding "{binding["metadata"]["name"]}" of {role_kind} "{role_name}"'
                    if binding["kind"] == "RoleBinding"
                    else (
                        f'ClusterRoleBinding "{binding["metadata"]["name"]}" of ClusterRole '
                        f'"{role_name}"'
                    )
                )
                return Decision(True, f"RBAC: allowed by {where} to {subject}")
        return Decision(False)

    def authorize(
        self, user: UserInfo, attributes: Attributes, resource: ResourceType | None
    ) -> None:
        """Raise the real RBAC ``Forbidden`` when ``user`` may not do what ``attributes`` say."""
        if self.decide(user, attributes).allowed:
            return
        raise ForbiddenError(
            resource,
            attributes.name,
            forbidden_message(user, attributes),
            plural="" if resource else _group_resource(attributes),
        )

    def rules_for(self, user: UserInfo, namespace: str) -> list[Obj]:
        """Every rule that applies to ``user`` in ``namespace`` (SelfSubjectRulesReview)."""
        return [rule for _, _, _, rules in self._applicable(user, namespace) for rule in rules]

    # ------------------------------------------------------------------ bindings

    def _applicable(
        self, user: UserInfo, namespace: str
    ) -> Iterator[tuple[Obj, str, str, list[Obj]]]:
        cluster_bindings = {**self._bindings}
        cluster_bindings.update(
            (item["metadata"]["name"], item) for item in self.store.list("ClusterRoleBinding")[0]
        )
        for binding in cluster_bindings.values():
            if _binds(binding, user, ""):
                name = str((binding.get("roleRef") or {}).get("name") or "")
                yield binding, "ClusterRole", name, self._cluster_role_rules(name)
        if not namespace:
            return
        for binding in self.store.list("RoleBinding", namespace)[0]:
            if not _binds(binding, user, namespace):
                continue
            ref = binding.get("roleRef") or {}
            kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
            if kind == "Role":
                role = self.store.try_get("Role", namespace, name)
                yield binding, kind, name, list((role or {}).get("rules") or [])
            else:
                yield binding, "ClusterRole", name, self._cluster_role_rules(name)

    def _cluster_roles(self) -> dict[str, Obj]:
        roles = dict(BUILTIN_CLUSTER_ROLES)
        roles.update((item["metadata"]["name"], item) for item in self.store.list("ClusterRole")[0])
        return roles

    def _cluster_role_rules(self, name: str) -> list[Obj]:
        roles = self._cluster_roles()
        rules: list[Obj] = []
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            role = roles.get(current)
            if role is None or current in seen:
                continue
            seen.add(current)
            rules.extend(role.get("rules") or [])
            selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
            for other_name, other in roles.items():
                labels = other["metadata"].get("labels") or {}
                if any(_selects(selector, labels) for selector in selectors):
                    pending.append(other_name)
        return rules


def _selects(selector: Obj, labels: Mapping[str, str]) -> bool:
    try:
        return bool(selector) and matches_selector_object(selector, labels)
    except SelectorError:
        return False


def _binds(binding: Obj, user: UserInfo, namespace: str) -> bool:
    for subject in binding.get("subjects") or []:
        kind, name = subject.get("kind"), str(subject.get("name") or "")
        if kind == "User" and name == user.name:
            return True
        if kind == "Group" and name in user.groups:
            return True
        if kind == "ServiceAccount":
            subject_namespace = str(subject.get("namespace") or namespace)
            if user.name == f"{SERVICE_ACCOUNT_PREFIX}{subject_namespace}:{name}":
                return True
    return False


def _subject_label(user: UserInfo, binding: Obj) -> str:
    for subject in binding.get("subjects") or []:
        if subject.get("kind") == "Group" and subject.get("name") in user.groups:
            return f'group "{subject.get("name")}"'
    return f'user "{user.name}"'


def _rule_allows(rule: Obj, attributes: Attributes) -> bool:
    verbs = rule.get("verbs") or []
    if "*" not in verbs and attributes.verb not in verbs:
        return False
    if not attributes.resource_request:
        urls = rule.get("nonResourceURLs") or []
        return any(
            url == "*"
            or url == attributes.path
            or (url.endswith("*") and attributes.path.startswith(url[:-1]))
            for url in urls
        )
    groups = rule.get("apiGroups")
    if groups is None or ("*" not in groups and attributes.group not in groups):
        return False
    if not _resource_matches(rule.get("resources") or [], attributes):
        return False
    names = rule.get("resourceNames") or []
    return not names or attributes.name in names


def _resource_matches(resources: list[str], attributes: Attributes) -> bool:
    combined = (
        f"{attributes.resource}/{attributes.subresource}"
        if attributes.subresource
        else attributes.resource
    )
    for resource in resources:
        if resource in ("*", combined):
            return True
        if attributes.subresource and resource == f"*/{attributes.subresource}":
            return True
    return False


def _group_resource(attributes: Attributes) -> str:
    return f"{attributes.resource}.{attributes.group}" if attributes.group else attributes.resource


def forbidden_message(user: UserInfo, attributes: Attributes) -> str:
    """``User "x" cannot list resource "pods" in API group "" in the namespace "ns"``."""
    if not attributes.resource_request:
        return f'User "{user.name}" cannot {attributes.verb} path "{attributes.path}"'
    resource = (
        f"{attributes.resource}/{attributes.subresource}"
        if attributes.subresource
        else attributes.resource
    )
    scope = (
        f'in the namespace "{attributes.namespace}"'
        if attributes.namespace
        else "at the cluster scope"
    )
    return (
        f'User "{user.name}" cannot {attributes.verb} resource "{resource}" in API group '
        f'"{attributes.group}" {scope}'
    )
