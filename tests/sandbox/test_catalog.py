"""The image catalog holds the images and tags public examples use, with their real userland."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubemedic.sandbox.apierrors import BadRequestError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.images import Catalog, Pulled, PullFailed, parse_reference
from kubemedic.sandbox.kubelet.process import MiB, Process
from kubemedic.sandbox.kubelet.programs import RunContext, find_executable
from kubemedic.sandbox.kubelet.shell import start_process
from kubemedic.sandbox.simulation import Simulation
from kubemedic.sandbox.store import Store


def pull(image: str, catalog: Catalog | None = None) -> Pulled | PullFailed:
    return (catalog or builtin_catalog()).pull(parse_reference(image), arch="amd64", credentials=())


def run(image: str, script: str, catalog: Catalog | None = None) -> Process:
    pulled = pull(image, catalog)
    assert isinstance(pulled, Pulled), pulled
    context = RunContext(
        image=pulled.image,
        tag=pulled.ref.tag,
        env={},
        hostname="web-0",
        started_at=datetime(2024, 11, 20, tzinfo=UTC),
    )
    return start_process(["sh", "-c", script], context, node_arch="amd64")


def output(process: Process) -> list[str]:
    return [text for _, text in process.lines]


@pytest.mark.parametrize(
    "image",
    [
        "busybox:1.28",
        "busybox:1.31.1",
        "busybox:1.36",
        "busybox:1.36.1-musl",
        "alpine:3.12",
        "debian:buster-slim",
        "ubuntu:18.04",
        "python:3.7-slim-buster",
        "python:3.9-slim-bullseye",
        "python:3.12-alpine3.20",
        "python:2.7-slim",
        "node:18-alpine",
        "node:20.18.0-bookworm-slim",
        "nginx:alpine",
        "nginx:1.25.3-alpine-slim",
        "httpd:2.4-alpine",
        "redis:7.2-alpine",
        "postgres:16-alpine",
        "mysql:5.7",
        "mongo:7.0",
        "curlimages/curl:8.10.1",
        "bitnami/kubectl:1.31",
        "radial/busyboxplus:curl",
        "registry.k8s.io/e2e-test-images/agnhost:2.40",
        "registry.k8s.io/nginx-slim:0.8",
        "registry.k8s.io/hpa-example",
        "k8s.gcr.io/busybox",
        "quay.io/prometheus/prometheus:v2.54.1",
        "gcr.io/distroless/static-debian12:nonroot",
    ],
)
def test_tags_public_examples_use_are_pulled(image: str) -> None:
    assert isinstance(pull(image), Pulled)


@pytest.mark.parametrize(
    ("image", "shell", "base"),
    [
        ("nginx:1.27", "dash", "debian"),
        ("nginx:alpine", "ash", "alpine"),
        ("python:3.12-slim", "dash", "debian"),
        ("python:3.12-alpine", "ash", "alpine"),
        ("mysql:8.0", "bash", "rhel"),
        ("gcr.io/distroless/static-debian12:debug", "ash", "busybox"),
    ],
)
def test_a_tag_is_built_on_its_own_base(image: str, shell: str, base: str) -> None:
    pulled = pull(image)
    assert isinstance(pulled, Pulled)
    assert pulled.image.base == base
    found = find_executable("sh", pulled.image)
    assert found is not None
    assert found.program == shell


def test_alpine_nginx_has_busybox_applets_and_the_debian_one_coreutils() -> None:
    alpine = run("nginx:alpine", "dd if=/dev/zero of=/tmp/fill bs=1M count=10 && ls /tmp")
    assert output(alpine) == [
        "10+0 records in",
        "10+0 records out",
        "10485760 bytes (10.0MB) copied, 0.050000 seconds, 0.2GB/s",
        "fill",
    ]
    debian = run("nginx:1.27", "dd if=/dev/zero of=/tmp/fill bs=1M count=10; wget -q x")
    assert output(debian)[2] == "10485760 bytes (10 MB, 10 MiB) copied, 0.05 s, 0.2 GB/s"
    assert (debian.exit_code, output(debian)[-1]) == (127, "sh: 1: wget: not found")


@pytest.mark.parametrize(
    ("image", "line", "code"),
    [
        ("python:3.12", "curl: (6) Could not resolve host: backend", 6),
        ("python:3.7-slim-buster", "sh: 1: curl: not found", 127),
        ("python:3.12-alpine", "sh: curl: not found", 127),
        ("node:20", "curl: (6) Could not resolve host: backend", 6),
        ("node:20-slim", "sh: 1: curl: not found", 127),
    ],
)
def test_full_builds_have_curl_and_slim_or_alpine_ones_do_not(
    image: str, line: str, code: int
) -> None:
    process = run(image, "curl -sS http://backend")
    assert (process.exit_code, output(process)) == (code, [line])


def test_a_shell_missing_from_an_image_is_not_found_and_distroless_has_none() -> None:
    assert run("mysql:8.0", "nosuch").lines[-1][1] == "sh: line 1: nosuch: command not found"
    pulled = pull("gcr.io/distroless/static-debian12")
    assert isinstance(pulled, Pulled)
    context = RunContext(
        image=pulled.image, tag="latest", env={}, hostname="x", started_at=datetime.now(UTC)
    )
    started = start_process(["sh", "-c", "true"], context, node_arch="amd64")
    assert started.start_error == 'exec: "sh": executable file not found in $PATH'


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("ngnix:latest", "pull access denied"),
        ("docker.io/library/nonexistent:1.0", "pull access denied"),
        ("acme/does-not-exist:1.0", "pull access denied"),
        ("ghcr.io/acme/fake-image:1.0", "401 Unauthorized"),
        ("ghcr.io/acme/api:nonexistent-tag", "ghcr.io/acme/api:nonexistent-tag: not found"),
        ("registry.k8s.io/not-a-k8s-image:1.0", "401 Unauthorized"),
    ],
)
def test_unknown_images_that_cannot_exist_fail_to_pull(image: str, fragment: str) -> None:
    result = pull(image)
    assert isinstance(result, PullFailed)
    assert fragment in result.message


def test_other_unknown_public_images_run_as_a_generic_service() -> None:
    pulled = pull("ghcr.io/acme/api:1.4.2")
    assert isinstance(pulled, Pulled)
    context = RunContext(
        image=pulled.image, tag="1.4.2", env={}, hostname="x", started_at=datetime.now(UTC)
    )
    server = start_process(
        [*pulled.image.entrypoint, *pulled.image.cmd], context, node_arch="amd64"
    )
    assert server.runs_forever
    assert server.foreground is not None
    assert {80, 8080} <= set(server.foreground.listeners)
    assert output(run("docker.io/acme/worker:v2", "echo $((1 + 1))")) == ["2"]
    assert isinstance(pull("golang:1.22"), Pulled)  # an official image the catalog omits


def simulation(tmp_path: Path) -> Simulation:
    clock = SimClock(1.0)
    return Simulation(Store(clock.now), clock, state_dir=tmp_path)


def test_registry_add_merges_tags_into_a_builtin_image_and_keeps_its_shell(
    tmp_path: Path,
) -> None:
    sim = simulation(tmp_path)
    message = sim.add_image({"image": "nginx", "tags": ["1.99.0-alpine"], "behaviour": {}})
    assert message == "image docker.io/library/nginx updated (tags added: 1.99.0-alpine)"
    for image in ("nginx:1.99.0-alpine", "nginx:1.27", "nginx:alpine"):
        assert isinstance(pull(image, sim.catalog), Pulled), image
    merged = pull("nginx:1.99.0-alpine", sim.catalog)
    assert isinstance(merged, Pulled)
    assert merged.image.base == "alpine"
    assert "nginx" in merged.image.programs
    assert output(run("nginx:1.99.0-alpine", "dd if=/dev/zero of=/x count=0", sim.catalog))[0] == (
        "0+0 records in"
    )


def test_registry_remove_deletes_a_tag_or_a_repository_and_is_remembered(
    tmp_path: Path,
) -> None:
    sim = simulation(tmp_path)
    assert sim.remove_image("nginx", ["1.27.2"]) == (
        "image docker.io/library/nginx: tag(s) 1.27.2 removed"
    )
    gone = pull("nginx:1.27.2", sim.catalog)
    assert isinstance(gone, PullFailed)
    assert gone.message.endswith("1.27.2: not found")
    assert isinstance(pull("nginx:1.27.1", sim.catalog), Pulled)
    assert sim.remove_image("ghcr.io/acme/api", []) == "image ghcr.io/acme/api removed"
    denied = pull("ghcr.io/acme/api:1.0", sim.catalog)
    assert isinstance(denied, PullFailed)
    assert "401 Unauthorized" in denied.message

    restarted = simulation(tmp_path)  # the state directory remembers both
    assert isinstance(pull("nginx:1.27.2", restarted.catalog), PullFailed)
    assert isinstance(pull("ghcr.io/acme/api:1.0", restarted.catalog), PullFailed)
    restarted.add_image({"image": "nginx", "tags": ["1.27.2"]})
    assert isinstance(pull("nginx:1.27.2", restarted.catalog), Pulled)


def test_an_added_image_gets_modest_defaults(tmp_path: Path) -> None:
    sim = simulation(tmp_path)
    sim.add_image({"image": "registry.example.com/shop/api", "tags": ["2.4.1"]})
    pulled = pull("registry.example.com/shop/api:2.4.1", sim.catalog)
    assert isinstance(pulled, Pulled)
    context = RunContext(
        image=pulled.image, tag="2.4.1", env={}, hostname="x", started_at=datetime.now(UTC)
    )
    process = start_process(list(pulled.image.entrypoint), context, node_arch="amd64")
    assert process.runs_forever
    assert process.usage.memory_bytes == 20 * MiB
    assert process.usage.cpu_cores == pytest.approx(0.005)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"image": "MyRepo/App"}, "repository name must be lowercase"),
        ({"image": "acme/api", "shell": "zsh"}, "unknown image spec field(s): shell"),
        ({"image": "acme/api", "base": "windows"}, "base must be one of"),
    ],
)
def test_bad_image_specs_are_refused_with_the_reason(
    tmp_path: Path, spec: dict[str, str], problem: str
) -> None:
    with pytest.raises((BadRequestError, ValueError)) as caught:
        simulation(tmp_path).add_image(spec)
    assert problem in str(caught.value)
