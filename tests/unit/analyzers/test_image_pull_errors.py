"""Pull errors as containerd, CRI-O and Docker word them, each sorted to the right cause."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._pull_errors import PullCause, classify, error_detail
from kubemedic.models.categories import Category

IMAGE = '"registry.example.com/team/app:1.0"'


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        (
            'Failed to pull image "nginx:1.27-alpne": rpc error: code = NotFound desc = failed to '
            'pull and unpack image "docker.io/library/nginx:1.27-alpne": failed to resolve '
            'reference "docker.io/library/nginx:1.27-alpne": docker.io/library/nginx:1.27-alpne: '
            "not found",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            'Failed to pull image "nginx:9.9": rpc error: code = Unknown desc = Error response '
            "from daemon: manifest for nginx:9.9 not found: manifest unknown: manifest unknown",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            'Failed to pull image "shotgun:v99": rpc error: code = 2 desc = Error response from '
            'daemon: {"message":"manifest for shotgun:v99 not found"}',
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "Error response from daemon: manifest for 1234.dkr.ecr.eu-west-1.amazonaws.com/api:9 "
            "not found: manifest unknown: Requested image not found",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "rpc error: code = 2 desc = Tag v99 not found in repository docker.io/library/redis",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "rpc error: code = 2 desc = Error: image library/redis:v99 not found",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "initializing source docker://quay.io/acme/app:v1: reading manifest v1 in "
            "quay.io/acme/app: unknown: Tag v1 was deleted or has expired. To pull, revive via "
            "time machine",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            'Error response from daemon: manifest tagged by "2.1" is not found',
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "initializing source docker://registry.gitlab.com/acme/app:latest: reading manifest "
            "latest in registry.gitlab.com/acme/app: manifest unknown: manifest unknown",
            PullCause.MANIFEST_NOT_FOUND,
        ),
        (
            "Error response from daemon: repository docker.io/katib/suggestion-hyperband not "
            "found: does not exist or no pull access",
            PullCause.REPOSITORY_NOT_FOUND,
        ),
        (
            "reading manifest v1 in quay.io/team/app: name unknown: repository name not known "
            "to registry",
            PullCause.REPOSITORY_NOT_FOUND,
        ),
        (
            f"Failed to pull image {IMAGE}: failed to pull and unpack image {IMAGE}: no match "
            "for platform in manifest: not found",
            PullCause.PLATFORM_MISMATCH,
        ),
        (
            'failed to resolve reference "docker.io/acme/private:1": pull access denied, '
            "repository does not exist or may require authorization: server message: "
            "insufficient_scope: authorization failed",
            PullCause.ACCESS_DENIED,
        ),
        (
            "failed to authorize: failed to fetch anonymous token: unexpected status from GET "
            "request to https://ghcr.io/token?scope=repository: 401 Unauthorized",
            PullCause.ACCESS_DENIED,
        ),
        (
            "failed to resolve reference: unexpected status from HEAD request to "
            "https://1234.dkr.ecr.eu-west-1.amazonaws.com/v2/api/manifests/1: 403 Forbidden",
            PullCause.ACCESS_DENIED,
        ),
        (
            "Error response from daemon: Head https://1234.dkr.ecr.us-east-1.amazonaws.com/v2/"
            "api/manifests/1: no basic auth credentials",
            PullCause.ACCESS_DENIED,
        ),
        (
            "failed to copy: httpReadSeeker: failed open: unexpected status code https://"
            "registry-1.docker.io/v2/library/redis/manifests/sha256:abc: 429 Too Many Requests - "
            "Server message: toomanyrequests: You have reached your pull rate limit.",
            PullCause.RATE_LIMITED,
        ),
        (
            'failed to do request: Head "https://registry.internal.example/v2/a/manifests/1": '
            "dial tcp: lookup registry.internal.example on 10.96.0.10:53: no such host",
            PullCause.DNS_FAILURE,
        ),
        (
            'failed to do request: Head "https://registry-1.docker.io/v2/": dial tcp '
            "54.236.113.205:443: i/o timeout",
            PullCause.NETWORK_TIMEOUT,
        ),
        (
            'failed to do request: Head "https://10.0.0.5:5000/v2/a/manifests/1": dial tcp '
            "10.0.0.5:5000: connect: connection refused",
            PullCause.CONNECTION_FAILED,
        ),
        (
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
            PullCause.UNTRUSTED_CERTIFICATE,
        ),
        (
            'failed to do request: Head "https://10.1.10.150:5000/v2/app/manifests/latest": '
            "http: server gave HTTP response to HTTPS client",
            PullCause.PLAIN_HTTP_REGISTRY,
        ),
        (
            "unexpected status from HEAD request to https://harbor.corp/v2/a/manifests/1: "
            "503 Service Unavailable",
            PullCause.REGISTRY_ERROR,
        ),
        (
            "failed to extract layer sha256:abc: write /var/lib/containerd/tmp: no space left "
            "on device",
            PullCause.NODE_DISK_FULL,
        ),
        ("failed to pull: something nobody has seen before", PullCause.UNKNOWN),
    ],
)
def test_classify_finds_the_cause(message: str, cause: PullCause) -> None:
    assert classify(message).cause is cause


def test_rate_limit_is_a_registry_availability_problem_not_auth() -> None:
    assert PullCause.RATE_LIMITED.category is Category.IMAGE_REGISTRY_UNREACHABLE
    assert PullCause.ACCESS_DENIED.category is Category.IMAGE_AUTH
    assert PullCause.PLATFORM_MISMATCH.category is Category.IMAGE_NOT_FOUND


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        (
            'Failed to pull image "a:1": rpc error: code = NotFound desc = a:1: not found',
            "a:1: not found",
        ),
        (
            'Back-off pulling image "a:1": ErrImagePull: failed to pull and unpack image "a:1"',
            'failed to pull and unpack image "a:1"',
        ),
        ('Back-off pulling image "a:1"', ""),
        (
            'Failed to pull image "a:9": rpc error: code = 2 desc = Error response from daemon: '
            '{"message":"manifest for a:9 not found"}',
            "Error response from daemon: manifest for a:9 not found",
        ),
    ],
)
def test_error_detail_keeps_only_the_runtime_words(message: str, detail: str) -> None:
    assert error_detail(message) == detail


def test_dns_failure_names_the_host_and_the_server_asked() -> None:
    error = classify("dial tcp: lookup registry.internal.example on 10.96.0.10:53: no such host")
    assert error.dns_lookup == ("registry.internal.example", "10.96.0.10:53")
