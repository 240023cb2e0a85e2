"""Commands run on a pod's node name the node, or look it up when the input does not say."""

from __future__ import annotations

import subprocess

from kubemedic.analyzers._template_patch import on_node
from kubemedic.models.k8s import Pod

POD = Pod({"kind": "Pod", "metadata": {"name": "db-0", "namespace": "data"}, "spec": {}})


def test_a_known_node_is_named() -> None:
    assert on_node("node-a", "blkid", POD) == (
        "kubectl debug node/node-a -it --image=busybox:1.36 -- blkid"
    )


def test_an_unknown_node_is_the_pods_as_the_command_runs() -> None:
    command = on_node("", "blkid", POD)
    assert "<node>" not in command
    lookup = "kubectl get pod db-0 -n data -o jsonpath='{.spec.nodeName}'"
    assert f"node/$({lookup})" in command
    # the shell reads it as one command with the lookup substituted
    shown = subprocess.run(
        ["bash", "-c", f"kubectl() {{ echo node-b; }}; set -- {command}; echo $3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "node/node-b"
