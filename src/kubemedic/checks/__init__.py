"""Security and best-practice checks: one family per module, registered here once.

Each module exposes ``CHECK`` (a name, its rules and a pure ``run(view, options)``). To add
one: write ``checks/<family>.py``, add its name to ``_MODULES``, test it under
``tests/unit/checks/`` and describe its rules in docs/security.md (a test holds the page to
every rule id). Checks never touch adapters, the clock or the environment.
"""

from __future__ import annotations

from collections import Counter
from importlib import import_module

from kubemedic.checks._registry import Check, Registry
from kubemedic.checks._templates import templates
from kubemedic.checks.network import coverage
from kubemedic.checks.pod_security import postures
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef

_MODULES = (
    "pod_security",
    "rbac",
    "network",
    "secrets",
    "certificates",
    "images",
    "resources",
    "vulnerabilities",
)

BUILTIN = Registry(import_module(f"{__name__}.{name}").CHECK for name in _MODULES)

AUDITED_KINDS = frozenset(
    {
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Namespace",
        "ServiceAccount",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "NetworkPolicy",
        "Secret",
        "ConfigMap",
        "Service",
        "Ingress",
        "VulnerabilityReport",
    }
)
"""Kinds some check reads; objects of other kinds are skipped (and counted in a note)."""


def unaudited(view: ClusterView) -> dict[str, int]:
    """Objects of kinds no check reads, by kind (Events aside: they never carry posture)."""
    counts = Counter(
        {
            kind: len(view.objects(kind))
            for kind in view.kinds
            if kind not in AUDITED_KINDS and kind != "Event"
        }
    )
    return dict(sorted(counts.items()))


def audited_objects(view: ClusterView) -> frozenset[ObjectRef]:
    """What the score is shared over: workloads, their namespaces, service accounts, Secrets
    and ConfigMaps (identities that only appear in findings are added by the summary)."""
    found = {t.workload for t in templates(view)}
    found |= {ObjectRef("Namespace", ref.namespace) for ref in found if ref.namespace}
    for kind in ("ServiceAccount", "Secret", "ConfigMap"):
        found |= {obj.ref for obj in view.objects(kind)}
    return frozenset(found)


__all__ = [
    "AUDITED_KINDS",
    "BUILTIN",
    "Check",
    "Registry",
    "audited_objects",
    "coverage",
    "postures",
    "unaudited",
]
