"""200 clients at once on a running server: approving, listing and executing the same operations.

What a team racing on one dashboard must never see: a decision answered 2xx but missing from the
record, an approval counted twice, an operation applied twice to the cluster, or a 5xx. Every
client is a real httpx client on loopback; the cluster is the sandbox, its tokens verified by
TokenReview; afterwards the records' hash chains and history must verify.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kubemedic.config import load_settings
from kubemedic.services.trail import verify_trail
from kubemedic.services.workspace import open_workspace
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import RunningServer, ServerFactory

NAMESPACE = "race"
EXECUTORS_PER_OPERATION = 8
CLIENTS = 200
DEADLINE_SECONDS = 90.0
LISTINGS = ("/api/v1/operations", "/api/v1/approvals", "/api/v1/incidents", "/")
PEOPLE = [
    {"name": "ada", "email": "ada@example.com", "roles": ["architect"]},
    {"name": "lin", "email": "lin@example.com", "roles": ["architect"]},
    {"name": "sam", "email": "sam@example.com", "roles": ["security"]},
]


@dataclass(frozen=True, slots=True)
class Race:
    """One operation: the replicas it asks for, who races to approve it, approvals it needs."""

    replicas: int
    approvers: tuple[str, ...]
    needed: int


MEDIUM = Race(3, ("ada", "lin", "ada"), 1)
"""2 -> 3 replicas is medium: one architect; two people, and one of them twice, race for it."""
CRITICAL = Race(0, ("ada", "lin", "sam", "sam"), 2)
"""Scaling to zero is critical: two people, one of them from security."""
RACES = (MEDIUM, MEDIUM, MEDIUM, CRITICAL)


@dataclass(frozen=True, slots=True)
class Answer:
    client: int
    method: str
    path: str
    status: int
    body: str
    account: str = ""
    """the account a session client signed in as"""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Session:
    name: str
    cookies: httpx.Cookies
    csrf: str


def _deployments(count: int) -> str:
    items: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    ]
    for number in range(count):
        name = f"app-{number}"
        labels = {"app": name}
        items.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
                    },
                },
            }
        )
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})


def _session(server: RunningServer, name: str) -> Session:
    browser, csrf = server.signed_in(name)
    return Session(name, browser.cookies, csrf)


@pytest.mark.e2e
def test_200_concurrent_clients_lose_no_decision_and_apply_each_change_once(
    start_server: ServerFactory,
    bare_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "kubemedic.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "people": PEOPLE,
                "server": {"group_roles": {"system:masters": ["operator"]}},
            }
        )
    )
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(config))
    monkeypatch.setenv("KUBECONFIG", str(bare_sandbox.kubeconfig))
    monkeypatch.setenv("HOME", str(tmp_path))
    bare_sandbox.kubectl("apply", "--validate=false", "-f", "-", stdin=_deployments(len(RACES)))
    server = start_server()
    admin_token = bare_sandbox.server.tokens.admin  # type: ignore[attr-defined]
    admin = server.client(admin_token)
    operations = []
    for number, race in enumerate(RACES):
        proposed = admin.post(
            "/api/v1/operations",
            json={
                "action": "scale",
                "target": {"kind": "Deployment", "name": f"app-{number}", "namespace": NAMESPACE},
                "params": {"replicas": race.replicas},
                "reason": "the race",
            },
        )
        assert proposed.status_code == 201, proposed.text
        assert proposed.json()["state"] == "pending-approval", proposed.text
        operations.append((proposed.json()["id"], race))
    before = {
        d["metadata"]["name"]: d["metadata"]["generation"]
        for d in bare_sandbox.kubectl_json("get", "deployments", "-n", NAMESPACE)["items"]
    }
    sessions = {name: _session(server, name) for name in ("ada", "lin", "sam")}

    answers = _race(server, admin_token, sessions, operations)

    server_errors = [a for a in answers if a.status >= 500]
    assert not server_errors, server_errors[:5]
    statuses = Counter(a.status for a in answers)
    assert set(statuses) <= {200, 403, 409}, statuses
    records = {op: admin.get(f"/api/v1/operations/{op}").json() for op, _ in operations}
    after = {
        d["metadata"]["name"]: d
        for d in bare_sandbox.kubectl_json("get", "deployments", "-n", NAMESPACE)["items"]
    }
    for number, (op, race) in enumerate(operations):
        sections = records[op]["sections"]
        events = Counter(s["event"] for s in sections)
        approvals = [a for a in answers if a.path == f"/api/v1/operations/{op}/approve"]
        granted = [a for a in approvals if a.status == 200]
        assert len(granted) == race.needed, (op, granted)
        assert (events["approved"], events["approval-added"]) == (1, race.needed - 1), events
        approvers = [s["actor"] for s in sections if s["event"] in ("approved", "approval-added")]
        assert sorted(approvers) == sorted(
            f"{a.account} <{a.account}@example.com>" for a in granted
        )
        assert len(set(approvers)) == race.needed
        assert race is not CRITICAL or any(a.startswith("sam <") for a in approvers), approvers
        refused = [a for a in approvals if a.status == 403]
        assert events["decision-refused"] == len(refused), (op, events)
        executions = [a for a in answers if a.path == f"/api/v1/operations/{op}/execute"]
        applied = [a for a in executions if a.status == 200]
        assert len(applied) == 1, (op, Counter(a.status for a in executions))
        assert applied[0].json()["state"] == "executed", applied[0]
        assert events["execution-started"] == events["executed"] == 1, (op, events)
        assert records[op]["state"] == "executed"
        deployment = after[f"app-{number}"]
        assert deployment["spec"]["replicas"] == race.replicas
        assert deployment["metadata"]["generation"] == before[f"app-{number}"] + 1
    listed = [a for a in answers if a.path == "/api/v1/operations"]
    assert listed
    assert all(len(a.json()) == len(RACES) for a in listed)
    settings = load_settings()
    ws = open_workspace(settings)
    try:
        check = verify_trail(ws)
    finally:
        ws.close()
    assert check.problems == (), check.problems


def _race(
    server: RunningServer,
    admin_token: str,
    sessions: dict[str, Session],
    operations: list[tuple[str, Race]],
) -> list[Answer]:
    """Every client's requests, started together behind a barrier, each answer kept."""
    approved = {op: threading.Event() for op, _ in operations}
    plans: list[Plan] = []
    for op, race in operations:
        for name in race.approvers:
            plans.append(Plan(sessions[name], _approver(sessions[name], op, approved[op])))
        plans += [Plan(admin_token, _executor(op, approved[op]))] * EXECUTORS_PER_OPERATION
    ids = [op for op, _ in operations]
    while len(plans) < CLIENTS:
        path = LISTINGS[len(plans) % len(LISTINGS)]
        auth = sessions["ada"] if path == "/" or len(plans) % 2 else admin_token
        plans.append(Plan(auth, _lister(path, ids)))
    start = threading.Barrier(len(plans))

    def run(number: int) -> list[Answer]:
        plan = plans[number]
        with plan.client(server.url) as client:
            start.wait(timeout=DEADLINE_SECONDS)
            return plan.act(number, client)

    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        futures = [pool.submit(run, number) for number in range(len(plans))]
        return [answer for each in futures for answer in each.result(timeout=DEADLINE_SECONDS)]


Act = Callable[[int, httpx.Client], list[Answer]]


@dataclass(frozen=True, slots=True)
class Plan:
    """One client: who it is (a session or a bearer token) and what it does."""

    auth: Session | str
    act: Act

    def client(self, url: str) -> httpx.Client:
        if isinstance(self.auth, Session):
            return httpx.Client(base_url=url, timeout=DEADLINE_SECONDS, cookies=self.auth.cookies)
        headers = {"Authorization": f"Bearer {self.auth}"}
        return httpx.Client(base_url=url, timeout=DEADLINE_SECONDS, headers=headers)


def _approver(session: Session, op: str, approved: threading.Event) -> Act:
    def approve(number: int, client: httpx.Client) -> list[Answer]:
        path = f"/api/v1/operations/{op}/approve"
        answer = client.post(path, json={"reason": "go"}, headers={"X-CSRF-Token": session.csrf})
        if answer.status_code == 200 and answer.json()["state"] != "pending-approval":
            approved.set()
        return [Answer(number, "POST", path, answer.status_code, answer.text, session.name)]

    return approve


def _executor(op: str, approved: threading.Event) -> Act:
    def execute(number: int, client: httpx.Client) -> list[Answer]:
        assert approved.wait(timeout=DEADLINE_SECONDS), f"{op} was never approved"
        path = f"/api/v1/operations/{op}/execute"
        answer = client.post(path)
        return [Answer(number, "POST", path, answer.status_code, answer.text)]

    return execute


def _lister(path: str, operations: list[str]) -> Act:
    def listing(number: int, client: httpx.Client) -> list[Answer]:
        one = f"/api/v1/operations/{operations[number % len(operations)]}"
        return [
            Answer(number, "GET", each, answer.status_code, answer.text)
            for each in (path, one)
            for answer in (client.get(each),)
        ]

    return listing
