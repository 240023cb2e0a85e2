"""NetworkPolicy coverage per namespace, default-deny recognised per direction."""

from __future__ import annotations

from typing import Any

from kubemedic.checks import network
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import AuditOptions

from .builders import MANIFESTS, deployment, ids, obj, view


def policy(name: str, **spec: Any) -> dict[str, Any]:
    return obj("NetworkPolicy", name, api="networking.k8s.io/v1", spec=spec)


def test_a_namespace_without_any_policy_is_open_and_gets_a_default_deny_manifest() -> None:
    [finding] = network.run(view(deployment("web"), deployment("api")), MANIFESTS)
    assert finding.id == "KM-SEC-NETPOL-NONE"
    assert finding.object == ObjectRef("Namespace", "shop")
    assert "2 workloads" in finding.summary
    assert finding.fix.patch is not None
    assert "podSelector: {}" in finding.fix.patch
    assert "policyTypes: [Ingress, Egress]" in finding.fix.patch


def test_a_default_deny_for_both_directions_covers_every_workload() -> None:
    deny = policy("default-deny", podSelector={}, policyTypes=["Ingress", "Egress"])
    coverage = network.coverage(view(deployment("web"), deny), MANIFESTS)
    assert [(c.default_deny_ingress, c.default_deny_egress, c.open_ingress) for c in coverage] == [
        (True, True, ())
    ]
    assert list(network.run(view(deployment("web"), deny), MANIFESTS)) == []


def test_ingress_only_deny_leaves_egress_open_for_workloads_no_policy_selects() -> None:
    deny_in = policy("deny-ingress", podSelector={})  # policyTypes defaults to [Ingress]
    api_egress = policy(
        "api-egress",
        podSelector={"matchExpressions": [{"key": "app", "operator": "In", "values": ["api"]}]},
        egress=[{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}],
    )
    found = list(
        network.run(view(deployment("web"), deployment("api"), deny_in, api_egress), MANIFESTS)
    )
    assert [(f.id, f.object.name, f.detail) for f in found] == [
        ("KM-SEC-NETPOL-NO-DEFAULT-DENY", "shop", ""),
        ("KM-SEC-NETPOL-UNCOVERED", "web", "egress"),
    ]
    assert "no default-deny for egress" in found[0].summary


def test_an_allow_all_policy_with_an_empty_selector_is_not_a_default_deny() -> None:
    allow_all = policy("allow-all", podSelector={}, ingress=[{}], policyTypes=["Ingress"])
    [coverage] = network.coverage(view(deployment("web"), allow_all), MANIFESTS)
    assert not coverage.default_deny_ingress
    assert coverage.open_ingress == ()  # selected, and allowed: covered by a policy


def test_a_live_scan_that_could_not_list_policies_judges_nothing() -> None:
    live = view(deployment("web"), listed=[("Pod", "shop")])
    [coverage] = network.coverage(live, AuditOptions())
    assert not coverage.judged
    assert list(network.run(live, AuditOptions())) == []
    listed = view(deployment("web"), listed=[("NetworkPolicy", "shop")])
    assert ids(network.run(listed, AuditOptions())) == ["KM-SEC-NETPOL-NONE"]
