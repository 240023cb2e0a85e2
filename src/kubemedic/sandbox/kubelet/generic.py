"""What the registry answers for a repository its catalog does not list.

On Docker Hub's official namespace (``nginx``, ``library/x``) what exists is known — the
catalog's images and the other official ones (``golang``, ``mariadb``, ``traefik`` ...) — so
anything else is ``pull access denied``, as for a mistyped ``ngnix``. On the other public
registries (Docker Hub user repositories, ghcr.io, quay.io, gcr.io, public.ecr.aws, ...) a
repository is assumed to exist when its name is not a placeholder (``nonexistent``,
``does-not-exist``, ``fake``, ``invalid``, ``yourrepo`` ...): it is pulled as a generic
service with a Debian userland whose own ENTRYPOINT answers HTTP 200 on every path of ports
80, 3000, 5000, 8000, 8080 and 9090. Its tags are the ones releases use (``latest``,
``1.2.3``, ``v2``, ``main``, a commit hash); others are ``not found``. ``sandbox registry add``
replaces the guess.
"""

from __future__ import annotations

import re

from kubemedic.sandbox.kubelet.apps import AppSpec
from kubemedic.sandbox.kubelet.images import DOCKER_HUB, Image, ImageRef
from kubemedic.sandbox.kubelet.process import MiB, Usage

CURATED_HOSTS = frozenset({"registry.k8s.io", "k8s.gcr.io"})
# Docker Hub official images the catalog does not describe: they exist, so they are generic.
OFFICIAL = frozenset(
    {
        *("adminer", "amazonlinux", "bash", "caddy", "cassandra", "centos", "consul"),
        *("couchdb", "docker", "drupal", "elasticsearch", "eclipse-mosquitto", "fedora"),
        *("flink", "gcc", "ghost", "golang", "gradle", "haproxy", "influxdb", "jenkins"),
        *("joomla", "kibana", "kong", "logstash", "mariadb", "maven", "nats", "neo4j"),
        *("nextcloud", "oraclelinux", "percona", "perl", "php", "phpmyadmin"),
        *("registry", "rockylinux", "ruby", "rust", "solr", "sonarqube", "swift", "telegraf"),
        *("tomcat", "traefik", "vault", "zookeeper", "almalinux", "archlinux", "groovy"),
    }
)
RELEASE_TAG = (
    r"latest|stable|main|master|edge|nightly|dev|develop|release|prod|production|lts|alpine|slim"
    r"|v?\d+(\.\d+){0,3}([-+_.][0-9A-Za-z][0-9A-Za-z.]*)*"
    r"|(sha-)?[0-9a-f]{7,40}"
)
_PLACEHOLDER = re.compile(
    r"non-?existe?nt|does-?not-?exist|doesnt-?exist|not-?exist|no-?such|fake|invalid|bogus"
    r"|missing|broken|typo|wrong|bad-?image|imaginary|dummy|unknown|notfound|not-?found"
    r"|not-?real|placeholder|your-?(repo|registry|image|app|org|user|name)"
)
GENERIC_PORTS = (80, 3000, 5000, 8000, 8080, 9090)
GENERIC_APP = AppSpec(
    http_ports={port: {"*": 200} for port in GENERIC_PORTS},
    startup_seconds=1.0,
    start_logs=("listening on :8080",),
    usage=Usage(cpu_cores=0.005, memory_bytes=24 * MiB, requests_per_second=1),
)


def generic_image(ref: ImageRef) -> Image | None:
    """The image assumed behind an unlisted repository; None when it cannot exist."""
    unlisted_official = (
        ref.registry == DOCKER_HUB
        and ref.path.startswith("library/")
        and ref.path.removeprefix("library/") not in OFFICIAL
    )
    if unlisted_official or ref.registry in CURATED_HOSTS or _PLACEHOLDER.search(ref.path):
        return None
    return Image(
        ref.repository,
        (RELEASE_TAG,),
        entrypoint=("/app",),
        files={"/app": "app"},
        programs={"app": GENERIC_APP},
        size_bytes=80_000_000,
        description="not in the catalog: a generic service (docs/sandbox.md)",
    )
