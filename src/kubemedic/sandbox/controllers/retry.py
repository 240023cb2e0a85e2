"""The controllers' per-object rate limiter: after a failed sync, try again later and later.

kube-controller-manager requeues an object whose sync failed (a pod the API server refused)
after 5 ms, doubling with each further failure up to 1000 s; a successful sync forgets the
failures. That is why a ReplicaSet's ``FailedCreate`` events thin out over time.
"""

from __future__ import annotations

FIRST_DELAY = 0.005
MAX_DELAY = 1000.0


class FailureBackoff:
    """How long to wait before retrying each object, by its ``namespace/name`` key."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}

    def failed(self, key: str) -> float:
        count = self._failures.get(key, 0)
        self._failures[key] = count + 1
        return min(FIRST_DELAY * (1 << min(count, 40)), MAX_DELAY)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
