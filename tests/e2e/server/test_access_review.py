"""``server.access_review`` end to end: on top of the kubemedic role, the cluster's RBAC
(SubjectAccessReview on the sandbox) decides whether a caller may propose, execute or roll back
a change to an object, and a refusal names the verb, resource and namespace and is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import RunningServer, ServerFactory

DEPLOYER = "system:serviceaccount:todo:deployer"


def _scale(namespace: str, name: str, replicas: int) -> dict[str, object]:
    return {
        "action": "scale",
        "target": {"kind": "Deployment", "name": name, "namespace": namespace},
        "params": {"replicas": replicas},
        "reason": "load",
    }


def _deployer_token(sandbox: Sandbox) -> str:
    """A ServiceAccount that may patch Deployments in ``todo`` and nowhere else."""
    sandbox.kubectl("create", "serviceaccount", "deployer", "-n", "todo")
    sandbox.kubectl(
        "create", "role", "deploy", "--verb=get,list,patch", "--resource=deployments", "-n", "todo"
    )
    sandbox.kubectl(
        "create",
        "rolebinding",
        "deployer",
        "--role=deploy",
        "--serviceaccount=todo:deployer",
        "-n",
        "todo",
    )
    return sandbox.kubectl("create", "token", "deployer", "-n", "todo").stdout.strip()


def _server(
    start_server: ServerFactory, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> RunningServer:
    config = tmp_path / "kubemedic.yaml"
    people = [{"name": "Ada", "email": "ada@example.com", "roles": ["architect"]}]
    config.write_text(yaml.safe_dump({"people": people}))
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    return start_server(
        access_review=True,
        user_roles={DEPLOYER: ("operator",)},
        group_roles={"system:masters": ("operator", "architect")},
    )


@pytest.mark.e2e
def test_the_clusters_rbac_decides_who_may_change_which_namespace(
    start_server: ServerFactory, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.kubectl("create", "namespace", "shop")
    sandbox.kubectl("create", "deployment", "api", "--image=nginx", "-n", "shop")
    token = _deployer_token(sandbox)
    server = _server(start_server, sandbox, tmp_path, monkeypatch)
    deployer = server.client(token)
    admin = server.client(sandbox.server.tokens.admin)  # type: ignore[attr-defined]
    ada, csrf = server.signed_in("ada")

    mine = deployer.post("/api/v1/operations", json=_scale("todo", "frontend", 3))
    assert mine.status_code == 201, mine.text
    elsewhere = deployer.post("/api/v1/operations", json=_scale("shop", "api", 2))
    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"] == (
        f"{DEPLOYER} may not propose this change: Kubernetes user {DEPLOYER} may not "
        "patch deployments.apps/api in namespace shop"
    )
    assert "server.access_review" in elsewhere.json()["hint"]

    theirs = admin.post("/api/v1/operations", json=_scale("shop", "api", 2))
    assert theirs.status_code == 201, theirs.text
    for op in (mine.json()["id"], theirs.json()["id"]):
        approved = ada.post(
            f"/api/v1/operations/{op}/approve", json={}, headers={"X-CSRF-Token": csrf}
        )
        assert approved.status_code == 200, approved.text

    refused = deployer.post(f"/api/v1/operations/{theirs.json()['id']}/execute")
    assert refused.status_code == 403
    assert "may not patch deployments.apps/api in namespace shop" in refused.json()["error"]
    form = deployer.post(f"/operations/{theirs.json()['id']}/rollback", data={"reason": "x"})
    assert form.status_code == 403
    assert "may not patch deployments.apps/api in namespace shop" in form.text
    unmapped = ada.post(
        f"/api/v1/operations/{theirs.json()['id']}/execute", headers={"X-CSRF-Token": csrf}
    )
    assert unmapped.status_code == 403
    assert "maps to no Kubernetes user" in unmapped.json()["error"]
    record = admin.get(f"/api/v1/operations/{theirs.json()['id']}").json()
    refusals = [s for s in record["sections"] if s["event"] == "decision-refused"]
    assert [(s["actor"].split(" <")[0], s["data"]["action"]) for s in refusals] == [
        (DEPLOYER, "execute"),
        (DEPLOYER, "rollback"),
        ("ada", "execute"),
    ]
    assert record["state"] == "approved"

    executed = deployer.post(f"/api/v1/operations/{mine.json()['id']}/execute")
    assert executed.json()["state"] == "executed", executed.text
    assert sandbox.kubectl_json("get", "deployment", "api", "-n", "shop")["spec"]["replicas"] == 1
