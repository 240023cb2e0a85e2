"""Raw objects from either source: made alike, Secret values dropped, lists and dates read.

List items served by the API carry no ``kind``/``apiVersion``; files may hold ``stringData``
or a ``last-applied-configuration`` annotation that repeats every Secret value in clear. Both
sources pass each object through :func:`normalize` before anything else sees it, so a Secret
value is never kept in memory, logged or written anywhere by kubemedic. The one thing read
from a value on the way is the expiry of a ``kubernetes.io/tls`` Secret's certificate (public
data, kept under ``CERTIFICATE_FIELD``), for the security audit; the private key is never read.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from kubemedic._internal.timeutils import format_time

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
    """Keep only the key names (with empty values), the type of a Secret and, for a TLS
    Secret, its certificate's expiry."""
    from kubemedic.models.security import CERTIFICATE_FIELD  # the audit's models: only here

    keys: dict[str, str] = {}
    certificate: bytes | None = None
    for field in ("data", "stringData"):
        values = secret.pop(field, None)
        if isinstance(values, Mapping):
            keys.update(dict.fromkeys(map(str, values), ""))
            if TLS_CERT in values:
                certificate = _pem(values[TLS_CERT], encoded=field == "data")
    secret["data"] = keys
    read_before = certificate is None and CERTIFICATE_FIELD in secret  # normalized twice
    if secret.get("type") == TLS_TYPE and TLS_CERT in keys and not read_before:
        secret[CERTIFICATE_FIELD] = _expiry(certificate)
    metadata = secret.get("metadata")
    if isinstance(metadata, dict):
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)


TLS_TYPE = "kubernetes.io/tls"
TLS_CERT = "tls.crt"


def _pem(value: object, *, encoded: bool) -> bytes | None:
    """The certificate text of ``data`` (base64) or ``stringData`` (plain); None if unreadable
    or empty (as it is once redacted)."""
    if not isinstance(value, str) or not value:
        return None
    if not encoded:
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _expiry(pem: bytes | None) -> dict[str, str]:
    """``{"notAfter": ...}`` of the first (leaf) certificate, or ``{"error": ...}``."""
    if not pem or b"-----BEGIN CERTIFICATE-----" not in pem:
        return {"error": "tls.crt holds no PEM certificate"}
    from cryptography import x509  # only when a TLS Secret is read

    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return {"error": "tls.crt is not a readable X.509 certificate"}
    return {"notAfter": format_time(certificate.not_valid_after_utc)}


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
