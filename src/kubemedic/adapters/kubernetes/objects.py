"""Raw objects from either source: made alike, Secret values dropped, lists and dates read.

List items served by the API carry no ``kind``/``apiVersion``; files may hold ``stringData``
or a ``last-applied-configuration`` annotation that repeats every Secret value in clear. Both
sources pass each object through :func:`normalize` before anything else sees it, so a Secret
value is never kept in memory, logged or written anywhere by kubemedic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def normalize(obj: dict[str, Any], kind: str = "", api_version: str = "") -> dict[str, Any]:
    """Fill in the kind and apiVersion a list item lacks, and drop what kubemedic never reads.

    Works in place on objects the caller has just parsed (and therefore owns).
    """
    if kind and not obj.get("kind"):
        obj["kind"] = kind
    if api_version and not obj.get("apiVersion"):
        obj["apiVersion"] = api_version
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    if obj.get("kind") == "Secret":
        _redact_secret(obj)
    return obj


def _redact_secret(secret: dict[str, Any]) -> None:
    """Keep only the key names (with empty values) and the type of a Secret."""
    keys: dict[str, str] = {}
    for field in ("data", "stringData"):
        values = secret.pop(field, None)
        if isinstance(values, Mapping):
            keys.update(dict.fromkeys(map(str, values), ""))
    secret["data"] = keys
    metadata = secret.get("metadata")
    if isinstance(metadata, dict):
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)


def list_items(document: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    """The item kind and items of a ``*List`` document (``""`` for a plain ``List``), else None."""
    kind = document.get("kind")
    items = document.get("items")
    if not isinstance(kind, str) or not kind.endswith("List") or not isinstance(items, list):
        return None
    return kind[: -len("List")], items


def record_moments(obj: Mapping[str, Any], moments: set[object]) -> None:
    """Add every moment recorded in an object to ``moments`` (raw strings, unparsed).

    When it was made, changed state, or was last seen: used to date an offline snapshot by its
    own content. ``deletionTimestamp`` is left out: it lies in the future while the grace
    period runs. Written as one flat loop because a 10,000-pod dump passes through it.
    """
    add = moments.add
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        add(metadata.get("creationTimestamp"))
    if obj.get("kind") == "Event":
        add(obj.get("lastTimestamp"))
        add(obj.get("eventTime"))
        series = obj.get("series")
        if isinstance(series, Mapping):
            add(series.get("lastObservedTime"))
    add(obj.get("timestamp"))
    status = obj.get("status")
    if not isinstance(status, Mapping):
        return
    add(status.get("startTime"))
    for condition in _mappings(status.get("conditions")):
        add(condition.get("lastTransitionTime"))
        add(condition.get("lastUpdateTime"))
    for group in ("initContainerStatuses", "containerStatuses"):
        for container in _mappings(status.get(group)):
            for state_key in ("state", "lastState"):
                state = container.get(state_key)
                if isinstance(state, Mapping):
                    for detail in state.values():
                        if isinstance(detail, Mapping):
                            add(detail.get("startedAt"))
                            add(detail.get("finishedAt"))


def _mappings(value: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                yield item
