"""Leader election decided from a Lease and the time: who holds it, and what to write next.

Pure: the service reads the Lease, asks ``decide`` and writes the answer with the
resourceVersion it read, so two replicas deciding at once cannot both win (one write
conflicts). A holder renews every third of the lease duration and counts itself leader only
until two thirds of it have passed without a renewal, so it stops its loops before anyone else
may take the lease over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from kubemedic.models.leases import LeaseRecord

RETRY_FRACTION = 1 / 3
"""How often each replica looks at the lease, as a fraction of its duration."""
RENEW_DEADLINE_FRACTION = 2 / 3
"""How long a holder still counts itself leader after its last renewal."""


class Move(StrEnum):
    CREATE = "create"
    RENEW = "renew"
    TAKE_OVER = "take-over"
    FOLLOW = "follow"


@dataclass(frozen=True, slots=True)
class LeaseDecision:
    move: Move
    lease: LeaseRecord
    """What to write (for FOLLOW: the lease as read)."""


def expired(lease: LeaseRecord, now: datetime) -> bool:
    """Nobody holds ``lease``, or its holder has not renewed it within its duration."""
    if not lease.holder or lease.renewed_at is None:
        return True
    return now >= lease.renewed_at + timedelta(seconds=lease.duration_seconds)


def decide(current: LeaseRecord | None, me: str, now: datetime, duration: float) -> LeaseDecision:
    """What replica ``me`` does with the lease it read (None: there is none yet)."""
    if current is None:
        return LeaseDecision(Move.CREATE, LeaseRecord(me, duration, now, now))
    if current.holder == me:
        return LeaseDecision(
            Move.RENEW, replace(current, renewed_at=now, duration_seconds=duration)
        )
    if expired(current, now):
        taken = replace(
            current,
            holder=me,
            duration_seconds=duration,
            acquired_at=now,
            renewed_at=now,
            transitions=current.transitions + 1,
        )
        return LeaseDecision(Move.TAKE_OVER, taken)
    return LeaseDecision(Move.FOLLOW, current)


def still_leading(renewed_at: datetime | None, now: datetime, duration: float) -> bool:
    """A holder whose last successful renewal was at ``renewed_at`` may still act as leader."""
    if renewed_at is None:
        return False
    return now < renewed_at + timedelta(seconds=duration * RENEW_DEADLINE_FRACTION)


def released(lease: LeaseRecord, me: str) -> LeaseRecord | None:
    """The lease given up by ``me`` on shutdown, so another replica takes it at once; None
    when ``me`` does not hold it."""
    if lease.holder != me:
        return None
    return replace(lease, holder="", renewed_at=None)
