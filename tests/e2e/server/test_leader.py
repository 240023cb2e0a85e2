"""Leader election on a sandbox Lease: the API's optimistic concurrency decides between
replicas, one replica at a time runs the background loops, and when the leader dies the other
takes over within the lease duration without running a validation stage twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubemedic.adapters.kubernetes.leases import create_lease, read_lease, replace_lease
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.cli.app import run
from kubemedic.config import Settings, load_settings
from kubemedic.errors import Conflict
from kubemedic.governance.leases import Move
from kubemedic.models.leases import LeaseRecord
from kubemedic.models.records import Section
from kubemedic.services.leader import LeaderElection
from kubemedic.services.workspace import open_workspace
from tests.e2e.conftest import Sandbox
from tests.e2e.server.conftest import free_port, oom_fix

pytestmark = pytest.mark.e2e
NAMESPACE, NAME = "default", "kubemedic-server"


@pytest.fixture
def client(bare_sandbox: Sandbox) -> Iterator[ApiClient]:
    made = connect(context=None, kubeconfig=bare_sandbox.kubeconfig, timeout=10)
    yield made
    made.close()


def _settings(kubeconfig: Path, **server: object) -> Settings:
    settings = load_settings(kubeconfig=kubeconfig)
    fields = {"lease_namespace": NAMESPACE, "lease_duration": 3.0, **server}
    return settings.model_copy(update={"server": settings.server.model_copy(update=fields)})


def test_the_sandbox_refuses_a_second_create_and_a_stale_replace(client: ApiClient) -> None:
    now = LeaseRecord("a", 15, None, None)
    stored = create_lease(client, NAMESPACE, NAME, now)
    assert stored.holder == "a"
    assert stored.resource_version
    with pytest.raises(Conflict):
        create_lease(client, NAMESPACE, NAME, LeaseRecord("b", 15, None, None))
    renewed = replace_lease(
        client, NAMESPACE, NAME, LeaseRecord("a", 15, None, None, 1, stored.resource_version)
    )
    assert renewed.resource_version != stored.resource_version
    with pytest.raises(Conflict):
        replace_lease(
            client, NAMESPACE, NAME, LeaseRecord("b", 15, None, None, 2, stored.resource_version)
        )
    found = read_lease(client, NAMESPACE, NAME)
    assert found is not None
    assert (found.holder, found.transitions) == ("a", 1)


def test_one_of_two_replicas_leads_and_a_stopped_leader_hands_over_at_once(
    bare_sandbox: Sandbox,
) -> None:
    settings = _settings(bare_sandbox.kubeconfig)
    first = LeaderElection(settings, identity="first", work=lambda _: None)
    second = LeaderElection(settings, identity="second", work=lambda _: None)
    assert first.step() is Move.CREATE
    assert second.step() is Move.FOLLOW
    assert (first.leading, second.leading) == (True, False)
    assert first.step() is Move.RENEW
    first.stop()  # never started: it only gives the lease up
    assert second.step() is Move.TAKE_OVER
    assert second.leading
    second.stop()


PEOPLE = [
    {"name": "Ada", "email": "ada@example.com", "roles": ["architect"]},
    {"name": "Lin", "email": "lin@example.com", "roles": ["operator"]},
]
LEASE_SECONDS = 3.0


@pytest.mark.slow
def test_when_the_leader_dies_the_other_server_validates_what_is_left_once(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "kubemedic.yaml"
    server = {
        "leader_election": True,
        "lease_namespace": NAMESPACE,
        "lease_duration": f"{LEASE_SECONDS}s",
        "background_interval": "0.5s",
    }
    policy = {"validation_delays": ["2s", "9s"], "validation_timeout": "20s"}
    config.write_text(
        yaml.safe_dump({"people": PEOPLE, "user": "Lin", "policy": policy, "server": server})
    )
    environment = {
        "KUBEMEDIC_CONFIG_FILE": str(config),
        "KUBECONFIG": str(sandbox.kubeconfig),
        "KUBEMEDIC_RECORDS": str(tmp_path / "records"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    op = oom_fix(sandbox, capsys)
    servers = [_serve(tmp_path / f"server-{n}.log") for n in range(2)]
    try:
        holders = {f"{os.uname().nodename}-{s.pid}": s for s in servers}
        leader = holders[
            sandbox.wait_for(
                lambda: _holder(sandbox) in holders and _holder(sandbox),
                timeout=30,
                what="a leader",
            )
        ]
        assert run(["approve", op, "--as", "Ada", "--reason", "limit too low"]) == 0
        assert run(["execute", op]) == 0
        sandbox.wait_for(
            lambda: len(_validations(op)) == 1, timeout=40, what="stage 1 by the leader"
        )
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        killed_at = time.monotonic()
        survivor = next(s for s in servers if s is not leader)
        successor = sandbox.wait_for(
            lambda: holders.get(_holder(sandbox)) is survivor,
            timeout=2 * LEASE_SECONDS + 2,
            what="a takeover",
        )
        assert successor
        assert time.monotonic() - killed_at <= 2 * LEASE_SECONDS + 2
        sandbox.wait_for(
            lambda: len(_validations(op)) >= 2, timeout=60, what="stage 2 by the new leader"
        )
        time.sleep(LEASE_SECONDS)  # another round would show a stage run twice
        stages = [s.data["stage"] for s in _validations(op)]
        assert stages == [1, 2]
        assert [s.event for s in _validations(op)] == ["validation-passed"] * 2
    finally:
        for each in servers:
            each.send_signal(signal.SIGTERM)
            each.wait(timeout=30)


def _serve(log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "kubemedic", "serve", "--port", str(free_port())],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _holder(sandbox: Sandbox) -> str:
    found = sandbox.kubectl(
        "get", "lease", NAME, "-n", NAMESPACE, "-o", "jsonpath={.spec.holderIdentity}", check=False
    )
    return found.stdout.strip()


def _validations(op: str) -> list[Section]:
    ws = open_workspace(load_settings())
    try:
        return [s for s in ws.store.load(op).sections if s.event.startswith("validation-")]
    finally:
        ws.close()
