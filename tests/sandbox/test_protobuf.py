"""Protobuf bodies exactly as kubectl v1.32 sends them decode to the objects it meant."""

from __future__ import annotations

import pytest

from kubemedic.sandbox.protobuf import ProtobufError, decode_object

# `kubectl create configmap cfg --from-literal=a=b`, captured with -v=9.
CONFIGMAP = bytes.fromhex(
    "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a0363666712"
    "001a0022002a0032003800420012060a01611201621a002200"
)


def test_configmap_from_kubectl_create() -> None:
    assert decode_object(CONFIGMAP) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"a": "b"},
    }


def test_a_field_the_sandbox_cannot_decode_is_refused_not_dropped() -> None:
    # the same ConfigMap with an extra field 9 holding "x"
    body = bytearray(CONFIGMAP)
    raw_start = body.index(b"\x12\x1d") + 2
    body[raw_start - 1] += 3
    body[raw_start + 29 : raw_start + 29] = b"\x4a\x01x"
    with pytest.raises(ProtobufError, match="cannot decode field 9 of ConfigMap"):
        decode_object(bytes(body))


def test_a_body_without_the_magic_number_is_refused() -> None:
    with pytest.raises(ProtobufError, match="magic number"):
        decode_object(b'{"kind": "ConfigMap"}')
