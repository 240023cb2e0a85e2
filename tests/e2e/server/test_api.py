"""The API and sessions of a running server: authentication, roles, CSRF, throttling, expiry,
and the governed workflow over HTTP against the sandbox with tokens the cluster verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import PASSWORD, SandboxServerFactory, ServerFactory
from tests.e2e.server.flows import GOVERNED, execute_and_validate, propose_three_frontends


def test_without_credentials_the_api_answers_401_and_the_dashboard_asks_to_sign_in(
    start_server: ServerFactory,
) -> None:
    server = start_server()
    anonymous = server.client()
    assert anonymous.get("/healthz").text == "ok\n"
    assert anonymous.get("/readyz").status_code == 200
    assert (
        "/api/v1/operations/{record_id}/approve"
        in anonymous.get("/api/v1/openapi.json").json()["paths"]
    )
    refused = anonymous.get("/api/v1/operations")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.post("/api/v1/operations/OP-1/approve", json={}).status_code == 401
    page = anonymous.get("/")
    assert (page.status_code, page.headers["location"]) == (303, "/login")
    forged = server.client()
    forged.cookies.set("kubemedic_session", "eyJ1IjoiYWRhIn0.forged.signature")
    assert forged.get("/api/v1/me").status_code == 401


def test_a_role_that_may_not_decide_is_refused_with_403(start_server: ServerFactory) -> None:
    server = start_server()
    viewer, csrf = server.signed_in("vic")
    assert viewer.get("/api/v1/operations").json() == []
    refused = viewer.post(
        "/api/v1/operations/OP-1/approve", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403
    assert "vic may not approve: that needs role admin or architect or security" in refused.text


def test_a_change_without_the_sessions_csrf_token_is_refused(start_server: ServerFactory) -> None:
    server = start_server()
    ada, csrf = server.signed_in("ada")
    missing = ada.post("/api/v1/operations/OP-1/approve", json={})
    wrong = ada.post("/api/v1/operations/OP-1/approve", json={}, headers={"X-CSRF-Token": "x"})
    form = ada.post("/operations/OP-1/approve", data={"reason": "ok"})
    for answer in (missing, wrong, form):
        assert answer.status_code == 403
        assert "CSRF" in answer.text
    unknown = ada.post("/api/v1/operations/OP-1/approve", json={}, headers={"X-CSRF-Token": csrf})
    assert unknown.status_code == 404, unknown.text
    assert "no record OP-1" in unknown.json()["error"]


def test_sign_ins_are_throttled_after_repeated_failures(start_server: ServerFactory) -> None:
    server = start_server(login_attempts=3, login_window=60)
    browser = server.client()
    csrf = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    for _ in range(3):
        wrong = browser.post("/login", data={"name": "ada", "password": "nope", "csrf": csrf})
        assert wrong.status_code == 401
        assert "Wrong name or password" in wrong.text
    right = {"name": "ada", "password": PASSWORD, "csrf": csrf}
    assert browser.post("/login", data=right).status_code == 429
    server.clock.offset += 61
    assert browser.post("/login", data=right).status_code == 303


def test_a_session_expires_after_its_lifetime(start_server: ServerFactory) -> None:
    server = start_server(session_lifetime=600)
    ada, _ = server.signed_in("ada")
    assert ada.get("/api/v1/me").json()["roles"] == ["architect", "operator"]
    server.clock.offset += 601
    assert ada.get("/api/v1/me").status_code == 401
    assert ada.get("/").headers["location"] == "/login"


def test_accounts_are_made_with_the_cli_and_sign_in_with_their_password(
    start_server: ServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server()
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("another long secret\n"))
    code = run(
        [
            "user",
            "add",
            "kim",
            "--role",
            "security",
            "--email",
            "kim@example.com",
            "--password-stdin",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "secret" not in server.users.read_text()
    browser = server.client()
    csrf = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    done = browser.post(
        "/login", data={"name": "kim", "password": "another long secret", "csrf": csrf}
    )
    assert done.status_code == 303
    assert browser.get("/api/v1/me").json() == {
        "name": "kim",
        "email": "kim@example.com",
        "roles": ["security"],
    }
    assert run(["user", "add", "bad", "--role", "king", "--password-stdin"]) == 2


@pytest.mark.e2e
def test_the_governed_workflow_over_http_with_cluster_verified_tokens(
    serve_sandbox: SandboxServerFactory, sandbox: Sandbox
) -> None:
    server = serve_sandbox(GOVERNED)
    tokens = sandbox.server.tokens  # type: ignore[attr-defined]
    admin = server.client(tokens.admin)
    assert server.client("not-a-token").get("/api/v1/me").status_code == 401
    no_role = server.client(tokens.readonly).get("/api/v1/operations")
    assert no_role.status_code == 403
    assert "no kubemedic role" in no_role.text

    proposed = propose_three_frontends(admin, "more traffic")
    assert proposed.status_code == 201, proposed.text
    op = proposed.json()["id"]
    assert proposed.json()["state"] == "pending-approval"
    assert [p["id"] for p in admin.get("/api/v1/approvals").json()] == [op]

    mine = admin.post(f"/api/v1/operations/{op}/approve", json={"reason": "mine"})
    assert mine.status_code == 403
    assert "requested operation" in mine.json()["error"]
    assert "cannot approve it" in mine.json()["error"]

    ada, csrf = server.signed_in("ada")
    approved = ada.post(
        f"/api/v1/operations/{op}/approve",
        json={"reason": "fine", "conditions": ["max-replicas=6"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert approved.json() == {"id": op, "state": "conditionally-approved"}, approved.text
    again = ada.post(f"/api/v1/operations/{op}/approve", json={}, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 403

    execute_and_validate(admin, op)
    assert (
        sandbox.kubectl_json("get", "deployment", "frontend", "-n", "todo")["spec"]["replicas"] == 3
    )

    record = ada.get(f"/api/v1/operations/{op}").json()
    events = [s["event"] for s in record["sections"]]
    assert events.count("decision-refused") == 2
    assert {"field": "replicas", "before": 2, "after": 3} in record["diff"]
    metrics = admin.get("/metrics").text
    assert 'kubemedic_pending_approvals{tier="medium"} 0' in metrics
    assert 'route="/api/v1/operations/{record_id}/approve",status="403"' in metrics


def test_kubemedic_serve_answers_on_the_port_it_was_given(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    import subprocess
    import sys
    import time

    import httpx

    from tests.e2e.server.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubemedic",
            "serve",
            "--port",
            str(port),
            "--records",
            str(tmp_path / "r"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "kubemedic serve did not answer"
                time.sleep(0.1)
        assert answer.text == "ok\n"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/operations").status_code == 401
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_readyz_answers_503_until_the_records_have_been_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from kubemedic.config import load_settings
    from kubemedic.web.app import create_app

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KUBEMEDIC_RECORDS", str(tmp_path / "records"))
    app = create_app(load_settings())
    not_started = TestClient(app).get("/readyz")  # no lifespan: nothing has been read yet
    assert (not_started.status_code, not_started.text) == (503, "starting: reading the records\n")
    with TestClient(app) as running:
        assert app.state.warmed.wait(20)
        assert running.get("/readyz").status_code == 200
