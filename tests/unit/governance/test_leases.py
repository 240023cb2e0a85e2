"""Leader election's decisions: who may take a lease, when a holder must stop leading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubemedic.governance.leases import Move, decide, expired, released, still_leading
from kubemedic.models.leases import LeaseRecord

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _held_by(holder: str, renewed: datetime = T0) -> LeaseRecord:
    return LeaseRecord(holder, 15, T0, renewed, transitions=2, resource_version="7")


def test_the_first_replica_creates_the_lease_and_holds_it() -> None:
    decision = decide(None, "a", T0, 15)
    assert decision.move is Move.CREATE
    assert (decision.lease.holder, decision.lease.renewed_at) == ("a", T0)


def test_the_holder_renews_keeping_the_version_it_read() -> None:
    decision = decide(_held_by("a"), "a", T0 + timedelta(seconds=5), 15)
    assert decision.move is Move.RENEW
    assert decision.lease.renewed_at == T0 + timedelta(seconds=5)
    assert (decision.lease.resource_version, decision.lease.transitions) == ("7", 2)


def test_another_replica_follows_a_live_lease_and_takes_over_an_expired_one() -> None:
    assert decide(_held_by("a"), "b", T0 + timedelta(seconds=14), 15).move is Move.FOLLOW
    taken = decide(_held_by("a"), "b", T0 + timedelta(seconds=15), 15)
    assert taken.move is Move.TAKE_OVER
    assert (taken.lease.holder, taken.lease.transitions) == ("b", 3)
    assert taken.lease.acquired_at == T0 + timedelta(seconds=15)


def test_a_released_lease_is_taken_at_once() -> None:
    given_up = released(_held_by("a"), "a")
    assert given_up is not None
    assert expired(given_up, T0)
    assert decide(given_up, "b", T0, 15).move is Move.TAKE_OVER
    assert released(_held_by("a"), "b") is None


def test_a_holder_stops_leading_before_anyone_may_take_over() -> None:
    assert still_leading(T0, T0 + timedelta(seconds=9), 15)
    assert not still_leading(T0, T0 + timedelta(seconds=10), 15)
    assert not still_leading(None, T0, 15)
