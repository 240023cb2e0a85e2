"""The in-cluster dependency a failing container tries to reach, checked against the view.

"connection refused to postgres:5432" and a wait loop polling ``orders-db`` name a Service.
Whether that Service exists and has ready endpoints turns a guess into the root cause: a
missing Service is a deployment-order or naming problem, an empty one a problem of its pods.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import dig

_DNS_LABEL = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_LISTED = 6
"""Up to this many Services in a namespace are listed when the wanted one is missing."""


@dataclass(frozen=True, slots=True)
class Dependency:
    """What the view says about the Service behind a host name."""

    namespace: str
    name: str
    fact: str
    location: str
    problem: bool
    missing: bool = False

    @property
    def check_command(self) -> str:
        return f"kubectl get service,endpoints {self.name} -n {self.namespace}"


def service_of(host: str, namespace: str) -> tuple[str, str] | None:
    """The (namespace, name) of the Service a dependency address names.

    ``postgres:5432``, ``postgres.data`` and ``postgres.data.svc.cluster.local`` name a Service;
    IP addresses and external host names do not (None).
    """
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if _IP.match(name):
        return None
    labels = name.removesuffix(".svc.cluster.local").removesuffix(".svc").split(".")
    if len(labels) > 2 or not all(_DNS_LABEL.match(label) for label in labels):
        return None
    return (labels[1] if len(labels) == 2 else namespace), labels[0]


def dependency(view: ClusterView, host: str, namespace: str) -> Dependency | None:
    """The Service ``host`` refers to and its state, when the view can tell."""
    service = service_of(host, namespace)
    if service is None:
        return None
    ns, name = service
    if view.get("Service", ns, name) is None:
        if not view.knows("Service", ns):
            return None
        fact = f"no Service named {name} exists in namespace {ns}"
        fact += _existing(sorted(service.name for service in view.objects("Service", ns)), name)
        location = f"Services in namespace {ns}"
        return Dependency(ns, name, fact, location, problem=True, missing=True)
    endpoints = view.get("Endpoints", ns, name)
    if endpoints is None:
        return Dependency(ns, name, "the Service exists", f"Service {ns}/{name}", problem=False)
    ready = _ready_addresses(endpoints.raw)
    if ready == 0:
        fact = f"Service {name} exists but has no ready endpoints"
        return Dependency(ns, name, fact, f"Endpoints {ns}/{name}", problem=True)
    fact = f"Service {name} has {ready} ready endpoint(s)"
    return Dependency(ns, name, fact, f"Endpoints {ns}/{name}", problem=False)


def _existing(names: list[str], wanted: str) -> str:
    """The Services that do exist, or the one close to the missing name when there are many."""
    if 0 < len(names) <= _LISTED:
        return f" (it has: {', '.join(names)})"
    closest = difflib.get_close_matches(wanted, names, n=1, cutoff=0.8)
    return f" (did you mean {closest[0]}?)" if closest else ""


def _ready_addresses(endpoints: Mapping[str, object]) -> int:
    subsets = dig(endpoints, "subsets") or []
    return sum(len(dig(subset, "addresses") or []) for subset in subsets)
