"""Read, create and replace a ``coordination.k8s.io/v1`` Lease for leader election.

Every write carries the resourceVersion read (a replace) or expects no object (a create), so
the API server's optimistic concurrency decides between replicas: the loser gets ``Conflict``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from kubemedic._internal.timeutils import parse_time
from kubemedic.adapters.kubernetes.api import ApiRequest, Resource
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.errors import NotFound
from kubemedic.models.leases import LeaseRecord

LEASE = Resource("Lease", "coordination.k8s.io/v1", "leases")


def read_lease(client: ApiClient, namespace: str, name: str) -> LeaseRecord | None:
    """The lease ``namespace/name``; None when it does not exist."""
    try:
        found = client.get_json(ApiRequest.get(LEASE, namespace, name))
    except NotFound:
        return None
    return _record(found)


def create_lease(client: ApiClient, namespace: str, name: str, lease: LeaseRecord) -> LeaseRecord:
    """Create the lease; ``Conflict`` when another replica created it first."""
    body = _body(namespace, name, lease)
    answer = client.request(ApiRequest.create(LEASE, namespace), body=body, retry=False)
    return _record(answer)


def replace_lease(client: ApiClient, namespace: str, name: str, lease: LeaseRecord) -> LeaseRecord:
    """Replace the lease as read at ``lease.resource_version``; ``Conflict`` when it changed."""
    request = ApiRequest.change("update", LEASE, namespace, name)
    answer = client.request(request, body=_body(namespace, name, lease), retry=False)
    return _record(answer)


def _body(namespace: str, name: str, lease: LeaseRecord) -> bytes:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if lease.resource_version:
        metadata["resourceVersion"] = lease.resource_version
    spec: dict[str, Any] = {
        "holderIdentity": lease.holder,
        "leaseDurationSeconds": max(round(lease.duration_seconds), 1),
        "leaseTransitions": lease.transitions,
    }
    if lease.acquired_at is not None:
        spec["acquireTime"] = _micro_time(lease.acquired_at)
    if lease.renewed_at is not None:
        spec["renewTime"] = _micro_time(lease.renewed_at)
    return orjson.dumps(
        {"apiVersion": LEASE.group_version, "kind": LEASE.kind, "metadata": metadata, "spec": spec}
    )


def _micro_time(value: datetime) -> str:
    """Kubernetes' MicroTime: RFC 3339 with microseconds, UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(obj: dict[str, Any]) -> LeaseRecord:
    spec = obj.get("spec") or {}
    return LeaseRecord(
        holder=str(spec.get("holderIdentity") or ""),
        duration_seconds=float(spec.get("leaseDurationSeconds") or 0),
        acquired_at=parse_time(spec.get("acquireTime")),
        renewed_at=parse_time(spec.get("renewTime")),
        transitions=int(spec.get("leaseTransitions") or 0),
        resource_version=str((obj.get("metadata") or {}).get("resourceVersion") or ""),
    )
