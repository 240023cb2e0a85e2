"""Discovery and OpenAPI documents, generated from the resource table.

kubectl learns every resource, short name and verb from ``/api`` and ``/apis`` before it sends a
request, and ``kubectl apply`` reads ``/openapi/v3`` to learn that the server validates fields
itself (``fieldValidation``) — answering that lets apply validate as on a real cluster without
``--validate=false``. The per-group OpenAPI documents list each kind's PATCH operation only;
the schemas behind ``kubectl explain`` are not served.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from kubemedic.sandbox.resources import RESOURCES, ResourceType, group_versions

KUBERNETES_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0+kubemedic-sandbox",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_SUBRESOURCE_VERBS = {
    "status": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "log": ("get",),
    "eviction": ("create",),
    "exec": ("create", "get"),
    "attach": ("create", "get"),
    "token": ("create",),
    "finalize": ("update",),
}


def api_versions(server_address: str) -> dict[str, Any]:
    """``GET /api``."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group_list() -> dict[str, Any]:
    """``GET /apis``: every named group with its single, preferred version."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            api_group(group) for group in dict.fromkeys(g for g, _ in group_versions()) if group
        ],
    }


def api_group(group: str) -> dict[str, Any]:
    """``GET /apis/<group>``."""
    versions = [
        {"groupVersion": f"{group}/{version}", "version": version}
        for g, version in group_versions()
        if g == group
    ]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": versions,
        "preferredVersion": versions[0],
    }


def known_group(group: str) -> bool:
    return any(g == group for g, _ in group_versions())


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    """``GET /api/v1`` or ``GET /apis/<group>/<version>``; None for an unknown group version."""
    members = [r for r in RESOURCES if (r.group, r.version) == (group, version)]
    if not members:
        return None
    entries: list[dict[str, Any]] = []
    for resource in members:
        entries.append(_resource_entry(resource))
        entries.extend(_subresource_entry(resource, sub) for sub in resource.subresources)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": entries,
    }


def _resource_entry(resource: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    digest = hashlib.sha256(f"{resource.api_version}/{resource.kind}".encode()).digest()
    entry["storageVersionHash"] = digest[:8].hex()
    return entry


def _subresource_entry(resource: ResourceType, subresource: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{resource.plural}/{subresource}",
        "singularName": "",
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(_SUBRESOURCE_VERBS.get(subresource, ("get",))),
    }
    if subresource == "scale":
        entry.update(group="autoscaling", version="v1", kind="Scale")
    elif subresource == "eviction":
        entry.update(group="policy", version="v1", kind="Eviction")
    elif subresource in ("exec", "attach"):
        entry.update(kind=f"Pod{subresource.capitalize()}Options")
    elif subresource == "token":
        entry.update(group="authentication.k8s.io", version="v1", kind="TokenRequest")
    return entry


# ---------------------------------------------------------------- OpenAPI v3


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_document(group: str, version: str) -> bytes | None:
    """The OpenAPI v3 document of one group version: PATCH operations and their parameters."""
    members = [r for r in RESOURCES if (r.group, r.version) == (group, version) and r.stored]
    if not members:
        return None
    paths: dict[str, Any] = {}
    for resource in members:
        prefix = "/" + _gv_path(group, version)
        scope = "/namespaces/{namespace}" if resource.namespaced else ""
        paths[f"{prefix}{scope}/{resource.plural}/{{name}}"] = {"patch": _patch_operation(resource)}
    document = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": {}},
    }
    return orjson.dumps(document)


def _patch_operation(resource: ResourceType) -> dict[str, Any]:
    # Strategic merge patch is deliberately not listed: kubectl then computes apply patches
    # from its built-in types instead of looking for schemas this document does not carry.
    query = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
    return {
        "operationId": f"patch{resource.kind}",
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {
            "group": resource.group,
            "version": resource.version,
            "kind": resource.kind,
        },
        "parameters": [
            {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
            for name in query
        ],
        "requestBody": {
            "content": {
                "application/json-patch+json": {"schema": {"type": "object"}},
                "application/merge-patch+json": {"schema": {"type": "object"}},
                "application/apply-patch+yaml": {"schema": {"type": "object"}},
            },
            "required": True,
        },
        "responses": {"200": {"description": "OK"}},
    }


def openapi_index() -> dict[str, Any]:
    """``GET /openapi/v3``: where each group version's document lives, keyed by content hash."""
    paths: dict[str, Any] = {}
    for group, version in group_versions():
        document = openapi_document(group, version)
        if document is None:
            continue
        digest = hashlib.sha512(document).hexdigest()[:128].upper()
        path = _gv_path(group, version)
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}
