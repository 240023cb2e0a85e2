"""One reading of image references: what kubemedic explains is what the sandbox refuses.

The analyzers word why a runtime refuses a reference; the sandbox's kubelet refuses it with the
kubelet's own message. Both read references with ``_internal.image_reference``, so they agree on
every reference, digests included (``sha256`` with 64 lower-case hexadecimal digits, ``sha384``
with 96, ``sha512`` with 128, as go-digest checks them).
"""

from __future__ import annotations

import pytest

from kubemedic.analyzers._image_ref import invalid_reason, parse_image
from kubemedic.sandbox.kubelet.images import InvalidImageName, parse_reference

SHA256 = "sha256:" + "0123456789abcdef" * 4

REFERENCES = [
    "nginx",
    "nginx:1.27-alpine",
    "ghcr.io/acme/api:2.0",
    "index.docker.io/library/redis:7",
    "localhost:5000/team/app",
    f"quay.io/prometheus/node-exporter@{SHA256}",
    f"nginx:1.27@{SHA256}",
    "registry.example.com/app@sha512:" + "ab" * 64,
    "registry.example.com/app@sha384:" + "ab" * 48,
    "MyRepo/App:1.0",
    "MyRegistry/app:1.0",
    "nginx@sha256:abc",
    "nginx@sha256:" + "ab" * 20,
    "nginx@sha256:" + "AB" * 32,
    "nginx@md5:" + "ab" * 16,
    "nginx@SHA256:" + "ab" * 32,
    "nginx:",
    "nginx:tàg",
    "/cloudfoundry/app:a28a057",
    "registry.example.com//api:1.0",
    "acme/:1.0",
    "nginx :1.25",
    "",
]


@pytest.mark.parametrize("text", REFERENCES)
def test_the_sandbox_refuses_exactly_what_the_analyzers_explain(text: str) -> None:
    explained = invalid_reason(text)
    try:
        parse_reference(text)
    except InvalidImageName:
        assert explained is not None
    else:
        assert explained is None


@pytest.mark.parametrize(
    ("text", "kubelet", "explained"),
    [
        ("nginx@sha256:abc", "invalid reference format", "is malformed"),
        ("nginx@sha256:" + "ab" * 20, "invalid checksum digest length", "wrong length"),
        ("nginx@sha256:" + "AB" * 32, "invalid checksum digest format", "lower-case"),
        ("nginx@md5:" + "ab" * 16, "unsupported digest algorithm", "sha256, sha384 or sha512"),
    ],
)
def test_a_bad_digest_is_told_apart(text: str, kubelet: str, explained: str) -> None:
    with pytest.raises(InvalidImageName) as refused:
        parse_reference(text)
    assert str(refused.value).endswith(f'couldn\'t parse image reference "{text}": {kubelet}')
    assert explained in (invalid_reason(text) or "")


@pytest.mark.parametrize(
    "text", ["nginx", "ghcr.io/acme/api:2.0", "index.docker.io/library/redis:7", f"a/b@{SHA256}"]
)
def test_both_read_the_same_host_repository_tag_and_digest(text: str) -> None:
    ours, sandbox = parse_image(text), parse_reference(text)
    assert (ours.host, ours.repository, ours.tag, ours.digest) == (
        sandbox.registry,
        sandbox.path,
        sandbox.tag,
        sandbox.digest or "",
    )


def test_an_upper_case_first_component_is_a_registry_host() -> None:
    """As Docker reads it: a repository cannot be upper-case, so the component is a host."""
    assert parse_image("MyRegistry/app:1.0").host == "MyRegistry"
    assert parse_reference("MyRegistry/app:1.0").repository == "MyRegistry/app"
