"""RBAC risk per identity, across all its bindings, with the workloads that run as it."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable

from kubemedic.checks import rbac
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import AuditOptions, SecurityFinding

from .builders import MANIFESTS, binding, deployment, ids, obj, role, view

SA = {"kind": "ServiceAccount", "name": "deployer", "namespace": "shop"}
ALICE = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice@example.com"}


def _by_id(findings: Iterable[SecurityFinding]) -> dict[str, SecurityFinding]:
    return {f.id: f for f in findings}


def test_rights_from_several_bindings_add_up_per_identity_and_name_its_workloads() -> None:
    objects = [
        role(
            "secret-reader",
            [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}],
        ),
        binding("deployer-secrets", "Role", "secret-reader", [SA]),
        role("exec", [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}], ""),
        binding("deployer-exec", "ClusterRole", "exec", [SA], ""),
        obj("ServiceAccount", "deployer"),
        deployment("ci", serviceAccountName="deployer"),
    ]
    found = _by_id(list(rbac.run(view(*objects), MANIFESTS)))
    assert set(found) == {"KM-SEC-RBAC-SECRETS", "KM-SEC-RBAC-EXEC"}
    secrets, execs = found["KM-SEC-RBAC-SECRETS"], found["KM-SEC-RBAC-EXEC"]
    account = ObjectRef("ServiceAccount", "deployer", "shop")
    assert secrets.object == execs.object == account
    assert secrets.severity.value == "medium"  # in one namespace
    assert execs.severity.value == "high"
    assert "cluster-wide" in execs.summary
    assert ObjectRef("Deployment", "ci", "shop") in secrets.related
    facts = [e.fact for e in secrets.evidence]
    assert any(
        "Role shop/secret-reader rule 0" in f and "RoleBinding shop/deployer-secrets" in f
        for f in facts
    )
    assert any("Deployment shop/ci runs as it (API token mounted)" in f for f in facts)
    patch = secrets.fix.commands[0]
    assert patch.startswith("kubectl patch role/secret-reader -n shop --type json -p ")
    assert json.loads(shlex.split(patch)[-1]) == [{"op": "remove", "path": "/rules/0"}]
    assert secrets.fix.commands[-1] == (
        "kubectl auth can-i --list --as=system:serviceaccount:shop:deployer -n shop"
    )


def test_cluster_admin_bound_to_a_person_is_one_critical_finding() -> None:
    objects = [
        binding("alice-admin", "ClusterRole", "cluster-admin", [ALICE], ""),
        binding("cluster-admin", "ClusterRole", "cluster-admin",
                [{"kind": "Group", "name": "system:masters"}], ""),
    ]  # fmt: skip
    findings = list(rbac.run(view(*objects), MANIFESTS))
    assert [(f.id, f.object, f.severity.value) for f in findings] == [
        ("KM-SEC-RBAC-ADMIN", ObjectRef("User", "alice@example.com"), "critical")
    ]
    assert findings[0].fix.commands[0] == "kubectl delete clusterrolebinding alice-admin"


def test_a_built_in_role_missing_from_manifests_is_judged_by_the_bootstrap_rules() -> None:
    objects = [binding("ci-edit", "ClusterRole", "edit", [SA])]
    assert ids(rbac.run(view(*objects), MANIFESTS)) == [
        "KM-SEC-RBAC-CREATE-PODS",
        "KM-SEC-RBAC-EXEC",
        "KM-SEC-RBAC-IMPERSONATE",
        "KM-SEC-RBAC-SECRETS",
        "KM-SEC-RBAC-TOKEN-REQUEST",
    ]


def test_bootstrap_bindings_system_users_and_named_secrets_are_not_risks() -> None:
    objects = [
        role("own-secret", [{"apiGroups": [""], "resources": ["secrets"],
                             "resourceNames": ["app-key"], "verbs": ["get", "update"]}]),
        binding("app", "Role", "own-secret", [SA]),
        binding("system:kube-controller-manager", "ClusterRole", "cluster-admin",
                [{"kind": "User", "name": "system:kube-controller-manager"}], ""),
        binding("scheduler-extra", "ClusterRole", "cluster-admin",
                [{"kind": "User", "name": "system:kube-scheduler"}], ""),
    ]  # fmt: skip
    assert list(rbac.run(view(*objects), MANIFESTS)) == []


def test_rights_given_to_everyone_and_to_the_default_service_account() -> None:
    public = {"kind": "Group", "name": "system:unauthenticated"}
    default = {"kind": "ServiceAccount", "name": "default", "namespace": "shop"}
    objects = [
        role("reader", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]),
        binding("anyone-reads", "Role", "reader", [public]),
        binding("default-reads", "Role", "reader", [default]),
    ]
    found = _by_id(list(rbac.run(view(*objects), MANIFESTS)))
    assert found["KM-SEC-RBAC-PUBLIC"].severity.value == "critical"
    assert found["KM-SEC-RBAC-DEFAULT-SA"].object == ObjectRef("ServiceAccount", "default", "shop")


def test_escalate_bind_and_node_proxy_are_reported_at_their_scope() -> None:
    rbac_group = "rbac.authorization.k8s.io"
    rules = [
        {"apiGroups": [rbac_group], "resources": ["clusterroles"], "verbs": ["bind"]},
        {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
        {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["list"]},
    ]  # fmt: skip
    objects = [role("ops", rules, ""), binding("ops", "ClusterRole", "ops", [ALICE], "")]
    found = _by_id(list(rbac.run(view(*objects), MANIFESTS)))
    assert {k: f.severity.value for k, f in found.items()} == {
        "KM-SEC-RBAC-ESCALATE": "critical",
        "KM-SEC-RBAC-NODE-PROXY": "high",
        "KM-SEC-RBAC-WILDCARD": "medium",
    }


def test_an_api_token_mounted_for_an_account_without_rights_is_flagged_unless_turned_off() -> None:
    bound = binding("api-reader", "Role", "reader", [{"kind": "ServiceAccount", "name": "api"}])
    objects = [
        role("reader", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]),
        bound,
        deployment("web"),
        deployment("worker", automountServiceAccountToken=False),
        deployment("api", serviceAccountName="api"),
        obj("ServiceAccount", "quiet", automountServiceAccountToken=False),
        deployment("batch", serviceAccountName="quiet"),
    ]
    findings = [
        f for f in rbac.run(view(*objects), MANIFESTS) if f.id == "KM-SEC-SA-TOKEN-UNNEEDED"
    ]
    assert [f.object.name for f in findings] == ["web"]
    assert '"automountServiceAccountToken":false' in findings[0].fix.commands[0]


def test_a_live_scan_that_could_not_list_bindings_does_not_guess_about_tokens() -> None:
    live = view(deployment("web"), listed=[("Pod", "shop")])
    assert list(rbac.run(live, AuditOptions())) == []
    listed = view(deployment("web"), listed=[("RoleBinding", "shop"), ("ClusterRoleBinding", "")])
    assert ids(rbac.run(listed, AuditOptions())) == ["KM-SEC-SA-TOKEN-UNNEEDED"]
