"""Image references and pulls, resolved the way containerd and a real registry would answer.

A reference is normalised like containerd does (``nginx`` → ``docker.io/library/nginx:latest``),
then looked up in the catalog: a known repository with a missing tag fails with ``not found``,
an unknown Docker Hub repository with ``pull access denied``, an unknown registry host with
``no such host``, a private repository without a matching pull secret with ``401 Unauthorized``,
and an image without the node's platform with ``no match for platform in manifest``. A tag
may be built on another base than its repository's default (a ``Variant``: ``nginx:alpine``
has BusyBox, ``python:3.12-slim`` a bare Debian), and tags or whole repositories can be
deleted from the registry, after which pulls fail as they would.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kubemedic._internal.image_reference import DOCKER_HUB as DOCKER_HUB  # for sandbox modules
from kubemedic._internal.image_reference import Flaw, parse, refusal
from kubemedic.sandbox.kubelet.apps import AppSpec


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A normalised image reference."""

    text: str
    registry: str
    path: str
    tag: str
    digest: str | None = None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    @property
    def full(self) -> str:
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"


class InvalidImageName(ValueError):
    """The reference cannot be parsed (kubelet reason InvalidImageName)."""


def parse_reference(text: str) -> ImageRef:
    """Normalise ``text`` like containerd; InvalidImageName with the kubelet's message if bad.

    The grammar is the one kubemedic's analyzers read references with
    (``_internal.image_reference``); only the kubelet's wording of a refusal is the sandbox's.
    """
    found = refusal(text)
    if found is not None:
        reason = _KUBELET_REASONS.get(found.flaw, "invalid reference format")
        raise InvalidImageName(
            f'Failed to apply default image tag "{text}": couldn\'t parse image reference '
            f'"{text}": {reason}'
        )
    ref = parse(text)
    return ImageRef(text, ref.host, ref.repository, ref.tag, ref.digest or None)


_KUBELET_REASONS = {
    Flaw.UPPER_CASE: "invalid reference format: repository name must be lowercase",
    Flaw.DIGEST_ALGORITHM: "unsupported digest algorithm",
    Flaw.DIGEST_LENGTH: "invalid checksum digest length",
    Flaw.DIGEST_CASE: "invalid checksum digest format",
}
"""What the kubelet says after "couldn't parse image reference" (go-digest's words for a
digest it cannot verify); anything else is "invalid reference format"."""


@dataclass(frozen=True, slots=True)
class Variant:
    """Tags built on another base than the repository's default (``-alpine``, ``-slim``).

    They bring their own ``/bin/sh`` and tools on ``$PATH`` (``base``), extra programs (curl
    in a full Debian build) and size; the main program stays the same.
    """

    tags: str  # a regular expression matched against the whole tag
    base: str
    size_bytes: int | None = None
    programs: Mapping[str, str | AppSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Image:
    """A repository in the catalog: its tags, platforms, file system and programs."""

    repository: str
    tags: tuple[str, ...]  # regular expressions matched against the whole tag
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    base: str = "debian"  # debian | alpine | busybox | distroless
    programs: Mapping[str, str | AppSpec] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)  # path → program, "" plain, "!" no +x
    architectures: tuple[str, ...] = ("amd64", "arm64")
    single_platform: bool = False  # a plain manifest, not an index: runs anywhere, may not exec
    private: bool = False
    size_bytes: int = 50_000_000
    tag_traits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    description: str = ""
    variants: tuple[Variant, ...] = ()
    removed_tags: frozenset[str] = frozenset()

    def has_tag(self, tag: str) -> bool:
        if tag in self.removed_tags:
            return False
        return any(re.fullmatch(pattern, tag) for pattern in self.tags)

    def for_tag(self, tag: str) -> Image:
        """The image as ``tag`` builds it: a variant's base, programs and size applied."""
        for variant in self.variants:
            if re.fullmatch(variant.tags, tag):
                return replace(
                    self,
                    base=variant.base,
                    programs={**self.programs, **variant.programs},
                    size_bytes=variant.size_bytes or self.size_bytes,
                    variants=(),
                )
        return self

    def traits(self, tag: str) -> Mapping[str, Any]:
        """Behaviour changes of one tag (e.g. a release that leaks memory)."""
        for pattern, traits in self.tag_traits.items():
            if re.fullmatch(pattern, tag):
                return traits
        return {}


@dataclass(frozen=True, slots=True)
class Pulled:
    """A successful pull."""

    image: Image
    ref: ImageRef

    @property
    def image_id(self) -> str:
        digest = hashlib.sha256(self.ref.full.encode()).hexdigest()
        return f"{self.ref.repository}@sha256:{digest}"


@dataclass(frozen=True, slots=True)
class PullFailed:
    """A failed pull: the containerd error the kubelet quotes after ``Failed to pull image``."""

    message: str


class Catalog:
    """The registry the sandbox's nodes pull from: built-in images plus what users change.

    ``generic`` answers for repositories the catalog does not list (None: they do not exist).
    """

    def __init__(
        self,
        images: Iterable[Image],
        known_hosts: Iterable[str],
        *,
        generic: Callable[[ImageRef], Image | None] | None = None,
    ) -> None:
        self._images = {image.repository: image for image in images}
        self._hosts = set(known_hosts) | {
            i.repository.split("/", 1)[0] for i in self._images.values()
        }
        self._generic = generic
        self._removed: set[str] = set()

    def get(self, repository: str) -> Image | None:
        """The repository as listed (all its tags), None when it is not."""
        return self._images.get(repository)

    def add(self, image: Image) -> None:
        """List ``image``, replacing the repository of that name (merge before, if wanted)."""
        self._images[image.repository] = image
        self._removed.discard(image.repository)
        self._hosts.add(image.repository.split("/", 1)[0])

    def remove(self, repository: str, tags: Iterable[str] = ()) -> None:
        """Delete some tags of a repository, or (without tags) the whole repository."""
        wanted = frozenset(tags)
        image = self._images.get(repository)
        if wanted:
            if image is None:
                raise LookupError(f"the registry has no repository {repository}")
            self._images[repository] = replace(image, removed_tags=image.removed_tags | wanted)
            return
        self._images.pop(repository, None)
        self._removed.add(repository)

    def lookup(self, ref: ImageRef) -> Image | None:
        """The image ``ref`` names, as its tag builds it; None when the registry has none."""
        image = self._resolve(ref)
        return image.for_tag(ref.tag) if image is not None else None

    def _resolve(self, ref: ImageRef) -> Image | None:
        if ref.repository in self._removed:
            return None
        image = self._images.get(ref.repository)
        if image is None and self._generic is not None:
            return self._generic(ref)
        return image

    def pull(self, ref: ImageRef, *, arch: str, credentials: Iterable[str]) -> Pulled | PullFailed:
        """Resolve ``ref`` for a node of ``arch`` holding pull credentials for these hosts."""
        full = ref.full
        head = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}"'
        if ref.registry not in self._hosts:
            manifest = ref.digest or ref.tag
            return PullFailed(
                f"rpc error: code = Unknown desc = {head}: failed to do request: Head "
                f'"https://{ref.registry}/v2/{ref.path}/manifests/{manifest}": dial tcp: lookup '
                f"{ref.registry} on 127.0.0.53:53: no such host"
            )
        image = self._resolve(ref)
        authorized = ref.registry in set(credentials)
        if image is None or (image.private and not authorized):
            return PullFailed(_denied(ref, head))
        if not ref.digest and not image.has_tag(ref.tag):
            return PullFailed(f"rpc error: code = NotFound desc = {head}: {full}: not found")
        if arch not in image.architectures and not image.single_platform:
            return PullFailed(
                f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": '
                "no match for platform in manifest: not found"
            )
        return Pulled(image.for_tag(ref.tag), ref)


def _denied(ref: ImageRef, head: str) -> str:
    if ref.registry == DOCKER_HUB:
        return (
            f"rpc error: code = Unknown desc = {head}: pull access denied, repository does not "
            "exist or may require authorization: server message: insufficient_scope: "
            "authorization failed"
        )
    scope = ref.path.replace("/", "%2F")
    return (
        f"rpc error: code = Unknown desc = {head}: failed to authorize: failed to fetch "
        f"anonymous token: unexpected status from GET request to https://{ref.registry}/token?"
        f"scope=repository%3A{scope}%3Apull&service={ref.registry}: 401 Unauthorized"
    )
