"""NetworkPolicy coverage per namespace, recognising a default-deny policy for each direction.

A namespace without any NetworkPolicy lets every pod talk to and be reached from anywhere. One
with policies but no default-deny (an empty ``podSelector`` with the direction in
``policyTypes`` and no rules for it) still leaves every pod no policy selects open in that
direction; those workloads are named. Selectors are matched as the API server does
(``matchLabels``, ``matchExpressions``, ``{}`` selecting all). A live scan that could not list
NetworkPolicies judges nothing and says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from kubemedic.checks._common import (
    checkov,
    cis,
    computed_fact,
    finding,
    kubescape,
    nsa,
    plural,
    rule,
    spec_fact,
)
from kubemedic.checks._registry import Check
from kubemedic.checks._selectors import is_empty, selects
from kubemedic.checks._templates import Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import KObject
from kubemedic.models.security import AuditOptions, Fix, NamespaceNetwork, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "network"
_GUIDE = nsa("Network separation and hardening — network policies")
INGRESS, EGRESS = "Ingress", "Egress"

NONE = rule(
    "KM-SEC-NETPOL-NONE",
    "Namespace has no NetworkPolicy",
    Severity.MEDIUM,
    FAMILY,
    "Without any NetworkPolicy every pod of the namespace accepts connections from every pod of "
    "the cluster and can reach anything: one compromised pod reaches them all.",
    cis("5.3.2"),
    _GUIDE,
    checkov("CKV2_K8S_6"),
    kubescape("C-0206", "C-0260"),
)
NO_DEFAULT_DENY = rule(
    "KM-SEC-NETPOL-NO-DEFAULT-DENY",
    "No default-deny NetworkPolicy",
    Severity.LOW,
    FAMILY,
    "The namespace has policies but none denies by default, so each new workload starts open "
    "until someone writes a policy for it.",
    cis("5.3.2"),
    _GUIDE,
    kubescape("C-0030"),
)
UNCOVERED = rule(
    "KM-SEC-NETPOL-UNCOVERED",
    "Workload selected by no NetworkPolicy",
    Severity.LOW,
    FAMILY,
    "No policy selects the workload's pods for this direction, and no default-deny covers it.",
    checkov("CKV2_K8S_6"),
    kubescape("C-0260"),
)


def _types(policy: KObject) -> list[str]:
    """``policyTypes`` as the API server defaults it: Ingress always, Egress with egress rules."""
    given = policy.spec.get("policyTypes")
    if isinstance(given, list) and given:
        return [str(t) for t in given]
    return [INGRESS, EGRESS] if "egress" in policy.spec else [INGRESS]


def denies_all(policy: KObject, direction: str) -> bool:
    """An empty podSelector, the direction in policyTypes and no rule allowing any traffic."""
    rules = policy.spec.get(direction.lower())
    return (
        is_empty(policy.spec.get("podSelector"))
        and direction in _types(policy)
        and not (isinstance(rules, list) and rules)
    )


def _selected(policies: Sequence[KObject], labels: Mapping[str, str], direction: str) -> bool:
    return any(
        direction in _types(p) and selects(p.spec.get("podSelector"), labels) for p in policies
    )


def coverage(view: ClusterView, options: AuditOptions) -> tuple[NamespaceNetwork, ...]:
    """How each namespace with workloads is fenced."""
    by_namespace: dict[str, list[Template]] = {}
    for template in templates(view):
        by_namespace.setdefault(template.workload.namespace, []).append(template)
    return tuple(
        _namespace(view, options, namespace, workloads)
        for namespace, workloads in sorted(by_namespace.items())
    )


def _namespace(
    view: ClusterView, options: AuditOptions, namespace: str, workloads: list[Template]
) -> NamespaceNetwork:
    policies = view.objects("NetworkPolicy", namespace)
    judged = options.complete or view.knows("NetworkPolicy", namespace)
    deny_in = any(denies_all(p, INGRESS) for p in policies)
    deny_out = any(denies_all(p, EGRESS) for p in policies)
    open_in: tuple[ObjectRef, ...] = ()
    open_out: tuple[ObjectRef, ...] = ()
    if judged and policies:
        open_in = tuple(
            t.workload
            for t in workloads
            if not deny_in and not _selected(policies, t.labels, INGRESS)
        )
        open_out = tuple(
            t.workload
            for t in workloads
            if not deny_out and not _selected(policies, t.labels, EGRESS)
        )
    return NamespaceNetwork(
        namespace, judged, len(policies), deny_in, deny_out, len(workloads), open_in, open_out
    )


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    for network in coverage(view, options):
        if not network.judged:
            continue
        if not network.policies:
            yield _none(network)
            continue
        missing = [
            direction
            for direction, denied in (
                (INGRESS, network.default_deny_ingress),
                (EGRESS, network.default_deny_egress),
            )
            if not denied
        ]
        if missing:
            yield _no_default_deny(network, missing)
        for direction, workloads in (
            (INGRESS, network.open_ingress),
            (EGRESS, network.open_egress),
        ):
            for workload in workloads:
                yield _uncovered(network, workload, direction.lower())


def _no_default_deny(network: NamespaceNetwork, missing: list[str]) -> SecurityFinding:
    where = f"NetworkPolicies of namespace {network.namespace}"
    directions = " or ".join(d.lower() for d in missing)
    return finding(
        NO_DEFAULT_DENY,
        ObjectRef("Namespace", network.namespace),
        f"namespace {network.namespace} has {plural(network.policies, 'NetworkPolicy')} "
        f"but no default-deny for {directions}",
        [
            computed_fact(f"no policy with podSelector {{}} denies all {d.lower()}", where)
            for d in missing
        ],
        _default_deny_fix(network.namespace, missing),
    )


def _uncovered(network: NamespaceNetwork, workload: ObjectRef, direction: str) -> SecurityFinding:
    policies = plural(network.policies, "policy")
    fact = (
        f"none of the {policies} of namespace {network.namespace} selects its pod labels "
        f"for {direction}"
    )
    return finding(
        UNCOVERED,
        workload,
        f"{workload}: no NetworkPolicy selects its pods for {direction}",
        [computed_fact(fact, f"{workload} pod template labels")],
        Fix(
            f"Write a NetworkPolicy that selects its pods and allows only the {direction} "
            "they need, or add a default-deny for the namespace."
        ),
        detail=direction,
    )


def _none(network: NamespaceNetwork) -> SecurityFinding:
    return finding(
        NONE,
        ObjectRef("Namespace", network.namespace),
        f"namespace {network.namespace} has no NetworkPolicy: its "
        f"{plural(network.workloads, 'workload')} accept and open any connection",
        [
            spec_fact(
                f"no NetworkPolicy in namespace {network.namespace}",
                f"NetworkPolicies of namespace {network.namespace}",
            ),
            computed_fact(
                f"{plural(network.workloads, 'workload')} in the namespace",
                f"workloads of namespace {network.namespace}",
            ),
        ],
        _default_deny_fix(network.namespace, [INGRESS, EGRESS]),
    )


def _default_deny_fix(namespace: str, directions: list[str]) -> Fix:
    manifest = _default_deny(namespace, directions)
    return Fix(
        "Add a default-deny policy, after policies that allow the traffic the applications "
        "need (DNS egress to kube-system included): applied alone it cuts that traffic.",
        (f"kubectl apply -n {namespace} -f default-deny.yaml",),
        manifest,
    )


def _default_deny(namespace: str, directions: list[str]) -> str:
    types = ", ".join(directions)
    return (
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata:\n"
        "  name: default-deny\n"
        f"  namespace: {namespace}\n"
        "spec:\n"
        "  podSelector: {}\n"
        f"  policyTypes: [{types}]\n"
    )


CHECK = Check(
    name="network",
    description="NetworkPolicy coverage per namespace, default-deny recognised",
    rules=(NONE, NO_DEFAULT_DENY, UNCOVERED),
    run=run,
)
