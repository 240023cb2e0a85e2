"""NetworkPolicy decisions for one connection, as a conforming network plugin enforces them.

A pod selected by any policy listing ``Ingress`` (or ``Egress``) in its ``policyTypes`` is
isolated for that direction, and then only what some rule of such a policy allows gets through:
a rule's peers (``podSelector`` in the policy's namespace, ``namespaceSelector``, both together,
or an ``ipBlock`` with ``except``) and ports (number, name on the destination pod, ``endPort``,
protocol) must all match; an absent list matches everything. Kubelet probes come from the node
and are never subject to policies; traffic a policy does not allow is dropped (the client times
out), not refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.sandbox.selectors import SelectorError, matches_selector_object

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a connection: its address and, for a pod, the pod and its namespace."""

    ip: str
    pod: Obj | None = None
    namespace_labels: Mapping[str, str] | None = None

    @property
    def namespace(self) -> str:
        return str((self.pod or {}).get("metadata", {}).get("namespace") or "")

    @property
    def labels(self) -> Mapping[str, str]:
        return (self.pod or {}).get("metadata", {}).get("labels") or {}


def policy_types(policy: Obj) -> tuple[str, ...]:
    spec = policy.get("spec") or {}
    declared = spec.get("policyTypes")
    if declared:
        return tuple(str(t) for t in declared)
    return ("Ingress", "Egress") if "egress" in spec else ("Ingress",)


def _selects(selector: Any, labels: Mapping[str, str]) -> bool:
    try:
        return matches_selector_object(selector or {}, labels)
    except SelectorError:
        return False


def _isolating(policies: Iterable[Obj], pod: Endpoint, direction: str) -> list[Obj]:
    return [
        policy
        for policy in policies
        if policy["metadata"].get("namespace") == pod.namespace
        and direction in policy_types(policy)
        and _selects((policy.get("spec") or {}).get("podSelector"), pod.labels)
    ]


def _peer_matches(peer: Obj, other: Endpoint, policy_namespace: str) -> bool:
    block = peer.get("ipBlock")
    if isinstance(block, dict):
        try:
            address = ipaddress.ip_address(other.ip)
            if address not in ipaddress.ip_network(str(block.get("cidr")), strict=False):
                return False
            return not any(
                address in ipaddress.ip_network(str(e), strict=False)
                for e in block.get("except") or []
            )
        except ValueError:
            return False
    if other.pod is None:
        return False
    if "namespaceSelector" in peer:
        if not _selects(peer.get("namespaceSelector"), other.namespace_labels or {}):
            return False
    elif other.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or _selects(peer.get("podSelector"), other.labels)


def _port_matches(rule_port: Obj, port: int, protocol: str, named: Mapping[str, int]) -> bool:
    if str(rule_port.get("protocol") or "TCP") != protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str) and not wanted.isdigit():
        return named.get(wanted) == port
    end = rule_port.get("endPort")
    return int(wanted) <= port <= int(end) if end is not None else int(wanted) == port


def _rules_allow(
    policies: list[Obj],
    direction: str,
    peer: Endpoint,
    port: int,
    protocol: str,
    named: Mapping[str, int],
) -> bool:
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in policies:
        namespace = str(policy["metadata"].get("namespace") or "")
        for rule in (policy.get("spec") or {}).get(key) or []:
            peers = rule.get(peers_key) or []
            ports = rule.get("ports") or []
            if peers and not any(_peer_matches(p, peer, namespace) for p in peers):
                continue
            if ports and not any(_port_matches(p, port, protocol, named) for p in ports):
                continue
            return True
    return False


def named_ports(pod: Obj | None) -> dict[str, int]:
    """The destination pod's container ports by name (what named policy ports refer to)."""
    ports: dict[str, int] = {}
    for container in ((pod or {}).get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name"):
                ports[str(port["name"])] = int(port.get("containerPort") or 0)
    return ports


def allows(
    policies: list[Obj], source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether the policies let ``source`` open ``port`` on ``destination``."""
    named = named_ports(destination.pod)
    if source.pod is not None:
        egress = _isolating(policies, source, "Egress")
        if egress and not _rules_allow(egress, "Egress", destination, port, protocol, named):
            return False
    if destination.pod is not None:
        ingress = _isolating(policies, destination, "Ingress")
        if ingress and not _rules_allow(ingress, "Ingress", source, port, protocol, named):
            return False
    return True
