"""Why an image pull failed, read from the kubelet's error text.

While a container backs off, its status only says ``Back-off pulling image "..."``; the reason
is in the kubelet's ``Failed`` events (and, on recent kubelets, after ``ErrImagePull:`` in the
waiting message). Containerd, CRI-O and Docker (from 1.x to dockershim's last versions) word
the same failures differently, so each cause is recognised by several signs, checked in an
order where the more specific wins (``no match for platform in manifest: not found`` is a
platform problem, not a missing tag).

A registry rate limit (``toomanyrequests``) is filed under registry-unreachable, not auth: the
credentials (if any) are accepted and the image exists, but the registry refuses to serve more
pulls for now. Authenticating raises the quota, which the remediation says, but the failure is
one of the registry's availability to this node.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from kubemedic.models.categories import Category


class PullCause(StrEnum):
    """A precise reason an image could not be pulled."""

    PLATFORM_MISMATCH = "platform-mismatch"
    RATE_LIMITED = "rate-limited"
    ACCESS_DENIED = "access-denied"
    REPOSITORY_NOT_FOUND = "repository-not-found"
    MANIFEST_NOT_FOUND = "manifest-not-found"
    UNTRUSTED_CERTIFICATE = "untrusted-certificate"
    PLAIN_HTTP_REGISTRY = "plain-http-registry"
    DNS_FAILURE = "dns-failure"
    NETWORK_TIMEOUT = "network-timeout"
    CONNECTION_FAILED = "connection-failed"
    REGISTRY_ERROR = "registry-error"
    NODE_DISK_FULL = "node-disk-full"
    UNKNOWN = "unknown"

    @property
    def category(self) -> Category:
        return _CATEGORY[self]


_CATEGORY = {
    PullCause.PLATFORM_MISMATCH: Category.IMAGE_NOT_FOUND,
    PullCause.RATE_LIMITED: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.ACCESS_DENIED: Category.IMAGE_AUTH,
    PullCause.REPOSITORY_NOT_FOUND: Category.IMAGE_NOT_FOUND,
    PullCause.MANIFEST_NOT_FOUND: Category.IMAGE_NOT_FOUND,
    PullCause.UNTRUSTED_CERTIFICATE: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.PLAIN_HTTP_REGISTRY: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.DNS_FAILURE: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.NETWORK_TIMEOUT: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.CONNECTION_FAILED: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.REGISTRY_ERROR: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.NODE_DISK_FULL: Category.IMAGE_REGISTRY_UNREACHABLE,
    PullCause.UNKNOWN: Category.IMAGE_REGISTRY_UNREACHABLE,
}

# First match wins. Each entry is a regular expression matched case-insensitively; most are
# plain fragments, the others name the image or tag in the middle of the runtime's sentence.
_SIGNS: tuple[tuple[PullCause, tuple[str, ...]], ...] = (
    (
        PullCause.PLATFORM_MISMATCH,
        ("no match for platform in manifest", "no matching manifest for"),
    ),
    (PullCause.RATE_LIMITED, ("toomanyrequests", "429 too many requests", "pull rate limit")),
    (
        PullCause.ACCESS_DENIED,
        (
            "pull access denied",
            "insufficient_scope",
            "401 unauthorized",
            "403 forbidden",
            "unauthorized:",
            "no basic auth credentials",
            "authentication required",
            "requested access to the resource is denied",
            "not authorized",
            "denied on resource",
            "denied: ",
            "failed to fetch anonymous token",
            "failed to fetch oauth token",
        ),
    ),
    (
        PullCause.REPOSITORY_NOT_FOUND,
        (
            "repository name not known to registry",
            "name[ _]unknown",
            # Docker 17.x: "repository docker.io/acme/app not found: does not exist or no pull
            # access"; Harbor: "repository library/app not found"
            r"\brepository \S+ not found",
        ),
    ),
    (
        PullCause.MANIFEST_NOT_FOUND,
        (
            "manifest[ _]unknown",
            # Docker 17-20 (dockershim): "manifest for app:v9 not found[: manifest unknown]"
            r"\bmanifest for \S+ not found",
            # Docker 1.x: "Tag v9 not found in repository docker.io/library/app",
            # "Error: image library/app:v9 not found"
            r"\btag \S+ not found in repository",
            r"\bimage \S+ not found",
            # Quay: "Tag v9 was deleted or has expired"; ACR: 'manifest tagged by "v9" is not found'
            r"\btag \S+ was deleted or has expired",
            "manifest tagged by .* is not found",
            "code = notfound",
            "404 not found",
            ": not found",
        ),
    ),
    (
        PullCause.UNTRUSTED_CERTIFICATE,
        ("x509:", "certificate signed by unknown authority", "tls: failed to verify"),
    ),
    (PullCause.PLAIN_HTTP_REGISTRY, ("server gave http response to https client",)),
    (
        PullCause.DNS_FAILURE,
        ("no such host", "server misbehaving", "temporary failure in name resolution"),
    ),
    (
        PullCause.NETWORK_TIMEOUT,
        (
            "i/o timeout",
            "context deadline exceeded",
            "timeout exceeded",
            "tls handshake timeout",
            "request canceled while waiting for connection",
        ),
    ),
    (
        PullCause.CONNECTION_FAILED,
        (
            "connection refused",
            "network is unreachable",
            "no route to host",
            "connection reset by peer",
            "unexpected eof",
        ),
    ),
    (
        PullCause.REGISTRY_ERROR,
        (
            "500 internal server error",
            "502 bad gateway",
            "503 service unavailable",
            "504 gateway timeout",
        ),
    ),
    (PullCause.NODE_DISK_FULL, ("no space left on device",)),
)
_MATCHERS = tuple((cause, re.compile("|".join(signs), re.IGNORECASE)) for cause, signs in _SIGNS)

_FAILED_PREFIX = re.compile(r'^(?:Failed to pull image|Back-off pulling image) "[^"]*":\s*')
_REASON_PREFIX = re.compile(r"^(?:ErrImagePull|ImagePullBackOff):\s*")
_RPC_PREFIX = re.compile(r"^rpc error: code = \w+ desc = ")
_DAEMON_JSON = re.compile(r'\{"message":"((?:[^"\\]|\\.)*)"\}')  # old Docker API error bodies
_DNS_LOOKUP = re.compile(r"lookup (\S+?)(?: on (\S+?))?: ")


@dataclass(frozen=True, slots=True)
class PullError:
    """The runtime's error for one failed pull, and its cause."""

    cause: PullCause
    detail: str

    @property
    def dns_lookup(self) -> tuple[str, str] | None:
        """The host name that did not resolve and the DNS server asked ("" when not given)."""
        match = _DNS_LOOKUP.search(self.detail)
        return (match.group(1), match.group(2) or "") if match else None


def error_detail(message: str) -> str:
    """The runtime's own words from a kubelet message: prefixes (``Failed to pull image``) removed.

    Returns an empty string for messages that carry no error (``Back-off pulling image "x"``).
    """
    text = _FAILED_PREFIX.sub("", message.strip(), count=1)
    if text.startswith("Back-off pulling image"):
        return ""
    text = _REASON_PREFIX.sub("", text, count=1)
    text = _DAEMON_JSON.sub(_daemon_message, text)
    return _RPC_PREFIX.sub("", text, count=1).strip()


def _daemon_message(match: re.Match[str]) -> str:
    """``{"message":"manifest for a:1 not found"}`` as the sentence it wraps."""
    try:
        return str(json.loads(f'"{match.group(1)}"'))
    except ValueError:
        return match.group(1)


def classify(message: str) -> PullError:
    """Find why a pull failed from a ``Failed`` event or waiting message."""
    detail = error_detail(message)
    for cause, matcher in _MATCHERS:
        if matcher.search(detail):
            return PullError(cause, detail)
    return PullError(PullCause.UNKNOWN, detail)
