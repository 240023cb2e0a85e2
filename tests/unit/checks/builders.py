"""API-shaped objects for the check tests, as ``kubectl get -o json`` returns them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.models.cluster import ALL_NAMESPACES, ClusterView
from kubemedic.models.security import AuditOptions, PodSecurityLevel, SecurityFinding

NOW = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
Obj = dict[str, Any]


def container(name: str = "app", image: str = "ghcr.io/acme/app:1.4.2", **fields: Any) -> Obj:
    return {"name": name, "image": image, **fields}


def deployment(
    name: str,
    namespace: str = "shop",
    *,
    containers: Iterable[Obj] | None = None,
    labels: dict[str, str] | None = None,
    **pod_fields: Any,
) -> Obj:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": list(containers or [container()]), **pod_fields},
            },
        },
    }


def obj(kind: str, name: str, namespace: str = "shop", api: str = "v1", **body: Any) -> Obj:
    metadata: Obj = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata.update(body.pop("metadata", {}))
    return {"apiVersion": api, "kind": kind, "metadata": metadata, **body}


RBAC = "rbac.authorization.k8s.io/v1"


def role(name: str, rules: list[Obj], namespace: str = "shop") -> Obj:
    kind = "Role" if namespace else "ClusterRole"
    return obj(kind, name, namespace, RBAC, rules=rules)


def binding(
    name: str, role_kind: str, role_name: str, subjects: list[Obj], namespace: str = "shop"
) -> Obj:
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}
    return obj(kind, name, namespace, RBAC, roleRef=role_ref, subjects=subjects)


def view(
    *objects: Obj,
    listed: Iterable[tuple[str, str]] = (),
    namespaces: tuple[str, ...] = (ALL_NAMESPACES,),
) -> ClusterView:
    """A view of these objects, passed through the adapters' boundary like real input."""
    return ClusterView(
        [normalize(o) for o in objects],
        observed_at=NOW,
        source="test",
        listed=listed,
        namespaces=namespaces,
    )


MANIFESTS = AuditOptions(complete=True)
RESTRICTED = AuditOptions(level=PodSecurityLevel.RESTRICTED, complete=True)


def ids(findings: Iterable[SecurityFinding]) -> list[str]:
    return sorted(f.id for f in findings)
