"""``deploy/server`` renders with ``kubectl kustomize`` and applying it creates the server's
objects: two replicas, a Service, least-privilege RBAC, a records claim, a settings Secret."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e
DEPLOY = Path(__file__).parents[3] / "deploy"


def _rendered() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "server")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_server_manifests_apply_to_the_sandbox(bare_sandbox: Sandbox) -> None:
    rendered = _rendered()
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(rendered)}
    deployment = objects["Deployment", "kubemedic-server"]
    assert deployment["spec"]["replicas"] == 2
    write = objects["ClusterRole", "kubemedic-server-write"]["rules"]
    assert {v for rule in write for v in rule["verbs"]} <= {"create", "patch", "delete"}
    assert "secrets" not in {r for rule in write for r in rule["resources"]}
    bare_sandbox.kubectl("apply", "-f", str(DEPLOY / "namespace.yaml"))
    applied = bare_sandbox.kubectl("apply", "-f", "-", stdin=rendered).stdout
    assert applied.count(" created") == len(objects), applied
    found = bare_sandbox.kubectl_json(
        "get", "deployment,service,pvc,secret,lease", "-n", "kubemedic"
    )
    names = {(o["kind"], o["metadata"]["name"]) for o in found["items"]}
    assert {
        ("Deployment", "kubemedic-server"),
        ("Service", "kubemedic-server"),
        ("PersistentVolumeClaim", "kubemedic-server-records"),
        ("Secret", "kubemedic-server-settings"),
    } <= names
    can_i = bare_sandbox.kubectl(
        "auth",
        "can-i",
        "patch",
        "deployments",
        "--as",
        "system:serviceaccount:kubemedic:kubemedic-server",
        check=False,
    )
    assert can_i.stdout.strip() == "yes"
    cannot = bare_sandbox.kubectl(
        "auth",
        "can-i",
        "delete",
        "deployments",
        "--as",
        "system:serviceaccount:kubemedic:kubemedic-server",
        check=False,
    )
    assert cannot.stdout.strip() == "no"
