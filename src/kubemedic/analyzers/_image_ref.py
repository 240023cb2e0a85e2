"""Container image references split the way a registry reads them: host, repository, tag, digest.

Pod specs and kubelet messages write images in short forms (``nginx:1.27``, ``ghcr.io/acme/api``).
Naming the registry host, the repository and the tag separately is what tells a person whether
to fix the tag, the credentials for one host, or the network path to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

# The reference grammar of the container runtimes, in the parts that people get wrong.
_LABEL = r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(\.{_LABEL})*(:\d+)?$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One image reference, normalised (``nginx`` is ``docker.io/library/nginx:latest``)."""

    text: str
    host: str
    repository: str
    tag: str
    digest: str

    @property
    def is_docker_hub(self) -> bool:
        return self.host == DOCKER_HUB

    @property
    def is_official_library(self) -> bool:
        """Docker Hub's official images: all public, so "access denied" means "no such image"."""
        return self.is_docker_hub and self.repository.startswith("library/")

    @property
    def version(self) -> str:
        """What the reference pins: ``tag 1.27`` or ``digest sha256:...``."""
        return f"digest {self.digest}" if self.digest else f"tag {self.tag}"

    @property
    def described(self) -> str:
        """``registry host docker.io, repository library/nginx, tag 1.27-alpne``."""
        return f"registry host {self.host}, repository {self.repository}, {self.version}"

    @property
    def repository_url(self) -> str:
        """``docker.io/library/nginx``: the repository without tag, as registry tools take it."""
        return f"{self.host}/{self.repository}"

    def with_tag(self, tag: str) -> str:
        """This reference, as written in the spec, with another tag (digest dropped)."""
        base = self.text.split("@", 1)[0]
        name, colon, current = base.rpartition(":")
        if colon and "/" not in current:
            base = name
        return f"{base}:{tag}"


def parse_image(text: str) -> ImageRef:
    """Split ``text`` into host, repository, tag and digest, applying Docker Hub defaults."""
    rest, _, digest = text.strip().partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        host, path = first, remainder
    else:
        host, path = DOCKER_HUB, rest
    tag = ""
    name, colon, maybe_tag = path.rpartition(":")
    if colon and "/" not in maybe_tag:
        path, tag = name, maybe_tag
    if host in _DOCKER_HUB_ALIASES:
        host = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    if not tag and not digest:
        tag = "latest"
    return ImageRef(text=text, host=host, repository=path, tag=tag, digest=digest)


def invalid_reason(text: str) -> str | None:
    """Why the runtime would refuse ``text`` as an image reference, or None when it is valid."""
    if not text.strip():
        return "the image is empty"
    if text != text.strip() or any(c.isspace() for c in text):
        return "the image contains whitespace"
    if any(c in text for c in "\"'"):
        return "the image contains quote characters (a templating leftover)"
    rest, at, digest = text.partition("@")
    if at and not _DIGEST.match(digest):
        return f"the digest {digest!r} is malformed"
    first, slash, remainder = rest.partition("/")
    is_host = slash and ("." in first or ":" in first or first == "localhost")
    if is_host and not _HOST.match(first):
        return f"the registry host {first!r} is malformed"
    path = remainder if is_host else rest
    name, colon, tag = path.rpartition(":")
    if colon and "/" not in tag:
        if not tag:
            return "the tag after ':' is empty"
        if not _TAG.match(tag):
            return f"the tag {tag!r} has characters a tag cannot have"
        path = name
    if not path:
        return "the repository name is empty"
    if empty := _empty_part(path, is_host=bool(is_host)):
        return empty
    if path != path.lower():
        return "repository name must be lowercase"
    for component in path.split("/"):
        if not _PATH_COMPONENT.match(component):
            return f"the repository path component {component!r} is malformed"
    return None


def _empty_part(path: str, *, is_host: bool) -> str | None:
    """An empty host or path component: what an unset variable leaves in ``${REGISTRY}/app``."""
    if path.startswith("/") and not is_host:
        return (
            "the registry host before the leading '/' is empty (often an unset variable, as in "
            "${REGISTRY}/app)"
        )
    if path.startswith("/") or "//" in path:
        return (
            "the repository path has an empty component ('//'), often an unset variable, as "
            "in ${REGISTRY}/${TEAM}/app"
        )
    if path.endswith("/"):
        return "the image name after the last '/' is empty"
    return None


def corrected_image(text: str) -> str | None:
    """A valid reference close to an invalid one (trimmed, unquoted, lower-cased), if any."""
    candidate = text.strip().strip("\"'").strip()
    if invalid_reason(candidate) is None:
        return candidate if candidate != text else None
    rest, at, digest = candidate.partition("@")
    first, slash, remainder = rest.partition("/")
    is_host = slash and ("." in first or ":" in first or first == "localhost")
    path = remainder if is_host else rest
    name, colon, tag = path.rpartition(":")
    path = f"{name.lower()}:{tag}" if colon and "/" not in tag and tag else path.lower()
    fixed = f"{first}/{path}" if is_host else path
    fixed = f"{fixed}@{digest}" if at else fixed
    return fixed if invalid_reason(fixed) is None else None
