"""Container image references read the way the container runtimes read them, for all of kubemedic.

The analyzers name a reference's registry host, repository, tag and digest in findings and say
why a runtime refuses one; the sandbox's kubelet refuses or pulls images by the same reading.
One grammar serves both — Docker's reference grammar (``distribution/reference``), with the
digest checked as ``go-digest`` does — so a reference the sandbox refuses is one kubemedic
explains, and one kubemedic accepts, the sandbox pulls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_LABEL = r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(\.{_LABEL})*(:\d+)?$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$", re.ASCII)
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The algorithms the runtimes verify, and the hexadecimal length of each."""


@dataclass(frozen=True, slots=True)
class Written:
    """A reference cut into its parts as written: nothing defaulted, nothing checked."""

    host: str
    """The registry host when the first component names one (a dot, a port, ``localhost`` or
    an upper-case letter, as Docker decides), else ""."""
    path: str
    tag: str | None
    """None when no ``:tag`` is written; "" when the colon is there and the tag is not."""
    digest: str | None


@dataclass(frozen=True, slots=True)
class ImageReference:
    """One reference, normalised: ``nginx`` is ``docker.io/library/nginx:latest``."""

    text: str
    host: str
    repository: str
    tag: str
    """"" when a digest alone pins the image."""
    digest: str
    """"" when none is given."""

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
        written = cut(self.text)
        base = f"{written.host}/{written.path}" if written.host else written.path
        return f"{base}:{tag}"


class Flaw(Enum):
    """What makes a runtime refuse a reference."""

    EMPTY = "empty"
    WHITESPACE = "whitespace"
    QUOTES = "quotes"
    DIGEST = "digest"  # not a digest at all
    DIGEST_ALGORITHM = "digest algorithm"  # not one the runtime verifies
    DIGEST_LENGTH = "digest length"  # not as long as its algorithm's sums
    DIGEST_CASE = "digest case"  # upper-case where the runtime wants lower-case
    HOST = "host"
    TAG_EMPTY = "tag empty"
    TAG = "tag"
    REPOSITORY_EMPTY = "repository empty"
    HOST_EMPTY = "host empty"  # a leading "/": what an unset ${REGISTRY} leaves
    COMPONENT_EMPTY = "component empty"  # "//"
    NAME_EMPTY = "name empty"  # a trailing "/"
    UPPER_CASE = "upper case"
    COMPONENT = "component"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a reference is refused, and the part of it at fault ("" when it is the whole)."""

    flaw: Flaw
    part: str = ""


def cut(text: str) -> Written:
    """Split ``text`` into host, path, tag and digest, as written."""
    rest, at, digest = text.partition("@")
    first, slash, remainder = rest.partition("/")
    host = first if slash and names_host(first) else ""
    path = remainder if host else rest
    name, colon, tag = path.rpartition(":")
    if colon and "/" not in tag:
        return Written(host, name, tag, digest if at else None)
    return Written(host, path, None, digest if at else None)


def names_host(component: str) -> bool:
    """Whether the first component of a reference is a registry host (Docker's rule: shaped
    like one, or upper-case, which a repository cannot be)."""
    return shaped_like_host(component) or component != component.lower()


def shaped_like_host(component: str) -> bool:
    """A dot, a port or ``localhost``: a host whatever its case."""
    return "." in component or ":" in component or component == "localhost"


def parse(text: str) -> ImageReference:
    """The reference normalised with Docker Hub's defaults, without judging it (see
    :func:`refusal`)."""
    written = cut(text.strip())
    host, path = written.host or DOCKER_HUB, written.path
    if host in _DOCKER_HUB_ALIASES:
        host = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    digest = written.digest or ""
    tag = written.tag or ("" if digest else "latest")
    return ImageReference(text=text, host=host, repository=path, tag=tag, digest=digest)


def refusal(text: str) -> Refusal | None:
    """Why a runtime would refuse ``text`` as an image reference; None when it is valid."""
    if not text.strip():
        return Refusal(Flaw.EMPTY)
    if text != text.strip() or any(c.isspace() for c in text):
        return Refusal(Flaw.WHITESPACE)
    if any(c in text for c in "\"'"):
        return Refusal(Flaw.QUOTES)
    written = cut(text)
    if written.digest is not None and (flaw := _digest_flaw(written.digest)):
        return Refusal(flaw, written.digest)
    if written.host and not _HOST.match(written.host):
        return Refusal(Flaw.HOST, written.host)
    if written.tag is not None and not written.tag:
        return Refusal(Flaw.TAG_EMPTY)
    if written.tag is not None and not _TAG.match(written.tag):
        return Refusal(Flaw.TAG, written.tag)
    return _path_refusal(written)


def _digest_flaw(digest: str) -> Flaw | None:
    if not _DIGEST.match(digest):
        return Flaw.DIGEST
    algorithm, _, sums = digest.partition(":")
    length = _DIGEST_LENGTHS.get(algorithm)
    if length is None:
        return Flaw.DIGEST_CASE if algorithm.lower() in _DIGEST_LENGTHS else Flaw.DIGEST_ALGORITHM
    if len(sums) != length:
        return Flaw.DIGEST_LENGTH
    return Flaw.DIGEST_CASE if sums != sums.lower() else None


def _path_refusal(written: Written) -> Refusal | None:
    path = written.path
    if not path:
        return Refusal(Flaw.REPOSITORY_EMPTY)
    if path.startswith("/"):
        return Refusal(Flaw.COMPONENT_EMPTY if written.host else Flaw.HOST_EMPTY)
    if "//" in path:
        return Refusal(Flaw.COMPONENT_EMPTY)
    if path.endswith("/"):
        return Refusal(Flaw.NAME_EMPTY)
    if path != path.lower():
        return Refusal(Flaw.UPPER_CASE, path)
    for component in path.split("/"):
        if not _PATH_COMPONENT.match(component):
            return Refusal(Flaw.COMPONENT, component)
    return None
