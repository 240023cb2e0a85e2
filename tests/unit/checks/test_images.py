"""Images: latest or no tag, no digest, registries outside the allow-list."""

from __future__ import annotations

import pytest

from kubemedic._internal.image_reference import parse
from kubemedic.checks import images
from kubemedic.checks.images import allowed
from kubemedic.models.security import AuditOptions

from .builders import MANIFESTS, container, deployment, ids, view

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("image", "found"),
    [
        ("nginx", ["KM-SEC-IMAGE-LATEST", "KM-SEC-IMAGE-NO-DIGEST"]),
        ("nginx:latest", ["KM-SEC-IMAGE-LATEST", "KM-SEC-IMAGE-NO-DIGEST"]),
        ("nginx:1.27.2", ["KM-SEC-IMAGE-NO-DIGEST"]),
        (f"nginx:latest@{DIGEST}", []),
        (f"ghcr.io/acme/web@{DIGEST}", []),
    ],
)
def test_tags_and_digests(image: str, found: list[str]) -> None:
    web = deployment("web", containers=[container(image=image)])
    assert ids(images.run(view(web), MANIFESTS)) == found


def test_evidence_says_which_container_and_why() -> None:
    web = deployment(
        "web", containers=[container("app", "nginx"), container("proxy", "envoy:v1.31")]
    )
    [latest] = [f for f in images.run(view(web), MANIFESTS) if f.id == "KM-SEC-IMAGE-LATEST"]
    assert [e.fact for e in latest.evidence] == ["container app image nginx: no tag (so latest)"]
    pinned = "docker.io/library/nginx:<version>@sha256:<digest>"
    assert latest.fix.commands == (f"kubectl set image deployment/web -n shop app={pinned}",)


@pytest.mark.parametrize(
    ("image", "allow", "ok"),
    [
        ("ghcr.io/acme/web:1.0", ["ghcr.io"], True),
        ("ghcr.io/acme/web:1.0", ["ghcr.io/acme"], True),
        ("ghcr.io/other/web:1.0", ["ghcr.io/acme"], False),
        ("nginx:1.27", ["docker.io"], True),
        ("nginx:1.27", ["registry.k8s.io"], False),
        ("registry.k8s.io/pause:3.10", ["registry.k8s.io"], True),
    ],
)
def test_the_registry_allow_list(image: str, allow: list[str], ok: bool) -> None:
    assert allowed(parse(image), allow) is ok


def test_registry_findings_only_with_an_allow_list() -> None:
    web = deployment("web", containers=[container(image=f"quay.io/x/web:2@{DIGEST}")])
    assert list(images.run(view(web), MANIFESTS)) == []
    strict = AuditOptions(allowed_registries=("ghcr.io",), complete=True)
    [finding] = images.run(view(web), strict)
    assert finding.id == "KM-SEC-IMAGE-REGISTRY"
    assert "registry quay.io is not allowed" in finding.evidence[0].fact
