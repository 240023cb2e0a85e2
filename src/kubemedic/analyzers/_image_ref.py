"""Container image references split the way a registry reads them: host, repository, tag, digest.

Pod specs and kubelet messages write images in short forms (``nginx:1.27``, ``ghcr.io/acme/api``).
Naming the registry host, the repository and the tag separately is what tells a person whether
to fix the tag, the credentials for one host, or the network path to it. The grammar is the
runtimes' and is shared with the sandbox (``_internal.image_reference``); this module words its
verdicts for a person and proposes a corrected reference.
"""

from __future__ import annotations

from kubemedic._internal.image_reference import (
    DOCKER_HUB,
    Flaw,
    ImageReference,
    cut,
    parse,
    refusal,
    shaped_like_host,
)

__all__ = ["DOCKER_HUB", "ImageRef", "corrected_image", "invalid_reason", "parse_image"]

ImageRef = ImageReference
parse_image = parse

_WORDING = {  # str.format templates: {part!r} is the part at fault
    Flaw.EMPTY: "the image is empty",
    Flaw.WHITESPACE: "the image contains whitespace",
    Flaw.QUOTES: "the image contains quote characters (a templating leftover)",
    Flaw.DIGEST: "the digest {part!r} is malformed",
    Flaw.DIGEST_ALGORITHM: "the digest {part!r} names an algorithm the runtime does not verify "
    "(sha256, sha384 or sha512)",
    Flaw.DIGEST_LENGTH: "the digest {part!r} has the wrong length for its algorithm (sha256 "
    "takes 64 hexadecimal digits)",
    Flaw.DIGEST_CASE: "the digest {part!r} must be lower-case",
    Flaw.HOST: "the registry host {part!r} is malformed",
    Flaw.TAG_EMPTY: "the tag after ':' is empty",
    Flaw.TAG: "the tag {part!r} has characters a tag cannot have",
    Flaw.REPOSITORY_EMPTY: "the repository name is empty",
    Flaw.HOST_EMPTY: "the registry host before the leading '/' is empty (often an unset "
    "variable, as in ${{REGISTRY}}/app)",
    Flaw.COMPONENT_EMPTY: "the repository path has an empty component ('//'), often an unset "
    "variable, as in ${{REGISTRY}}/${{TEAM}}/app",
    Flaw.NAME_EMPTY: "the image name after the last '/' is empty",
    Flaw.UPPER_CASE: "repository name must be lowercase",
    Flaw.COMPONENT: "the repository path component {part!r} is malformed",
}


def invalid_reason(text: str) -> str | None:
    """Why the runtime would refuse ``text`` as an image reference, or None when it is valid."""
    found = refusal(text)
    return None if found is None else _WORDING[found.flaw].format(part=found.part)


def corrected_image(text: str) -> str | None:
    """A valid reference close to an invalid one (trimmed, unquoted, lower-cased), if any.

    A first component stays a host only when shaped like one: ``MyRepo/App`` is meant as
    ``myrepo/app`` on Docker Hub, not as a registry called MyRepo.
    """
    candidate = text.strip().strip("\"'").strip()
    if invalid_reason(candidate) is None:
        return candidate if candidate != text else None
    written = cut(candidate)
    host = written.host if shaped_like_host(written.host) else ""
    path = written.path if host or not written.host else f"{written.host}/{written.path}"
    fixed = f"{host}/{path.lower()}" if host else path.lower()
    if written.tag is not None:
        fixed = f"{fixed}:{written.tag}"
    if written.digest is not None:
        fixed = f"{fixed}@{written.digest}"
    return fixed if invalid_reason(fixed) is None else None
