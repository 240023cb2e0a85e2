"""The built-in image catalog: the registries the nodes know and every image they list.

Each entry names what a real image holds that matters to a pod: its ENTRYPOINT and CMD, its
base (which decides the shell and the tools on ``$PATH``), its platforms, its tag variants and
the behaviour of its main program. Public images are in ``catalog_public``, Kubernetes' own,
distroless and the demo's in ``catalog_kubernetes``; repositories not listed are answered by
``generic``. docs/sandbox.md lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kubemedic.sandbox.kubelet.catalog_kubernetes import DEMO_IMAGES, KUBERNETES_IMAGES
from kubemedic.sandbox.kubelet.catalog_public import PUBLIC_IMAGES
from kubemedic.sandbox.kubelet.generic import generic_image
from kubemedic.sandbox.kubelet.images import Catalog, Image

KNOWN_REGISTRIES = (
    "docker.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "gcr.io",
    "us-docker.pkg.dev",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "registry.gitlab.com",
)
# The same images under a second name: k8s.gcr.io redirects to registry.k8s.io, and
# Prometheus publishes to quay.io as well as Docker Hub.
_MIRRORS = {"registry.k8s.io/": "k8s.gcr.io/", "docker.io/prom/": "quay.io/prometheus/"}


def _mirrored(images: Iterable[Image]) -> list[Image]:
    mirrored = []
    for image in images:
        for origin, mirror in _MIRRORS.items():
            if image.repository.startswith(origin):
                name = mirror + image.repository.removeprefix(origin)
                mirrored.append(replace(image, repository=name))
    return mirrored


BUILTIN_IMAGES: tuple[Image, ...] = (*PUBLIC_IMAGES, *KUBERNETES_IMAGES, *DEMO_IMAGES)


def builtin_catalog() -> Catalog:
    images = [*BUILTIN_IMAGES, *_mirrored(BUILTIN_IMAGES)]
    return Catalog(images, KNOWN_REGISTRIES, generic=generic_image)
