"""NetworkPolicy semantics, decided for single connections between pods and addresses."""

from __future__ import annotations

from typing import Any

from kubemedic.sandbox.kubelet.netpolicy import Endpoint, allows, policy_types

Obj = dict[str, Any]


def pod(name: str, namespace: str, ip: str, **labels: str) -> Endpoint:
    obj = {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"ports": [{"name": "http", "containerPort": 8080}]}]},
    }
    return Endpoint(ip, obj, {"kubernetes.io/metadata.name": namespace, "team": namespace})


def policy(namespace: str, spec: Obj) -> Obj:
    return {"metadata": {"name": "p", "namespace": namespace}, "spec": spec}


API = pod("api", "shop", "10.244.0.5", app="api")
WEB = pod("web", "shop", "10.244.0.6", app="web")
BATCH = pod("batch", "jobs", "10.244.1.7", app="batch")


def test_without_policies_everything_connects() -> None:
    assert allows([], WEB, API, 8080)


def test_a_selecting_policy_without_rules_isolates_the_pod() -> None:
    deny = [policy("shop", {"podSelector": {"matchLabels": {"app": "api"}}})]
    assert not allows(deny, WEB, API, 8080)
    assert allows(deny, API, WEB, 8080)  # web is not selected, api's egress is not isolated


def test_policy_types_default_to_ingress_plus_egress_when_egress_rules_exist() -> None:
    assert policy_types(policy("shop", {"podSelector": {}})) == ("Ingress",)
    assert policy_types(policy("shop", {"podSelector": {}, "egress": []})) == (
        "Ingress",
        "Egress",
    )


def test_peers_in_one_entry_are_anded_across_entries_ored() -> None:
    both = {"namespaceSelector": {"matchLabels": {"team": "jobs"}}, "podSelector": {}}
    rules = [
        policy(
            "shop",
            {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{"from": [both]}]},
        )
    ]
    assert allows(rules, BATCH, API, 8080)
    assert not allows(rules, WEB, API, 8080)  # same namespace, but not in team=jobs


def test_a_pod_selector_alone_means_the_policys_own_namespace() -> None:
    rules = [
        policy(
            "shop",
            {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]},
        )
    ]
    assert allows(rules, WEB, API, 8080)
    assert not allows(rules, BATCH, API, 8080)


def test_ports_match_by_number_range_and_name_on_the_destination() -> None:
    def only(port: Obj) -> list[Obj]:
        return [policy("shop", {"podSelector": {}, "ingress": [{"ports": [port]}]})]

    assert allows(only({"port": 8080}), WEB, API, 8080)
    assert not allows(only({"port": 8080}), WEB, API, 9090)
    assert allows(only({"port": 8000, "endPort": 8100}), WEB, API, 8080)
    assert allows(only({"port": "http"}), WEB, API, 8080)
    assert not allows(only({"port": 8080, "protocol": "UDP"}), WEB, API, 8080)


def test_ip_blocks_honour_their_exceptions() -> None:
    block = {"ipBlock": {"cidr": "10.244.0.0/16", "except": ["10.244.1.0/24"]}}
    rules = [policy("shop", {"podSelector": {}, "ingress": [{"from": [block]}]})]
    assert allows(rules, WEB, API, 8080)
    assert not allows(rules, BATCH, API, 8080)


def test_egress_isolation_needs_a_rule_to_the_destination() -> None:
    rules = [
        policy(
            "shop",
            {
                "podSelector": {"matchLabels": {"app": "web"}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "api"}}}]}],
            },
        )
    ]
    assert allows(rules, WEB, API, 8080)
    assert not allows(rules, WEB, BATCH, 8080)
    assert not allows(rules, WEB, Endpoint("10.96.0.1"), 443)
