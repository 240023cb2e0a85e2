"""Images users add with ``sandbox registry add``: parsed, checked, merged into what is listed.

A spec names a repository and its tags (``{"image": "ghcr.io/acme/api", "tags": ["2.4.1"],
"behaviour": {...}}``, docs/sandbox.md). Adding to a repository the catalog already lists
keeps everything it has — its other tags, its shell flavour (``base``), its programs — and
changes only what the spec gives; a new repository starts from plain defaults: a Debian
userland and a program that serves nothing and uses 5m CPU and 20Mi of memory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kubemedic.sandbox.kubelet.apps import app_from_dict
from kubemedic.sandbox.kubelet.bases import BASE_PROGRAMS
from kubemedic.sandbox.kubelet.images import Image, parse_reference

DEFAULT_BEHAVIOUR: Mapping[str, Any] = {"memory": "20Mi", "cpu": "5m"}
_KEYS = frozenset(
    {
        "image",
        "tags",
        "behaviour",
        "behavior",
        "program",
        "entrypoint",
        "cmd",
        "base",
        "architectures",
        "private",
        "sizeBytes",
        "description",
    }
)


def repository_of(spec: Mapping[str, Any]) -> str:
    """The normalised repository a spec names (``nginx`` → ``docker.io/library/nginx``).

    Raises ValueError (the kubelet's InvalidImageName text) for a malformed name.
    """
    return parse_reference(str(spec.get("image") or "")).repository


def image_from_spec(spec: Mapping[str, Any], current: Image | None) -> Image:
    """The repository after applying ``spec`` to what is listed (``current``, if any)."""
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValueError(f"unknown image spec field(s): {', '.join(unknown)}")
    repository = repository_of(spec)
    base = spec.get("base")
    if base is not None and base not in BASE_PROGRAMS:
        raise ValueError(f"base must be one of {', '.join(sorted(BASE_PROGRAMS))}, got {base!r}")
    tags = tuple(re.escape(str(t)) for t in spec.get("tags") or ([] if current else ["latest"]))
    behaviour = spec.get("behaviour") or spec.get("behavior") or {}
    program = str(spec.get("program") or repository.rsplit("/", 1)[-1])
    image = current or Image(
        repository,
        (),
        entrypoint=(program,),
        programs={program: app_from_dict(DEFAULT_BEHAVIOUR)},
        description="added with sandbox registry add",
    )
    changes: dict[str, Any] = {
        "tags": (*image.tags, *(t for t in tags if t not in image.tags)),
        "removed_tags": image.removed_tags - {str(t) for t in spec.get("tags") or ()},
    }
    if behaviour:
        changes["programs"] = {
            **image.programs,
            program: app_from_dict({**DEFAULT_BEHAVIOUR, **behaviour}),
        }
    for key, field in (
        ("entrypoint", "entrypoint"),
        ("cmd", "cmd"),
        ("architectures", "architectures"),
    ):
        if spec.get(key) is not None:
            changes[field] = tuple(str(a) for a in spec[key])
    if base is not None:
        changes["base"] = str(base)
        changes["variants"] = ()
    if spec.get("private") is not None:
        changes["private"] = bool(spec["private"])
    if spec.get("sizeBytes") is not None:
        changes["size_bytes"] = int(spec["sizeBytes"])
    if spec.get("description"):
        changes["description"] = str(spec["description"])
    return replace(image, **changes)
