"""Write manifests the way kubectl and the API server print them, for the files-loader tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


def write_yaml(path: Path, *documents: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return path


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=4))
    return path


def typed_list(kind: str, items: list[dict[str, Any]], api_version: str = "v1") -> dict[str, Any]:
    """A list as the API serves it: items carry no kind or apiVersion of their own."""
    bare = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items]
    return {
        "kind": f"{kind}List",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "48213"},
        "items": bare,
    }


def kubectl_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``kubectl get ... -o yaml`` prints: a plain List whose items keep their kinds."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
