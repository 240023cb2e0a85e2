"""The bootstrap ClusterRoles and ClusterRoleBindings every Kubernetes API server starts with.

A real cluster creates ``cluster-admin``, ``admin``, ``edit``, ``view`` (the last three
aggregated from ClusterRoles labelled ``rbac.authorization.k8s.io/aggregate-to-<role>``) and
``system:basic-user``; the sandbox's two tokens are bound like users of a real cluster: the
admin is in ``system:masters`` and the viewer holds ``view`` plus read access to the
cluster-scoped kinds. They are built in rather than stored, so a stored object of the same
name takes their place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.sandbox.resources import RESOURCES

Obj = dict[str, Any]
RBAC_GROUP = "rbac.authorization.k8s.io"
MASTERS_GROUP = "system:masters"
AUTHENTICATED_GROUP = "system:authenticated"
VIEWER_ROLE = "kubemedic:viewer"
_READ = ["get", "list", "watch"]
_WRITE = ["create", "delete", "deletecollection", "patch", "update"]


def _rule(verbs: list[str], group: str, *resources: str) -> Obj:
    return {"verbs": verbs, "apiGroups": [group], "resources": list(resources)}


def _aggregate_label(role: str) -> Obj:
    return {f"{RBAC_GROUP}/aggregate-to-{role}": "true"}


def _cluster_role(name: str, rules: list[Obj], *, labels: Obj | None = None) -> Obj:
    role: Obj = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults", **(labels or {})},
        },
        "rules": rules,
    }
    return role


def _aggregated(name: str) -> Obj:
    role = _cluster_role(name, [])
    role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": _aggregate_label(name)}]}
    return role


_VIEW_RULES = [
    _rule(
        _READ,
        "",
        "configmaps",
        "endpoints",
        "persistentvolumeclaims",
        "persistentvolumeclaims/status",
        "pods",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/status",
        "bindings",
        "events",
        "limitranges",
        "namespaces/status",
        "pods/log",
        "pods/status",
        "replicationcontrollers/status",
        "resourcequotas",
        "resourcequotas/status",
        "namespaces",
    ),
    _rule(_READ, "discovery.k8s.io", "endpointslices"),
    _rule(
        _READ,
        "apps",
        "controllerrevisions",
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/scale",
        "deployments/status",
        "replicasets",
        "replicasets/scale",
        "replicasets/status",
        "statefulsets",
        "statefulsets/scale",
        "statefulsets/status",
    ),
    _rule(_READ, "autoscaling", "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
    _rule(_READ, "batch", "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
    _rule(_READ, "policy", "poddisruptionbudgets", "poddisruptionbudgets/status"),
    _rule(_READ, "networking.k8s.io", "ingresses", "ingresses/status", "networkpolicies"),
    _rule(_READ, "metrics.k8s.io", "pods", "nodes"),
]

_EDIT_RULES = [
    _rule(
        [*_WRITE],
        "",
        "pods",
        "pods/attach",
        "pods/exec",
        "pods/portforward",
        "pods/proxy",
        "configmaps",
        "endpoints",
        "persistentvolumeclaims",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "secrets",
        "serviceaccounts",
        "services",
        "services/proxy",
    ),
    _rule(_READ, "", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets"),
    _rule(["create"], "", "pods/eviction", "serviceaccounts/token"),
    _rule(["impersonate"], "", "serviceaccounts"),
    _rule(
        _WRITE,
        "apps",
        "daemonsets",
        "deployments",
        "deployments/rollback",
        "deployments/scale",
        "replicasets",
        "replicasets/scale",
        "statefulsets",
        "statefulsets/scale",
    ),
    _rule(_WRITE, "autoscaling", "horizontalpodautoscalers"),
    _rule(_WRITE, "batch", "cronjobs", "jobs"),
    _rule(_WRITE, "policy", "poddisruptionbudgets"),
    _rule(_WRITE, "networking.k8s.io", "ingresses", "networkpolicies"),
]

_ADMIN_RULES = [
    _rule(["create"], "authorization.k8s.io", "localsubjectaccessreviews"),
    _rule([*_READ, *_WRITE], RBAC_GROUP, "rolebindings", "roles"),
]


def _viewer_rules() -> list[Obj]:
    """Read access to every stored kind but Secrets (the sandbox's read-only token)."""
    by_group: dict[str, list[str]] = {}
    for resource in RESOURCES:
        if resource.plural == "secrets":
            continue
        names = by_group.setdefault(resource.group, [])
        names.append(resource.plural)
        names.extend(
            f"{resource.plural}/{sub}" for sub in resource.subresources if sub != "eviction"
        )
    return [_rule(_READ, group, *sorted(set(names))) for group, names in sorted(by_group.items())]


def _binding(name: str, role: str, subject_kind: str, subject: str) -> Obj:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": subject_kind, "name": subject}],
    }


def _builtin_cluster_roles() -> Mapping[str, Obj]:
    roles = [
        _cluster_role(
            "cluster-admin",
            [
                {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                {"verbs": ["*"], "nonResourceURLs": ["*"]},
            ],
        ),
        _aggregated("admin"),
        _aggregated("edit"),
        _aggregated("view"),
        _cluster_role("system:aggregate-to-admin", _ADMIN_RULES, labels=_aggregate_label("admin")),
        _cluster_role("system:aggregate-to-edit", _EDIT_RULES, labels=_aggregate_label("edit")),
        _cluster_role("system:aggregate-to-view", _VIEW_RULES, labels=_aggregate_label("view")),
        _cluster_role(
            "system:basic-user",
            [
                _rule(["create"], "authorization.k8s.io", "selfsubjectaccessreviews"),
                _rule(["create"], "authorization.k8s.io", "selfsubjectrulesreviews"),
                _rule(["create"], "authentication.k8s.io", "selfsubjectreviews"),
            ],
        ),
        _cluster_role(VIEWER_ROLE, _viewer_rules()),
    ]
    # admin aggregates edit, and edit aggregates view, as in Kubernetes.
    roles[2]["metadata"]["labels"].update(_aggregate_label("admin"))
    roles[3]["metadata"]["labels"].update(_aggregate_label("edit"))
    return {role["metadata"]["name"]: role for role in roles}


BUILTIN_CLUSTER_ROLES = _builtin_cluster_roles()


def builtin_cluster_role_bindings(viewer: str) -> Mapping[str, Obj]:
    """The bootstrap ClusterRoleBindings by name, with the read-only user's bindings."""
    bindings = [
        _binding("cluster-admin", "cluster-admin", "Group", MASTERS_GROUP),
        _binding("system:basic-user", "system:basic-user", "Group", AUTHENTICATED_GROUP),
        _binding("kubemedic:viewer", VIEWER_ROLE, "User", viewer),
        _binding("kubemedic:viewer-view", "view", "User", viewer),
    ]
    return {binding["metadata"]["name"]: binding for binding in bindings}
