"""Image references split the way registries read them, and invalid ones explained."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._image_ref import corrected_image, invalid_reason, parse_image


@pytest.mark.parametrize(
    ("text", "host", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", "latest", ""),
        ("nginx:1.27-alpine", "docker.io", "library/nginx", "1.27-alpine", ""),
        ("bitnami/kafka:3.7.1", "docker.io", "bitnami/kafka", "3.7.1", ""),
        ("index.docker.io/library/redis:7", "docker.io", "library/redis", "7", ""),
        ("ghcr.io/acme/api:2.0", "ghcr.io", "acme/api", "2.0", ""),
        ("localhost/app:dev", "localhost", "app", "dev", ""),
        (
            "registry.warehouse.lan:5000/warehouse/inventory:0.31.0",
            "registry.warehouse.lan:5000",
            "warehouse/inventory",
            "0.31.0",
            "",
        ),
        ("quay.io/prometheus/node-exporter@sha256:" + "a" * 64, "quay.io",
         "prometheus/node-exporter", "", "sha256:" + "a" * 64),
    ],
)  # fmt: skip
def test_parse_image_names_host_repository_and_tag(
    text: str, host: str, repository: str, tag: str, digest: str
) -> None:
    ref = parse_image(text)
    assert (ref.host, ref.repository, ref.tag, ref.digest) == (host, repository, tag, digest)


def test_only_docker_hub_library_images_are_official() -> None:
    assert parse_image("nginxx:1.0").is_official_library
    assert not parse_image("acmecorp/billing:1.0").is_official_library
    assert not parse_image("ghcr.io/library/nginx:1.0").is_official_library


def test_with_tag_keeps_the_reference_as_written() -> None:
    assert parse_image("nginx:1.27-alpne").with_tag("1.27-alpine") == "nginx:1.27-alpine"
    assert parse_image("localhost:5000/app").with_tag("v2") == "localhost:5000/app:v2"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("MyRepo/App:1.0", "repository name must be lowercase"),
        (":1.4.2", "the repository name is empty"),
        ("nginx:", "the tag after ':' is empty"),
        ("nginx :1.25", "the image contains whitespace"),
        ('"nginx:1.25"', "the image contains quote characters (a templating leftover)"),
        ("nginx@sha256:abc", "the digest 'sha256:abc' is malformed"),
        ("", "the image is empty"),
        (
            "/cloudfoundry/app:a28a057",
            "the registry host before the leading '/' is empty (often an unset variable, as in "
            "${REGISTRY}/app)",
        ),
        (
            "registry.example.com//api:1.0",
            "the repository path has an empty component ('//'), often an unset variable, as in "
            "${REGISTRY}/${TEAM}/app",
        ),
        ("acme/:1.0", "the image name after the last '/' is empty"),
    ],
)
def test_invalid_reason_says_what_the_runtime_rejects(text: str, reason: str) -> None:
    assert invalid_reason(text) == reason


@pytest.mark.parametrize(
    "text", ["nginx", "ghcr.io/acme/api:2.0", "registry:5000/a/b_c:1.0", "a/b@sha256:" + "0" * 64]
)
def test_valid_references_have_no_invalid_reason(text: str) -> None:
    assert invalid_reason(text) is None


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("MyRepo/App:1.0", "myrepo/app:1.0"),
        ("Registry.Example.com/Team/App:V1", "Registry.Example.com/team/app:V1"),
        (" nginx:1.25 ", "nginx:1.25"),
        ("'nginx:1.25'", "nginx:1.25"),
        (":1.4.2", None),
    ],
)
def test_corrected_image_fixes_case_quotes_and_spaces_only(text: str, fixed: str | None) -> None:
    assert corrected_image(text) == fixed
