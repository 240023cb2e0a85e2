"""Leader election on a sandbox Lease: the API's optimistic concurrency decides between
replicas, one replica at a time runs the background loops, and when the leader dies the other
takes over within the lease duration without running a validation stage twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.leases import create_lease, read_lease, replace_lease
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.config import Settings, load_settings
from kubemedic.errors import Conflict
from kubemedic.governance.leases import Move
from kubemedic.models.leases import LeaseRecord
from kubemedic.services.leader import LeaderElection
from tests.e2e.conftest import Sandbox

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
    assert stored.holder == "a" and stored.resource_version
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
    assert found is not None and (found.holder, found.transitions) == ("a", 1)


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
