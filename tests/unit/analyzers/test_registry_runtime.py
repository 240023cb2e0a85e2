"""Registry trust is configured in the container runtime: Docker, CRI-O and containerd keep
it in different places, so the runtime is read before the fix is written."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._image_ref import parse_image
from kubemedic.analyzers._pull_errors import classify
from kubemedic.analyzers._registry_reach import container_runtime, reach_advice
from kubemedic.models.k8s import Node

X509 = (
    'Failed to pull image "reg.local:5000/app": rpc error: code = Unknown desc = failed to '
    "resolve reference: Get https://reg.local:5000/v2/: x509: certificate signed by unknown "
    "authority"
)


def _node(runtime: str) -> Node:
    return Node({"kind": "Node", "status": {"nodeInfo": {"containerRuntimeVersion": runtime}}})


@pytest.mark.parametrize(
    ("ids", "node", "runtime", "path"),
    [
        (["docker://0a1b"], None, "docker", "/etc/docker/certs.d/reg.local:5000/ca.crt"),
        ([], _node("cri-o://1.28.1"), "cri-o", "/etc/containers/certs.d/reg.local:5000/ca.crt"),
        ([], _node("containerd://1.7.2"), "containerd", "/etc/containerd/certs.d/reg.local:5000"),
        ([], None, "containerd", "/etc/containerd/certs.d/reg.local:5000"),
    ],
)
def test_the_ca_goes_where_the_nodes_runtime_reads_it(
    ids: list[str], node: Node | None, runtime: str, path: str
) -> None:
    error = classify(X509)
    assert container_runtime(error, ids, node) == runtime
    advice = reach_advice(error, parse_image("reg.local:5000/app"), "n1", runtime)
    assert path in advice.steps[0]


def test_the_docker_daemons_wording_names_docker() -> None:
    error = classify(
        'Failed to pull image "r:5000/a": Error response from daemon: {"message":"Get '
        'https://r:5000/v1/_ping: x509: certificate signed by unknown authority"}'
    )
    assert container_runtime(error, [], None) == "docker"
