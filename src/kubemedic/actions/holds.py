"""Does a change still hold on its object? The check a rollback is validated with.

A rollback restores the state approved before the original change, healthy or not; what proves
it worked is that the object says again what the inverse wrote. The same test tells whether a
forward change is still in effect (nobody reverted it by hand). Merge and strategic patches are
compared field by field (containers matched by name), JSON patches operation by operation.
A Helm rollback writes whatever the release's revision holds: on the Deployment it holds while
the Deployment exists and, when the rollback unpaused it, is not paused again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.models.k8s import dig
from kubemedic.models.operations import Change, ChangeVerb

_MISSING = object()
_MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "ip", "port", "topologyKey")


def differences(obj: Mapping[str, Any] | None, change: Change) -> tuple[str, ...]:
    """Where ``obj`` (None: absent) does not say what ``change`` wrote; empty when it holds."""
    if change.verb is ChangeVerb.CREATE:
        return () if obj is not None else ("the object does not exist",)
    if change.verb is ChangeVerb.DELETE:
        gone = obj is None or bool(dig(obj, "metadata", "deletionTimestamp"))
        return () if gone else ("the object still exists",)
    if obj is None:
        return ("the object does not exist",)
    body = change.body or {}
    if change.verb is ChangeVerb.HELM_ROLLBACK:
        paused = body.get("resume") and dig(obj, "spec", "paused")
        return ("spec.paused is True, should be False",) if paused else ()
    if change.patch_type == "json":
        return tuple(_json_ops(obj, body.get("ops") or []))
    return tuple(_merge(obj, body, ""))


def _merge(obj: Any, patch: Mapping[str, Any], path: str) -> list[str]:
    found: list[str] = []
    for key, wanted in patch.items():
        if key == "metadata" and not path:
            continue
        here = f"{path}.{key}"
        have = obj.get(key, _MISSING) if isinstance(obj, Mapping) else _MISSING
        if wanted is None:
            if have is not _MISSING and have is not None:
                found.append(f"{here[1:]} is set ({have!r}), should be absent")
        elif isinstance(wanted, Mapping):
            found += _merge(have if isinstance(have, Mapping) else {}, wanted, here)
        elif isinstance(wanted, list) and wanted and all(isinstance(i, Mapping) for i in wanted):
            found += _merge_list(have if isinstance(have, list) else [], wanted, here)
        elif have != wanted:
            found.append(f"{here[1:]} is {_show(have)}, should be {wanted!r}")
    return found


def _merge_list(have: list[Any], wanted: list[Any], path: str) -> list[str]:
    key = next((k for k in _MERGE_KEYS if all(k in item for item in wanted)), None)
    if key is None:
        return [] if have == wanted else [f"{path[1:]} differs"]
    found: list[str] = []
    for item in wanted:
        match = next((h for h in have if isinstance(h, Mapping) and h.get(key) == item[key]), None)
        where = f"{path}[{item[key]}]"
        if match is None:
            found.append(f"{where[1:]} is missing")
        else:
            found += _merge(match, item, where)
    return found


def _json_ops(obj: Mapping[str, Any], ops: list[Mapping[str, Any]]) -> list[str]:
    found = []
    for op in ops:
        pointer = str(op.get("path", ""))
        if pointer == "/metadata/resourceVersion" or op.get("op") not in (
            "add",
            "replace",
            "remove",
        ):
            continue
        have = _at(obj, pointer)
        if op["op"] == "remove":
            if have is not _MISSING:
                found.append(f"{pointer} is still set")
        elif have != op.get("value"):
            found.append(f"{pointer} differs from what was written")
    return found


def _at(obj: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(obj, Mapping) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return _MISSING
    return obj


def _show(value: Any) -> str:
    return "absent" if value is _MISSING else repr(value)
