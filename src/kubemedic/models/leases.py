"""A ``coordination.k8s.io/v1`` Lease as leader election reads and writes it.

Only the fields the election uses; the resourceVersion travels with it so a write made on a
stale read fails with a conflict instead of overwriting another replica's claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    holder: str
    """``spec.holderIdentity``; empty when nobody holds it (released)."""
    duration_seconds: float
    acquired_at: datetime | None
    renewed_at: datetime | None
    transitions: int = 0
    resource_version: str = ""
    """Empty for a lease not yet stored."""
