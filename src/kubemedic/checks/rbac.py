"""RBAC risk per identity: what each service account, user and group can do, and who runs as it.

Rights are judged on the union of an identity's bindings (``_rbac``), not role by role, so a
user with three harmless-looking bindings that together read every Secret is seen. Each risky
right is one finding per identity, its severity set by where it holds (cluster-wide, a
namespace, ``kube-system``), its evidence every rule that grants it, and its related objects the
bindings and the workloads that run as the identity. An identity bound to cluster-admin (or an
equivalent ``*/*/*`` rule) cluster-wide gets that one finding: it implies all the others.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from kubemedic.checks._common import (
    checkov,
    cis,
    finding,
    kubescape,
    nsa,
    plural,
    related_fact,
    rule,
    spec_fact,
)
from kubemedic.checks._rbac import CLUSTER_WIDE, Grant, Identity, identities
from kubemedic.checks._registry import Check
from kubemedic.checks._templates import Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import AuditOptions, Fix, Rule, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "rbac"
_RBAC_GUIDE = nsa("Authentication and authorization — RBAC")
_PUBLIC_GROUPS: Mapping[str, Severity] = {
    "system:anonymous": Severity.CRITICAL,
    "system:unauthenticated": Severity.CRITICAL,
    "system:authenticated": Severity.HIGH,
    "system:serviceaccounts": Severity.HIGH,
}
_WORKLOADS = (
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)


@dataclass(frozen=True, slots=True)
class Risk:
    """A right worth a finding: the rule it is reported under and how bad it is where held."""

    rule: Rule
    grants: Callable[[Grant], bool]
    cluster: Severity
    namespace: Severity
    kube_system: Severity | None = None

    def severity(self, scope: str) -> Severity:
        if scope == CLUSTER_WIDE:
            return self.cluster
        if scope == "kube-system" and self.kube_system is not None:
            return self.kube_system
        return self.namespace


def _any(*rights: tuple[str, str, str]) -> Callable[[Grant], bool]:
    return lambda grant: any(grant.allows(*right) for right in rights)


def _admin(grant: Grant) -> bool:
    return grant.allows("*", "*", "*") or (
        grant.role.kind == "ClusterRole" and grant.role.name == "cluster-admin"
    )


def _wildcard(grant: Grant) -> bool:
    rule_ = grant.rule
    return not _admin(grant) and any(
        "*" in (rule_.get(key) or []) for key in ("verbs", "resources", "apiGroups")
    )


def _creates_workloads(grant: Grant) -> bool:
    return any(grant.allows("create", group, resource) for group, resource in _WORKLOADS)


ADMIN = Risk(
    rule(
        "KM-SEC-RBAC-ADMIN", "Full control (cluster-admin or */*/*)", Severity.CRITICAL, FAMILY,
        "The identity may do anything to every resource in its scope: cluster-admin bound to "
        "a subject that is not a system component, or a rule with * verbs, * resources and * "
        "API groups.",
        cis("5.1.1"), cis("5.1.3"), _RBAC_GUIDE, kubescape("C-0035", "C-0185", "C-0272"),
        checkov("CKV_K8S_49"),
    ),
    _admin, Severity.CRITICAL, Severity.HIGH,
)  # fmt: skip
RISKS = (
    ADMIN,
    Risk(
        rule(
            "KM-SEC-RBAC-WILDCARD", "Wildcard in a role rule", Severity.MEDIUM, FAMILY,
            "A * in verbs, resources or API groups grants whatever exists now and whatever is "
            "added later (new resources, new subresources, CRDs).",
            cis("5.1.3"), checkov("CKV_K8S_49"), kubescape("C-0187"),
        ),
        _wildcard, Severity.MEDIUM, Severity.MEDIUM,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-SECRETS", "Can read Secrets", Severity.HIGH, FAMILY,
            "get, list or watch on secrets reads every credential in scope, service account "
            "tokens included.",
            cis("5.1.2"), _RBAC_GUIDE, checkov("CKV2_K8S_5"), kubescape("C-0015", "C-0186"),
        ),
        _any(("get", "", "secrets"), ("list", "", "secrets"), ("watch", "", "secrets")),
        Severity.HIGH, Severity.MEDIUM, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-EXEC", "Can exec or attach into pods", Severity.HIGH, FAMILY,
            "pods/exec and pods/attach run commands inside containers, with their service "
            "account tokens and mounted Secrets.",
            _RBAC_GUIDE, checkov("CKV2_K8S_2"), kubescape("C-0002"),
        ),
        _any(
            ("create", "", "pods/exec"), ("get", "", "pods/exec"),
            ("create", "", "pods/attach"), ("get", "", "pods/attach"),
        ),
        Severity.HIGH, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-CREATE-PODS", "Can create pods or workloads", Severity.MEDIUM, FAMILY,
            "Whoever creates a pod chooses its service account, volumes and security context: "
            "every Secret and service account of the namespace is theirs.",
            cis("5.1.4"), kubescape("C-0188"),
        ),
        _creates_workloads, Severity.HIGH, Severity.MEDIUM, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-ESCALATE", "Can escalate or bind roles", Severity.CRITICAL, FAMILY,
            "escalate lets a role grant more than its author holds; bind lets the identity "
            "bind any role, cluster-admin included.",
            cis("5.1.8"), checkov("CKV_K8S_157", "CKV_K8S_158"), kubescape("C-0191"),
        ),
        _any(
            ("escalate", "rbac.authorization.k8s.io", "roles"),
            ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
            ("bind", "rbac.authorization.k8s.io", "roles"),
            ("bind", "rbac.authorization.k8s.io", "clusterroles"),
        ),
        Severity.CRITICAL, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-IMPERSONATE", "Can impersonate users, groups or service accounts",
            Severity.CRITICAL, FAMILY,
            "impersonate acts as another identity, with all of its rights.",
            cis("5.1.8"), checkov("CKV2_K8S_3"), kubescape("C-0065"),
        ),
        _any(
            ("impersonate", "", "users"), ("impersonate", "", "groups"),
            ("impersonate", "", "serviceaccounts"),
            ("impersonate", "authentication.k8s.io", "uids"),
        ),
        Severity.CRITICAL, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-NODE-PROXY", "Can reach the kubelet API (nodes/proxy)", Severity.HIGH,
            FAMILY,
            "nodes/proxy reaches every kubelet's API: exec into any pod of the node, bypassing "
            "pods/exec and audit logging.",
            cis("5.1.10"), checkov("CKV2_K8S_2"),
        ),
        _any(("get", "", "nodes/proxy"), ("create", "", "nodes/proxy")),
        Severity.HIGH, Severity.HIGH,
    ),
    Risk(
        rule(
            "KM-SEC-RBAC-TOKEN-REQUEST", "Can mint service account tokens", Severity.HIGH, FAMILY,
            "create on serviceaccounts/token issues a token for any service account in scope, "
            "and with it that account's rights.",
            cis("5.1.13"),
        ),
        _any(("create", "", "serviceaccounts/token")),
        Severity.HIGH, Severity.MEDIUM, Severity.HIGH,
    ),
)  # fmt: skip
PUBLIC = rule(
    "KM-SEC-RBAC-PUBLIC",
    "Rights granted to everyone",
    Severity.CRITICAL,
    FAMILY,
    "A binding names system:anonymous, system:unauthenticated, system:authenticated or "
    "system:serviceaccounts: every caller (or every account) gets its rights.",
    kubescape("C-0262", "C-0265"),
)
DEFAULT_SA = rule(
    "KM-SEC-RBAC-DEFAULT-SA",
    "The default service account has rights",
    Severity.MEDIUM,
    FAMILY,
    "Every pod that names no service account runs as 'default': rights bound to it reach "
    "every such pod of the namespace.",
    cis("5.1.5"),
    checkov("CKV_K8S_41", "CKV_K8S_42"),
    kubescape("C-0189"),
)
AUTOMOUNT = rule(
    "KM-SEC-SA-TOKEN-UNNEEDED",
    "API token mounted but not needed",
    Severity.LOW,
    FAMILY,
    "The pods get an API token although their service account has no rights bound: a token "
    "an attacker in the container can use, for nothing the application needs.",
    cis("5.1.6"),
    nsa("Pod security — protecting pod service account tokens"),
    checkov("CKV_K8S_38"),
    kubescape("C-0034", "C-0190"),
)


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    by_account = _runs_as(view)
    for identity in identities(view):
        workloads = by_account.get(identity.ref, ()) if identity.is_service_account else ()
        yield from _identity_findings(view, identity, workloads)
    yield from _unneeded_tokens(view, options, by_account)


def _identity_findings(
    view: ClusterView, identity: Identity, workloads: tuple[Template, ...]
) -> Iterator[SecurityFinding]:
    ref = identity.ref
    public = _PUBLIC_GROUPS.get(ref.name) if ref.kind == "Group" else None
    if public is None and ref.kind != "ServiceAccount" and ref.name.startswith("system:"):
        return  # a system component's identity, e.g. system:kube-scheduler
    runs_as = [_runs_as_fact(view, t) for t in workloads]
    related = [*identity.bindings, *(t.workload for t in workloads)]
    if public is not None:
        yield _finding(PUBLIC, public, identity, list(identity.grants), runs_as, related)
    if ref.kind == "ServiceAccount" and ref.name == "default":
        yield _finding(
            DEFAULT_SA, DEFAULT_SA.severity, identity, list(identity.grants), runs_as, related
        )
    admin = [g for g in identity.grants if _admin(g)]
    if any(g.scope == CLUSTER_WIDE for g in admin):
        yield _finding(ADMIN.rule, ADMIN.cluster, identity, admin, runs_as, related)
        return
    for risk in RISKS:
        grants = [g for g in identity.grants if risk.grants(g)]
        if grants:
            severity = min((risk.severity(g.scope) for g in grants), key=lambda s: s.rank)
            yield _finding(risk.rule, severity, identity, grants, runs_as, related)


def _finding(
    of: Rule,
    severity: Severity,
    identity: Identity,
    grants: list[Grant],
    runs_as: list[tuple[str, str]],
    related: list[ObjectRef],
) -> SecurityFinding:
    scopes = sorted({g.where for g in grants})
    who = _who(identity.ref)
    summary = f"{who}: {of.title.lower()} ({', '.join(scopes)})"
    if runs_as:
        summary += f"; {plural(len(runs_as), 'workload')} run as it"
    evidence = [related_fact(g.described, str(g.binding)) for g in grants]
    evidence += [spec_fact(fact, where) for fact, where in runs_as]
    return finding(
        of,
        identity.ref,
        summary,
        evidence,
        _fix(identity, grants),
        severity=severity,
        related=related,
    )


def _who(ref: ObjectRef) -> str:
    if ref.kind == "ServiceAccount":
        return f"service account {ref.namespace}/{ref.name}"
    return f"{ref.kind.lower()} {ref.name}"


def _impersonation(ref: ObjectRef) -> str:
    if ref.kind == "ServiceAccount":
        return f"--as=system:serviceaccount:{ref.namespace}:{ref.name}"
    if ref.kind == "Group":
        return f"--as=someone --as-group={shlex.quote(ref.name)}"
    return f"--as={shlex.quote(ref.name)}"


def _fix(identity: Identity, grants: list[Grant]) -> Fix:
    commands: list[str] = []
    by_role: dict[ObjectRef, list[int]] = {}
    for grant in grants:
        if grant.builtin or grant.role.name == "cluster-admin":
            scope = f" -n {grant.binding.namespace}" if grant.binding.namespace else ""
            commands.append(
                f"kubectl delete {grant.binding.kind.lower()} {grant.binding.name}{scope}"
            )
        else:
            by_role.setdefault(grant.role, []).append(grant.index)
    for role, indexes in by_role.items():
        operations = [
            {"op": "remove", "path": f"/rules/{i}"} for i in sorted(set(indexes), reverse=True)
        ]
        payload = json.dumps(operations, separators=(",", ":"))
        commands.append(f"kubectl patch {role.kubectl_ref} --type json -p {shlex.quote(payload)}")
    commands = list(dict.fromkeys(commands))
    namespace = next((g.scope for g in grants if g.scope), "")
    scope = f" -n {namespace}" if namespace else " -A"
    commands.append(f"kubectl auth can-i --list {_impersonation(identity.ref)}{scope}")
    return Fix(
        "Bind a narrower role instead: remove the granting rules (other subjects of the same "
        "role lose them too) or the binding of a built-in role, then check what is left.",
        tuple(commands),
    )


def _runs_as(view: ClusterView) -> dict[ObjectRef, tuple[Template, ...]]:
    found: dict[ObjectRef, list[Template]] = {}
    for template in templates(view):
        account = ObjectRef("ServiceAccount", template.service_account, template.workload.namespace)
        found.setdefault(account, []).append(template)
    return {account: tuple(found_) for account, found_ in found.items()}


def _runs_as_fact(view: ClusterView, template: Template) -> tuple[str, str]:
    account = view.get("ServiceAccount", template.workload.namespace, template.service_account)
    mounted = "API token mounted" if template.mounts_token(account) else "no API token mounted"
    fact = f"{template.workload} runs as it ({mounted})"
    return fact, f"{template.workload} {template.field('serviceAccountName')}"


def _bindings_known(view: ClusterView, options: AuditOptions, namespace: str) -> bool:
    """Whether every binding that could name an account of ``namespace`` was read."""
    return options.complete or (
        view.knows("ClusterRoleBinding") and view.knows("RoleBinding", namespace)
    )


def _unneeded_tokens(
    view: ClusterView, options: AuditOptions, by_account: Mapping[ObjectRef, Iterable[Template]]
) -> Iterator[SecurityFinding]:
    entitled = {i.ref for i in identities(view) if i.is_service_account}
    for account, workloads in sorted(by_account.items()):
        if account in entitled or not _bindings_known(view, options, account.namespace):
            continue
        service_account = view.get("ServiceAccount", account.namespace, account.name)
        for template in workloads:
            if not template.mounts_token(service_account):
                continue
            commands, patch = template.patch(
                {"automountServiceAccountToken": False}, "stop mounting the API token"
            )
            yield finding(
                AUTOMOUNT,
                template.workload,
                f"{template.workload} mounts an API token for service account "
                f"{account.name}, which has no RBAC rights bound",
                [
                    spec_fact(
                        "automountServiceAccountToken is not false (pod or service account)",
                        f"{template.workload} {template.field('automountServiceAccountToken')}",
                    ),
                    related_fact(
                        f"no RoleBinding or ClusterRoleBinding names {account}", str(account)
                    ),
                ],
                Fix(
                    "Set automountServiceAccountToken: false in the pod template (or on the "
                    "service account) unless the application calls the Kubernetes API.",
                    commands,
                    patch,
                ),
                related=[account],
            )


CHECK = Check(
    name="rbac",
    description="Risky rights per identity across all its bindings, and unneeded API tokens",
    rules=(*(r.rule for r in RISKS), PUBLIC, DEFAULT_SA, AUTOMOUNT),
    run=run,
)
