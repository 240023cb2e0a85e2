"""Decoding the Kubernetes protobuf encoding of request bodies into JSON objects.

kubectl's generator commands (``kubectl create deployment|configmap|secret|namespace|job ...``,
``kubectl autoscale``, the evictions of ``kubectl drain``) send ``application/vnd.kubernetes.
protobuf`` bodies: the ``k8s\\0`` magic, then a ``runtime.Unknown`` envelope naming apiVersion
and kind around the object's bytes. The messages' field numbers come from
``protobuf_schema``. A field the schema does not know is skipped when it holds its zero value
(Go writes every non-pointer field) and refused otherwise, so nothing a client sent is dropped
in silence.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from kubemedic.sandbox.protobuf_schema import KINDS_TO_MESSAGES, MESSAGES, Field

MAGIC = b"k8s\x00"
# Pointer fields whose zero value means something (replicas: 0 is not "unset").
_ZERO_MATTERS = frozenset(
    {
        "replicas",
        "parallelism",
        "completions",
        "backoffLimit",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "revisionHistoryLimit",
        "minReplicas",
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
        "ttlSecondsAfterFinished",
        "gracePeriodSeconds",
        "automountServiceAccountToken",
        "enableServiceLinks",
        "hostUsers",
        "value",
    }
)


class ProtobufError(ValueError):
    """A body that is not Kubernetes protobuf, or holds what the sandbox cannot decode."""


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of a ``k8s\\0``-prefixed protobuf object."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf magic number")
    envelope = _fields(body[len(MAGIC) :])
    type_meta = _fields(_last_bytes(envelope, 1))
    api_version = _last_bytes(type_meta, 1).decode()
    kind = _last_bytes(type_meta, 2).decode()
    message = KINDS_TO_MESSAGES.get(kind)
    if kind == "HorizontalPodAutoscaler" and api_version != "autoscaling/v1":
        message = None  # the table holds the v1 form kubectl autoscale sends
    if message is None:
        raise ProtobufError(f"the sandbox cannot decode protobuf {kind} objects; send JSON")
    obj = _message(_last_bytes(envelope, 2), message, kind)
    return {"apiVersion": api_version, "kind": kind, **obj}


def _fields(data: bytes) -> dict[int, list[int | bytes]]:
    fields: dict[int, list[int | bytes]] = {}
    for number, value in _wire(data):
        fields.setdefault(number, []).append(value)
    return fields


def _last_bytes(fields: dict[int, list[int | bytes]], number: int) -> bytes:
    values = fields.get(number) or [b""]
    value = values[-1]
    return value if isinstance(value, bytes) else b""


def _last_int(fields: dict[int, list[int | bytes]], number: int) -> int:
    value = (fields.get(number) or [0])[-1]
    return value if isinstance(value, int) else 0


def _wire(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    position = 0
    end = len(data)
    while position < end:
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == 2:
            length, position = _varint(data, position)
            if position + length > end:
                raise ProtobufError("truncated protobuf field")
            yield number, data[position : position + length]
            position += length
        elif wire_type == 1:
            yield number, struct.unpack_from("<q", data, position)[0]
            position += 8
        elif wire_type == 5:
            yield number, struct.unpack_from("<i", data, position)[0]
            position += 4
        else:
            raise ProtobufError(f"unsupported protobuf wire type {wire_type}")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if position >= len(data):
            raise ProtobufError("truncated protobuf varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    if result >= 1 << 63:
        result -= 1 << 64
    return result, position


def _message(data: bytes, name: str, path: str) -> dict[str, Any]:
    schema = MESSAGES[name]
    result: dict[str, Any] = {}
    for number, values in _fields(data).items():
        field = schema.get(number)
        if field is None:
            if any(v not in (0, b"") for v in values):
                raise ProtobufError(
                    f"the sandbox cannot decode field {number} of {name} at {path}; send JSON"
                )
            continue
        decoded = [_value(v, field, f"{path}.{field.name}") for v in values]
        if field.inline:
            for part in decoded:
                result.update(part)
            continue
        if field.type.startswith("map:"):
            merged: dict[str, Any] = {}
            for entry in decoded:
                merged.update(entry)
            result[field.name] = merged
        elif field.repeated:
            result[field.name] = decoded
        elif decoded[-1] is not None and _meaningful(field, decoded[-1]):
            result[field.name] = decoded[-1]
    return result


def _meaningful(field: Field, value: Any) -> bool:
    if value in ("", 0, False) and not isinstance(value, dict):
        return field.name in _ZERO_MATTERS and value != ""
    return True


def _value(raw: int | bytes, field: Field, path: str) -> Any:
    kind = field.type
    if kind == "int":
        return int(raw) if isinstance(raw, int) else 0
    if kind == "bool":
        return bool(raw)
    if kind == "double":
        return struct.unpack("<d", struct.pack("<q", int(raw)))[0]
    data = raw if isinstance(raw, bytes) else b""
    if kind == "string":
        return data.decode()
    if kind == "bytes":
        return base64.b64encode(data).decode()
    if kind.startswith("map:"):
        entry = _fields(data)
        key = _last_bytes(entry, 1).decode()
        value_type = kind[4:]
        value_field = Field(2, "value", value_type)
        values = entry.get(2) or [b"" if value_type not in ("int", "bool") else 0]
        return {key: _value(values[-1], value_field, f"{path}[{key}]")}
    return _special(data, kind, path)


def _special(data: bytes, kind: str, path: str) -> Any:
    if kind == "Quantity":
        return _last_bytes(_fields(data), 1).decode()
    if kind == "Time":
        fields = _fields(data)
        seconds = _last_int(fields, 1)
        if not seconds:
            return None
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "IntOrString":
        fields = _fields(data)
        if _last_int(fields, 1):
            return _last_bytes(fields, 3).decode()
        return _last_int(fields, 2)
    if kind == "RawExtension":
        raw = _last_bytes(_fields(data), 1)
        return orjson.loads(raw) if raw else None
    return _message(data, kind, path)
