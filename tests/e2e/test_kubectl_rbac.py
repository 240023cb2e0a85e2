"""RBAC and identity with the real kubectl: Roles and bindings decide, for every token.

The sandbox's admin may impersonate anyone (``--as``), ServiceAccounts get tokens from
``kubectl create token`` and are refused with the real RBAC message until a binding lets them,
and ``kubectl auth can-i`` / ``whoami`` get their answers from the review endpoints.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox, SandboxFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

SA = "system:serviceaccount:default:robot"


def _with_robot(sandbox: Sandbox) -> None:
    sandbox.kubectl("create", "serviceaccount", "robot")


def _can_i(sandbox: Sandbox, *args: str) -> str:
    result = sandbox.kubectl("auth", "can-i", *args, check=False)
    assert result.returncode == (0 if result.stdout.strip() == "yes" else 1), result.stderr
    return result.stdout.strip()


def test_a_service_account_without_bindings_is_forbidden(bare_sandbox: Sandbox) -> None:
    _with_robot(bare_sandbox)
    token = bare_sandbox.kubectl("create", "token", "robot").stdout.strip()

    refused = bare_sandbox.kubectl("get", "pods", "--token", token, check=False)

    assert refused.returncode == 1
    assert (
        f'Error from server (Forbidden): pods is forbidden: User "{SA}" cannot list resource '
        '"pods" in API group "" in the namespace "default"'
    ) in refused.stderr


def test_a_role_binding_grants_its_rules_in_its_namespace_only(bare_sandbox: Sandbox) -> None:
    _with_robot(bare_sandbox)
    bare_sandbox.kubectl("create", "namespace", "other")
    bare_sandbox.kubectl("create", "role", "pod-reader", "--verb=get,list", "--resource=pods")
    bare_sandbox.kubectl(
        "create",
        "rolebinding",
        "robot-reads",
        "--role=pod-reader",
        "--serviceaccount=default:robot",
    )
    token = bare_sandbox.kubectl("create", "token", "robot").stdout.strip()

    listed = bare_sandbox.kubectl("get", "pods", "--token", token, check=False)
    elsewhere = bare_sandbox.kubectl("get", "pods", "-n", "other", "--token", token, check=False)
    write = bare_sandbox.kubectl("delete", "pod", "x", "--token", token, check=False)

    assert listed.returncode == 0, listed.stderr
    assert 'cannot list resource "pods" in API group "" in the namespace "other"' in (
        elsewhere.stderr
    )
    assert 'pods "x" is forbidden' in write.stderr
    assert 'cannot delete resource "pods"' in write.stderr


def test_auth_can_i_as_a_service_account_follows_bindings(bare_sandbox: Sandbox) -> None:
    _with_robot(bare_sandbox)
    as_robot = f"--as={SA}"
    assert _can_i(bare_sandbox, "list", "pods", as_robot) == "no"

    bare_sandbox.kubectl(
        "create",
        "rolebinding",
        "robot-view",
        "--clusterrole=view",
        "--serviceaccount=default:robot",
    )

    assert _can_i(bare_sandbox, "list", "pods", as_robot) == "yes"
    assert _can_i(bare_sandbox, "get", "pods", "--subresource=log", as_robot) == "yes"
    assert _can_i(bare_sandbox, "get", "secrets", as_robot) == "no"
    assert _can_i(bare_sandbox, "create", "deployments.apps", as_robot) == "no"
    assert _can_i(bare_sandbox, "list", "pods", "-n", "kube-system", as_robot) == "no"


def test_the_aggregated_edit_role_takes_labelled_cluster_roles(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl(
        "create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice"
    )
    assert _can_i(bare_sandbox, "create", "deployments.apps", "--as=alice") == "yes"
    assert _can_i(bare_sandbox, "get", "secrets", "--as=alice") == "yes"
    assert _can_i(bare_sandbox, "create", "rolebindings", "--as=alice") == "no"
    assert _can_i(bare_sandbox, "list", "nodes", "--as=alice") == "no"

    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": "node-reader",
            "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
        },
        "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}],
    }
    bare_sandbox.kubectl("apply", "-f", "-", stdin=json.dumps(role))

    # view is aggregated into edit, so a rule aggregated to view reaches edit's holders too.
    assert _can_i(bare_sandbox, "list", "nodes", "--as=alice") == "yes"


def test_group_subjects_and_impersonated_groups(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl(
        "create", "clusterrolebinding", "ops-admin", "--clusterrole=cluster-admin", "--group=ops"
    )
    assert _can_i(bare_sandbox, "delete", "nodes", "--as=bob") == "no"
    assert _can_i(bare_sandbox, "delete", "nodes", "--as=bob", "--as-group=ops") == "yes"


def test_the_read_only_token_cannot_impersonate(bare_sandbox: Sandbox) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = bare_sandbox.api_client(readonly=True)
    api.set_default_header("Impersonate-User", "alice")

    with pytest.raises(ApiException) as refused:
        client.CoreV1Api(api).list_namespaced_pod("default")

    assert refused.value.status == 403
    assert json.loads(refused.value.body)["message"] == (
        'users "alice" is forbidden: User "kubemedic-viewer" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )


def test_auth_whoami_reports_the_token_user(bare_sandbox: Sandbox) -> None:
    _with_robot(bare_sandbox)
    token = bare_sandbox.kubectl("create", "token", "robot").stdout.strip()

    whoami = json.loads(
        bare_sandbox.kubectl("auth", "whoami", "-o", "json", "--token", token).stdout
    )
    admin = json.loads(bare_sandbox.kubectl("auth", "whoami", "-o", "json").stdout)

    assert whoami["status"]["userInfo"]["username"] == SA
    assert "system:serviceaccounts:default" in whoami["status"]["userInfo"]["groups"]
    assert admin["status"]["userInfo"]["username"] == "kubemedic-admin"
    assert "system:masters" in admin["status"]["userInfo"]["groups"]


def test_a_deleted_service_account_token_is_rejected(bare_sandbox: Sandbox) -> None:
    _with_robot(bare_sandbox)
    token = bare_sandbox.kubectl("create", "token", "robot").stdout.strip()
    bare_sandbox.kubectl("delete", "serviceaccount", "robot")

    refused = bare_sandbox.kubectl("get", "pods", "--token", token, check=False)

    assert "error: You must be logged in to the server (Unauthorized)" in refused.stderr


def test_auth_can_i_list_shows_the_rules(bare_sandbox: Sandbox) -> None:
    bare_sandbox.kubectl("create", "role", "cm-reader", "--verb=get", "--resource=configmaps")
    bare_sandbox.kubectl("create", "rolebinding", "carol", "--role=cm-reader", "--user=carol")

    listed = bare_sandbox.kubectl("auth", "can-i", "--list", "--as=carol").stdout

    assert any(
        line.split()[0] == "configmaps" and "[get]" in line for line in listed.splitlines()[1:]
    )
    assert "selfsubjectaccessreviews.authorization.k8s.io" in listed


def test_official_client_token_and_access_reviews(bare_sandbox: Sandbox) -> None:
    from kubernetes import client

    _with_robot(bare_sandbox)
    api = bare_sandbox.api_client()
    token = bare_sandbox.kubectl("create", "token", "robot").stdout.strip()

    reviewed = client.AuthenticationV1Api(api).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token))
    )
    bogus = client.AuthenticationV1Api(api).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token="nope"))
    )
    access = client.AuthorizationV1Api(api).create_subject_access_review(
        client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user=SA,
                groups=["system:serviceaccounts"],
                resource_attributes=client.V1ResourceAttributes(
                    verb="list", resource="pods", namespace="default"
                ),
            )
        )
    )
    admin = client.AuthorizationV1Api(api).create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(verb="delete", resource="nodes")
            )
        )
    )

    assert reviewed.status.authenticated is True
    assert reviewed.status.user.username == SA
    assert bogus.status.authenticated is False
    assert access.status.allowed is False
    assert admin.status.allowed is True
    assert "cluster-admin" in admin.status.reason


def _in_pod_kubectl(
    sandbox: Sandbox, name: str, script: str, account: str = "robot", *, token: bool = True
) -> list[str]:
    """Run ``script`` once in a bitnami/kubectl pod as ``account``; its log lines."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "serviceAccountName": account,
            "automountServiceAccountToken": token,
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "kubectl",
                    "image": "bitnami/kubectl:1.32",
                    "command": ["bash", "-c", f"{script}; echo exit=$?"],
                }
            ],
        },
    }
    sandbox.kubectl("apply", "-f", "-", stdin=json.dumps(pod))

    def finished() -> list[str] | None:
        lines = sandbox.kubectl("logs", name, check=False).stdout.splitlines()
        return lines if lines and lines[-1].startswith("exit=") else None

    found: list[str] = sandbox.wait_for(finished, timeout=90, what=f"{name} to finish")
    return found


def test_kubectl_inside_a_pod_is_forbidden_until_its_account_is_bound(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=20.0)
    _with_robot(sandbox)

    refused = _in_pod_kubectl(sandbox, "before", "kubectl get pods")
    sandbox.kubectl(
        "create",
        "rolebinding",
        "robot-view",
        "--clusterrole=view",
        "--serviceaccount=default:robot",
    )
    listed = _in_pod_kubectl(sandbox, "after", "kubectl get pods -o name; kubectl delete pod x")

    assert refused == [
        f'Error from server (Forbidden): pods is forbidden: User "{SA}" cannot list resource '
        '"pods" in API group "" in the namespace "default"',
        "exit=1",
    ]
    assert "pod/before" in listed
    assert (
        f'Error from server (Forbidden): pods "x" is forbidden: User "{SA}" cannot delete '
        'resource "pods" in API group "" in the namespace "default"'
    ) in listed


def test_kubectl_inside_a_pod_without_a_token_or_egress_cannot_reach_the_server(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = sandbox_factory(seed="empty", time_scale=50.0)
    _with_robot(sandbox)

    no_token = _in_pod_kubectl(sandbox, "no-token", "kubectl get pods", token=False)
    deny_egress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-egress"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    sandbox.kubectl("apply", "-f", "-", stdin=json.dumps(deny_egress))
    no_egress = _in_pod_kubectl(sandbox, "no-egress", "kubectl get pods")

    assert no_token == [
        "The connection to the server localhost:8080 was refused - did you specify the right "
        "host or port?",
        "exit=1",
    ]
    assert no_egress == [
        "Unable to connect to the server: dial tcp 10.96.0.1:443: i/o timeout",
        "exit=1",
    ]
