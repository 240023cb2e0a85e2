"""Who may do what: every identity's rules, gathered across all the bindings that name it.

RBAC is additive, so what a service account, user or group can do is the union of the rules of
every Role and ClusterRole bound to it, each in its binding's scope (a RoleBinding's namespace,
or the whole cluster). Bindings named ``system:*`` are the API server's bootstrap policy (it
reconciles them at every start) and are left out; so are bindings to roles that cannot be read.
When a binding names a built-in ClusterRole that the input does not hold (manifests rarely
carry ``cluster-admin``), the upstream bootstrap rules of ``cluster-admin``, ``admin``, ``edit``
and ``view`` stand in for it — the parts of them that matter here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import KObject

CLUSTER_WIDE = ""
_CORE = ""
_APPS = "apps"
_BATCH = "batch"
_RBAC = "rbac.authorization.k8s.io"
_READ = ("get", "list", "watch")
_WRITE = ("create", "delete", "deletecollection", "patch", "update")


def _rule(verbs: Sequence[str], group: str, *resources: str) -> dict[str, Any]:
    return {"apiGroups": [group], "resources": list(resources), "verbs": list(verbs)}


_EDIT = (
    _rule(_READ, _CORE, "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets"),
    _rule(("impersonate",), _CORE, "serviceaccounts"),
    _rule(_WRITE, _CORE, "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"),
    _rule(("create",), _CORE, "pods/eviction", "serviceaccounts/token"),
    _rule(_WRITE, _CORE, "configmaps", "persistentvolumeclaims", "secrets", "services"),
    _rule(_WRITE, _APPS, "daemonsets", "deployments", "replicasets", "statefulsets"),
    _rule(_WRITE, _BATCH, "cronjobs", "jobs"),
)
BUILTIN_ROLES: Mapping[str, tuple[dict[str, Any], ...]] = {
    "cluster-admin": ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},),
    "admin": (*_EDIT, _rule(_WRITE, _RBAC, "rolebindings", "roles")),
    "edit": _EDIT,
    "view": (_rule(_READ, _CORE, "configmaps", "pods", "services", "endpoints"),),
}
"""The rules of the built-in ClusterRoles that bear on risk (kubernetes bootstrap policy)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One rule of one role, bound to an identity by one binding, in one scope."""

    binding: ObjectRef
    role: ObjectRef
    scope: str
    """The namespace a RoleBinding grants in, or ``CLUSTER_WIDE``."""
    index: int
    """The rule's index in the role's ``rules`` (-1 for a built-in role read from the table)."""
    rule: Mapping[str, Any]
    builtin: bool = False

    @property
    def where(self) -> str:
        return "cluster-wide" if self.scope == CLUSTER_WIDE else f"in namespace {self.scope}"

    def allows(self, verb: str, group: str, resource: str) -> bool:
        """Whether this rule allows ``verb`` on ``resource`` (``pods/exec``) of ``group``."""
        if self.rule.get("resourceNames"):
            return False  # limited to named objects: not the broad right these checks look for
        return (
            _has(self.rule.get("verbs"), verb)
            and _has(self.rule.get("apiGroups"), group)
            and _resource_matches(self.rule.get("resources"), resource)
        )

    @property
    def described(self) -> str:
        groups = ",".join(f'"{g}"' for g in _strings(self.rule.get("apiGroups")))
        resources = ",".join(_strings(self.rule.get("resources")))
        verbs = ",".join(_strings(self.rule.get("verbs")))
        which = "built-in" if self.builtin else f"rule {self.index}"
        return (
            f"{self.role} {which} (apiGroups [{groups}], resources [{resources}], verbs [{verbs}]) "
            f"bound by {self.binding} {self.where}"
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """A subject of bindings: a ServiceAccount, a User or a Group."""

    ref: ObjectRef
    grants: tuple[Grant, ...]

    @property
    def is_service_account(self) -> bool:
        return self.ref.kind == "ServiceAccount"

    @property
    def bindings(self) -> tuple[ObjectRef, ...]:
        return tuple(dict.fromkeys(g.binding for g in self.grants))


def identities(view: ClusterView) -> tuple[Identity, ...]:
    """Every identity some non-bootstrap binding names, with all its grants."""
    return view.derived(_identities)


def _identities(view: ClusterView) -> tuple[Identity, ...]:
    grants: dict[ObjectRef, list[Grant]] = {}
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        for binding in view.objects(kind):
            if binding.name.startswith("system:"):
                continue
            for subject in _subjects(binding):
                grants.setdefault(subject, []).extend(_grants(view, binding))
    return tuple(Identity(ref, tuple(found)) for ref, found in sorted(grants.items()) if found)


def _subjects(binding: KObject) -> list[ObjectRef]:
    subjects = binding.raw.get("subjects")
    found = []
    for subject in subjects if isinstance(subjects, list) else ():
        if not isinstance(subject, Mapping):
            continue
        kind, name = str(subject.get("kind") or ""), str(subject.get("name") or "")
        if kind == "ServiceAccount":
            namespace = str(subject.get("namespace") or binding.namespace)
            found.append(ObjectRef(kind, name, namespace))
        elif kind in ("User", "Group") and name:
            found.append(ObjectRef(kind, name))
    return found


def _grants(view: ClusterView, binding: KObject) -> list[Grant]:
    role_ref = binding.raw.get("roleRef")
    if not isinstance(role_ref, Mapping):
        return []
    kind, name = str(role_ref.get("kind") or ""), str(role_ref.get("name") or "")
    namespace = binding.namespace if kind == "Role" else ""
    scope = binding.namespace if binding.kind == "RoleBinding" else CLUSTER_WIDE
    role_obj = view.get(kind, namespace, name)
    role = ObjectRef(kind, name, namespace)
    if role_obj is None:
        builtin = BUILTIN_ROLES.get(name) if kind == "ClusterRole" else None
        return [Grant(binding.ref, role, scope, -1, r, True) for r in builtin or ()]
    rules = role_obj.raw.get("rules")
    return [
        Grant(binding.ref, role, scope, index, rule)
        for index, rule in enumerate(rules if isinstance(rules, list) else ())
        if isinstance(rule, Mapping)
    ]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _has(values: object, wanted: str) -> bool:
    listed = _strings(values)
    return "*" in listed or wanted in listed


def _resource_matches(values: object, wanted: str) -> bool:
    base, _, sub = wanted.partition("/")
    for value in _strings(values):
        if value in ("*", wanted):
            return True
        if sub and value in (f"{base}/*", f"*/{sub}"):
            return True
    return False
