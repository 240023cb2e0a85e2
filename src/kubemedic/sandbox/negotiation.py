"""Request parameters and content negotiation, shared by every resource handler.

kubectl asks for ``application/json;as=Table;v=v1;g=meta.k8s.io`` when it prints, garbage
collectors and some clients for ``as=PartialObjectMetadataList``; everything else is plain JSON.
Query parameters arrive as strings and are checked here once, with the API server's messages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

from kubemedic.sandbox.apierrors import BadRequestError, GoneError, UnsupportedMediaError
from kubemedic.sandbox.protobuf import ProtobufError, decode_object
from kubemedic.sandbox.routing import Route

JSON = "application/json"
PROTOBUF = "application/vnd.kubernetes.protobuf"
PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}


@dataclass(frozen=True, slots=True)
class Representation:
    """How the client wants objects rendered: as they are, as a Table, or as metadata only."""

    table: bool = False
    metadata_only: bool = False
    include_object: str = "Metadata"


def negotiate(accept: str | None, include_object: str | None) -> Representation:
    """Pick the representation the first acceptable ``Accept`` entry names."""
    for entry in (accept or JSON).split(","):
        params = dict(part.strip().split("=", 1) for part in entry.split(";")[1:] if "=" in part)
        media = entry.split(";")[0].strip()
        if media not in (JSON, "*/*", "application/*"):
            continue
        as_kind = params.get("as", "")
        if as_kind == "Table" and params.get("g") == "meta.k8s.io":
            return Representation(table=True, include_object=include_object or "Metadata")
        if as_kind.startswith("PartialObjectMetadata") and params.get("g") == "meta.k8s.io":
            return Representation(metadata_only=True)
        if not as_kind:
            return Representation()
    return Representation()


@dataclass(frozen=True, slots=True)
class Query:
    """The query parameters of one request, parsed."""

    values: dict[str, str]

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def flag(self, name: str) -> bool:
        return self.values.get(name, "").lower() in ("1", "true", "yes")

    def integer(self, name: str) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise BadRequestError(
                f'invalid value for {name}: "{raw}": must be an integer'
            ) from None

    @property
    def dry_run(self) -> bool:
        raw = self.values.get("dryRun")
        if raw is None:
            return False
        if raw != "All":
            raise BadRequestError(f'dryRun: Unsupported value: "{raw}": supported values: "All"')
        return True


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete response."""

    code: int
    body: bytes
    content_type: str = JSON


@dataclass(frozen=True, slots=True)
class Stream:
    """A chunked response: a watch, or a followed log."""

    chunks: Iterator[bytes]
    content_type: str = JSON


@dataclass(frozen=True, slots=True)
class Call:
    """One request against a resource, as the HTTP layer parsed it."""

    method: str
    route: Route
    query: Query
    representation: Representation
    content_type: str
    body: bytes
    alive: Callable[[], bool]


def parse_body(body: bytes, content_type: str = JSON) -> Any:
    """The JSON (or, for apply patches, YAML) request body, 400 when it cannot be read."""
    if content_type.startswith(PROTOBUF):
        try:
            return decode_object(body)
        except ProtobufError as exc:
            raise UnsupportedMediaError(str(exc)) from exc
    if "cbor" in content_type:
        raise UnsupportedMediaError(
            "the body of the request was in an unknown format - accepted media types include: "
            f"{JSON}, application/yaml, {PROTOBUF}"
        )
    if not body.strip():
        raise BadRequestError("the request body is empty")
    if content_type.startswith("application/apply-patch+yaml") or content_type.endswith("yaml"):
        try:
            return yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise BadRequestError(f"error decoding YAML: {exc}") from exc
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(
            f"the object provided is unrecognized (must be of type JSON): {exc}"
        ) from exc


def continue_token(resource_version: str, after: str) -> str:
    """An opaque ``metadata.continue`` for the next page of a list."""
    raw = orjson.dumps({"v": "sandbox.k8s.io/v1", "rv": resource_version, "start": after})
    return base64.urlsafe_b64encode(raw).decode()


def parse_continue(token: str) -> str:
    """The key a ``continue`` token resumes after (410 Gone when it is not one of ours)."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise GoneError(
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter."
        ) from None
