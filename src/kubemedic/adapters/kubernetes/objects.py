"""Raw objects from either source: made alike, Secret values dropped, lists and dates read.

List items served by the API carry no ``kind``/``apiVersion``; files may hold ``stringData``
or a ``last-applied-configuration`` annotation that repeats every Secret value in clear. Both
sources pass each object through :func:`normalize` before anything else sees it, so a Secret
value is never kept in memory, logged or written anywhere by kubemedic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


_TOP_LEVEL_MOMENTS = (
    "lastTimestamp",
    "firstTimestamp",  # all an event has when its last time was cut from a paste
    "eventTime",
    "deprecatedLastTimestamp",
    "deprecatedFirstTimestamp",
    "timestamp",
)
_STATUS_MOMENTS = (
    "startTime",  # Pod, Job
    "completionTime",  # Job
    "lastScheduleTime",  # CronJob
    "lastSuccessfulTime",  # CronJob
    "lastScaleTime",  # HorizontalPodAutoscaler
)
_CONDITION_MOMENTS = ("lastTransitionTime", "lastUpdateTime", "lastHeartbeatTime", "lastProbeTime")
_CONTAINER_STATUS_GROUPS = ("initContainerStatuses", "containerStatuses")
_CONTAINER_STATES = ("state", "lastState")


def record_moments(obj: Mapping[str, Any], moments: set[object]) -> None:
    """Add every moment recorded in a parsed object to ``moments`` (raw strings, unparsed).

    When it was made, last written (``managedFields``), changed state, or was last seen alive
    (node heartbeats, lease renewals, event series, metrics samples): used to date an offline
    snapshot by its own content, so a pod stuck quietly for an hour, with no recent event, is
    still seen as stuck for an hour. Call it before :func:`normalize` drops ``managedFields``.
    ``deletionTimestamp`` is left out: it lies in the future while the grace period runs.
    Fields are read whatever the kind (list items may not name theirs yet, and these names
    hold a past moment wherever they appear). Every object of a 10,000-pod dump passes here,
    so the walk is plain loops with ``dict`` checks (parsers only make dicts and lists).
    """
    add = moments.add
    get = obj.get
    metadata = get("metadata")
    if isinstance(metadata, dict):
        add(metadata.get("creationTimestamp"))
        managed = metadata.get("managedFields")
        if isinstance(managed, list):
            for entry in managed:
                if isinstance(entry, dict):
                    add(entry.get("time"))
    for key in _TOP_LEVEL_MOMENTS:  # Event, events.k8s.io Event, PodMetrics/NodeMetrics
        add(get(key))
    series = get("series")
    if isinstance(series, dict):
        add(series.get("lastObservedTime"))
    spec = get("spec")
    if isinstance(spec, dict):
        add(spec.get("renewTime"))  # Lease
    status = get("status")
    if isinstance(status, dict):
        _record_status_moments(status, add)


def _record_status_moments(status: dict[str, Any], add: Callable[[object], None]) -> None:
    get = status.get
    for key in _STATUS_MOMENTS:
        add(get(key))
    conditions = get("conditions")
    if isinstance(conditions, list):
        for condition in conditions:
            if isinstance(condition, dict):
                condition_get = condition.get
                for key in _CONDITION_MOMENTS:
                    add(condition_get(key))
    for group in _CONTAINER_STATUS_GROUPS:
        containers = get(group)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if not isinstance(container, dict):
                continue
            for state_key in _CONTAINER_STATES:
                state = container.get(state_key)
                if isinstance(state, dict):
                    for detail in state.values():
                        if isinstance(detail, dict):
                            add(detail.get("startedAt"))
                            add(detail.get("finishedAt"))
