"""The three PATCH flavours the API server accepts: JSON merge, JSON patch, strategic merge.

kubectl computes strategic merge patches (``set image``, ``apply``, ``rollout pause``) and JSON
patches (``rollout undo``); controllers and scripts send merge patches. Strategic merge follows
Kubernetes' rules for the built-in types: lists of containers, env, volumes ... merge by their
key, ``null`` deletes, and the ``$patch`` / ``$retainKeys`` / ``$setElementOrder`` /
``$deleteFromPrimitiveList`` directives kubectl emits are honoured.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any


class PatchError(ValueError):
    """A patch that cannot be applied; ``bad_request`` is a malformed patch (400), else 422."""

    def __init__(self, message: str, *, bad_request: bool = False) -> None:
        super().__init__(message)
        self.bad_request = bad_request


# patchMergeKey of the built-in types' lists, by field name (the names do not clash across
# types, except "ports", whose key depends on whether it lists container or service ports).
_MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "conditions": "type",
    "addresses": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "schedulingGates": "name",
}
_PRIMITIVE_MERGE_LISTS = frozenset({"finalizers"})


def apply_patch(target: dict[str, Any], patch: object, patch_type: str) -> dict[str, Any]:
    """Return a new object: ``target`` with ``patch`` applied (``target`` is left unchanged)."""
    appliers: dict[str, Callable[[dict[str, Any], Any], Any]] = {
        "merge": merge_patch,
        "json": json_patch,
        "strategic": strategic_merge_patch,
    }
    applier = appliers.get(patch_type)
    if applier is None:
        raise PatchError(f"unsupported patch type {patch_type!r}", bad_request=True)
    if patch_type == "json":
        if not isinstance(patch, list):
            raise PatchError("json patch must be a list of operations", bad_request=True)
    elif not isinstance(patch, dict):
        raise PatchError("patch must be a JSON object", bad_request=True)
    result = applier(copy.deepcopy(target), copy.deepcopy(patch))
    if not isinstance(result, dict):
        raise PatchError("the patch did not leave an object")
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, ``null`` deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ---------------------------------------------------------------- RFC 6902 JSON patch


def json_patch(target: Any, operations: list[Any]) -> Any:
    """RFC 6902: add, remove, replace, move, copy and test, with JSON pointers."""
    document = target
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError("json patch operations need 'op' and 'path'", bad_request=True)
        op = operation["op"]
        path = str(operation["path"])
        if op == "add":
            document = _add(document, path, operation.get("value"))
        elif op == "remove":
            document, _ = _remove(document, path)
        elif op == "replace":
            document, _ = _remove(document, path)
            document = _add(document, path, operation.get("value"))
        elif op in ("move", "copy"):
            source = str(operation.get("from", ""))
            if op == "move":
                document, value = _remove(document, source)
            else:
                value = copy.deepcopy(_resolve(document, source))
            document = _add(document, path, value)
        elif op == "test":
            if _resolve(document, path) != operation.get("value"):
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"Unexpected kind: {op}", bad_request=True)
    return document


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}", bad_request=True)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve(document: Any, path: str) -> Any:
    current = document
    for token in _pointer(path):
        current = _child(current, token, path)
    return current


def _child(container: Any, token: str, path: str) -> Any:
    if isinstance(container, dict):
        if token not in container:
            raise PatchError(f"doc is missing path: {path}")
        return container[token]
    if isinstance(container, list):
        index = _index(container, token, path, allow_end=False)
        return container[index]
    raise PatchError(f"doc is missing path: {path}")


def _index(container: list[Any], segment: str, path: str, *, allow_end: bool) -> int:
    if allow_end and segment == "-":
        return len(container)
    if not segment.isdigit():
        raise PatchError(f"invalid array index {segment!r} in {path}")
    index = int(segment)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchError(f"unable to access invalid index: {index}")
    return index


def _parent(document: Any, path: str) -> tuple[Any, str]:
    tokens = _pointer(path)
    if not tokens:
        raise PatchError("the root cannot be the target of this operation")
    current = document
    for token in tokens[:-1]:
        current = _child(current, token, path)
    return current, tokens[-1]


def _add(document: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, token = _parent(document, path)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, path, allow_end=True), value)
    else:
        raise PatchError(f"doc is missing path: {path}")
    return document


def _remove(document: Any, path: str) -> tuple[Any, Any]:
    parent, token = _parent(document, path)
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchError(f"Unable to remove nonexistent key: {token}: missing value")
        return document, parent.pop(token)
    if isinstance(parent, list):
        return document, parent.pop(_index(parent, token, path, allow_end=False))
    raise PatchError(f"doc is missing path: {path}")


# ---------------------------------------------------------------- strategic merge patch


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Kubernetes' strategic merge patch for the built-in types."""
    return _merge_map(target if isinstance(target, dict) else {}, patch)


def _merge_map(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    directive = patch.get("$patch")
    if directive == "delete":
        return {}
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    result = dict(original)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in (value or [])]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            result[key] = _merge_map(current if isinstance(current, dict) else {}, value)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = _reorder(field, result[field], value)
    return result


def _merge_key(field: str, items: list[Any]) -> str | None:
    if field == "ports":
        sample = next((i for i in items if isinstance(i, dict)), {})
        return "containerPort" if "containerPort" in sample else "port"
    return _MERGE_KEYS.get(field)


def _merge_list(field: str, original: Any, patch: list[Any]) -> list[Any]:
    current = original if isinstance(original, list) else []
    if field in _PRIMITIVE_MERGE_LISTS:
        return current + [v for v in patch if v not in current]
    key = _merge_key(field, patch or current)
    if key is None or not all(isinstance(item, dict) for item in patch):
        return [item for item in patch if not _is_directive(item)]
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [item for item in patch if not _is_directive(item)]
    merged = [dict(item) if isinstance(item, dict) else item for item in current]
    for item in patch:
        position = next(
            (
                i
                for i, existing in enumerate(merged)
                if isinstance(existing, dict) and existing.get(key) == item.get(key)
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                merged.pop(position)
        elif position is None:
            merged.append(_merge_map({}, item))
        else:
            merged[position] = _merge_map(merged[position], item)
    return merged


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and "$patch" in item and len(item) == 1


def _reorder(field: str, items: list[Any], order: list[Any]) -> list[Any]:
    key = _merge_key(field, order if order and isinstance(order[0], dict) else items)
    if key is None:
        rank = {repr(v): i for i, v in enumerate(order)}
        return sorted(items, key=lambda v: rank.get(repr(v), len(rank)))
    keyed = {repr(o.get(key)): i for i, o in enumerate(order) if isinstance(o, dict)}
    return sorted(
        items,
        key=lambda v: keyed.get(repr(v.get(key)) if isinstance(v, dict) else "", len(keyed)),
    )
