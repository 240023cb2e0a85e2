"""The diagnosis, recommendation and report endpoints of a running server and its figures in
/metrics: who may call them, what they answer when the server lacks what they need, a recorded
health report read back, and a sandbox crash loop diagnosed, fixed and measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.cli.app import run
from kubemedic.config import load_settings
from kubemedic.services.diagnose import diagnose
from kubemedic.services.incidents import open_incident
from kubemedic.services.sources import SourceRequest, load_view
from kubemedic.services.workspace import open_workspace
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import SandboxServerFactory, ServerFactory
from tests.e2e.server.flows import GOVERNED, execute_and_validate, propose_three_frontends

EXAMPLE = Path(__file__).parents[3] / "examples" / "shop-cluster"
NEW_ENDPOINTS = (
    "/api/v1/diagnosis?namespace=todo",
    "/api/v1/diagnosis/todo/Deployment/frontend",
    "/api/v1/recommendations?namespace=todo",
    "/api/v1/reports",
    "/api/v1/reports/latest",
    "/api/v1/events",
)


def test_each_new_endpoint_answers_401_without_credentials(start_server: ServerFactory) -> None:
    server = start_server()
    anonymous = server.client()
    paths = anonymous.get("/api/v1/openapi.json").json()["paths"]
    for endpoint in NEW_ENDPOINTS:
        refused = anonymous.get(endpoint)
        assert refused.status_code == 401, endpoint
        assert refused.headers["www-authenticate"].startswith("Bearer"), endpoint
    assert "/api/v1/diagnosis/{namespace}/{kind}/{name}" in paths
    assert "/api/v1/events" in paths


def test_what_the_server_cannot_answer_is_a_4xx_saying_why(start_server: ServerFactory) -> None:
    server = start_server()
    viewer, _ = server.signed_in("vic")
    unknown = viewer.get("/api/v1/diagnosis/todo/Gadget/frontend")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unknown kind 'Gadget'"
    assert "Deployment" in unknown.json()["hint"]
    no_history = viewer.get("/api/v1/recommendations", params={"namespace": "todo"})
    assert no_history.status_code == 409
    assert "no usage history" in no_history.json()["error"]
    assert "prometheus.url" in no_history.json()["hint"]


def test_the_latest_health_report_is_read_back_once_recorded(
    start_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server()
    viewer, _ = server.signed_in("vic")
    none_yet = viewer.get("/api/v1/reports/latest")
    assert none_yet.status_code == 404
    assert "no record of a health report" in none_yet.json()["error"]

    records = str(tmp_path / "records")
    code = run(["report", "health", "--from-file", str(EXAMPLE), "--record", "--records", records])
    assert code == 0, capsys.readouterr().err
    recorded = capsys.readouterr().err.split("recorded ", 1)[1].split()[0]
    assert [row["id"] for row in viewer.get("/api/v1/reports").json()] == [recorded]

    latest = viewer.get("/api/v1/reports/latest").json()
    assert (latest["id"], latest["kind"]) == (recorded, "report")
    assert latest["header"]["score"] == latest["sections"][0]["data"]["score"]
    assert "Health report" in latest["markdown"]
    other = viewer.get("/api/v1/reports/latest", params={"namespace": "billing"})
    assert other.status_code == 404
    assert "of namespace billing" in other.json()["error"]


def _metric(text: str, series: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(series + " "))
    return float(line.rsplit(" ", 1)[1])


@pytest.mark.e2e
@pytest.mark.slow
def test_a_crash_loop_is_diagnosed_and_its_fix_shows_in_mttd_and_mttr(
    serve_sandbox: SandboxServerFactory, sandbox: Sandbox
) -> None:
    sandbox.break_into_a_crash_loop()
    server = serve_sandbox(GOVERNED)
    viewer, _ = server.signed_in("vic")

    found = viewer.get("/api/v1/diagnosis", params={"namespace": "todo"})
    assert found.status_code == 200, found.text
    crash = next(f for f in found.json()["findings"] if f["category"].startswith("crashloop"))
    assert found.json()["scanned"]["namespaces"] == ["todo"]
    workload = crash["object"]
    one = viewer.get(f"/api/v1/diagnosis/todo/{workload['kind'].lower()}/{workload['name']}")
    assert one.status_code == 200, one.text
    assert [f["id"] for f in one.json()["findings"]] == [crash["id"]]
    missing = viewer.get("/api/v1/diagnosis/todo/Deployment/no-such-app")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Deployment 'no-such-app' not found in namespace todo"
    tokens = sandbox.server.tokens
    assert server.client(tokens.readonly).get("/api/v1/diagnosis").status_code == 403

    view = load_view(SourceRequest(namespace="todo", kubeconfig=sandbox.kubeconfig))
    finding = next(f for f in diagnose(view).findings if f.id == crash["id"])
    incident = open_incident(open_workspace(load_settings()), finding, view=view).id
    admin = server.client(tokens.admin)
    proposed = propose_three_frontends(
        admin, "more room while the backend restarts", incident=incident
    ).json()
    op, tier = proposed["id"], proposed["tier"]
    ada, csrf = server.signed_in("ada")
    approved = ada.post(f"/api/v1/operations/{op}/approve", headers={"X-CSRF-Token": csrf}, json={})
    assert approved.status_code == 200, approved.text
    execute_and_validate(admin, op)

    stats = viewer.get("/api/v1/stats", params={"since": "30d"}).json()
    metrics = server.client().get("/metrics").text
    assert _metric(metrics, "kubemedic_figures_window_seconds") == 30 * 86400
    assert _metric(metrics, "kubemedic_incidents") == stats["incidents"] == 1
    for figure in ("mttd", "mttr"):
        for stat in ("mean", "p50", "p95"):
            exported = _metric(metrics, f'kubemedic_{figure}_seconds{{stat="{stat}"}}')
            assert exported == pytest.approx(stats[figure][stat], abs=0.001)
    latency = stats["approval"][tier]["latency"]
    exported = _metric(metrics, f'kubemedic_approval_latency_seconds{{tier="{tier}",stat="p95"}}')
    assert exported == pytest.approx(latency["p95"], abs=0.001)
    assert _metric(metrics, f'kubemedic_approvals_decided{{tier="{tier}"}}') == 1
