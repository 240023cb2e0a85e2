"""The server's background loops, run by one replica at a time through a Lease.

Every replica serves the API; only the holder of ``server.lease_namespace/lease_name`` runs the
due validations and the approval escalation (``validate --due`` and ``approvals --escalate``).
One thread keeps the lease (``governance.leases`` decides; the write carries the
resourceVersion read, so two replicas cannot both win); another runs a round of the loops every
``server.background_interval`` while this replica leads. A replica that is stopped gives the
lease up so another takes over at once; one that dies is replaced when the lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

from kubemedic.adapters.kubernetes import leases
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.config import Settings
from kubemedic.errors import Conflict, KubemedicError
from kubemedic.governance.leases import RETRY_FRACTION, Move, decide, released, still_leading
from kubemedic.services.approvals import escalate
from kubemedic.services.rollback import rollback_for_validation
from kubemedic.services.validation import validate_due
from kubemedic.services.workspace import open_workspace, utc_now

log = logging.getLogger(__name__)


def default_identity() -> str:
    """The host name (a pod's name in a cluster) and the process id: unique per replica."""
    return f"{socket.gethostname()}-{os.getpid()}"


def background_round(settings: Settings) -> None:
    """One round of the leader's loops: due validation stages, then SLA escalation."""
    ws = open_workspace(settings)
    try:
        validate_due(ws, rollback=rollback_for_validation)
        escalate(ws)
    finally:
        ws.close()


class LeaderElection:
    """Keep (or wait for) the lease and run ``work`` while holding it; ``start`` / ``stop``."""

    def __init__(
        self,
        settings: Settings,
        *,
        identity: str | None = None,
        work: Callable[[Settings], None] = background_round,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        server = settings.server
        self.settings = settings
        self.identity = identity or default_identity()
        self._where = (server.lease_namespace, server.lease_name)
        self._duration = server.lease_duration
        self._work = work
        self._clock = clock
        self._renewed_at: datetime | None = None
        self._stopping = threading.Event()
        self._client: ApiClient | None = None
        self._threads = (
            threading.Thread(target=self._keep_lease, name="kubemedic-lease", daemon=True),
            threading.Thread(target=self._run_loops, name="kubemedic-loops", daemon=True),
        )

    @property
    def leading(self) -> bool:
        return still_leading(self._renewed_at, self._clock(), self._duration)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop both threads, then give the lease up if this replica holds it."""
        self._stopping.set()
        for thread in self._threads:
            if thread.ident is not None:
                thread.join(timeout=self._duration + self.settings.request_timeout)
        try:
            self._release()
        except KubemedicError as exc:
            log.warning("could not give up the lease %s/%s: %s", *self._where, exc)
        finally:
            if self._client is not None:
                self._client.close()

    def step(self) -> Move:
        """Read the lease once and create, renew, take it over or follow; what was done."""
        client = self._cluster()
        current = leases.read_lease(client, *self._where)
        now = self._clock()
        decision = decide(current, self.identity, now, self._duration)
        try:
            if decision.move is Move.CREATE:
                leases.create_lease(client, *self._where, decision.lease)
            elif decision.move is not Move.FOLLOW:
                leases.replace_lease(client, *self._where, decision.lease)
        except Conflict:
            self._renewed_at = None
            return Move.FOLLOW
        if decision.move is Move.FOLLOW:
            self._renewed_at = None
        else:
            if self._renewed_at is None:
                log.info("%s leads the background loops (lease %s/%s)", self.identity, *self._where)
            self._renewed_at = now
        return decision.move

    def _keep_lease(self) -> None:
        while not self._stopping.is_set():
            try:
                self.step()
            except KubemedicError as exc:
                log.warning("lease %s/%s: %s", *self._where, exc)
            self._stopping.wait(self._duration * RETRY_FRACTION)

    def _run_loops(self) -> None:
        interval = self.settings.server.background_interval
        last_round: float | None = None
        while not self._stopping.wait(min(interval, self._duration * RETRY_FRACTION)):
            if not self.leading:
                continue
            if last_round is not None and time.monotonic() - last_round < interval:
                continue
            last_round = time.monotonic()
            try:
                self._work(self.settings)
            except KubemedicError as exc:
                log.warning("background loop: %s", exc)

    def _release(self) -> None:
        if self._renewed_at is None:
            return
        client = self._cluster()
        current = leases.read_lease(client, *self._where)
        given_up = released(current, self.identity) if current else None
        if given_up is not None:
            leases.replace_lease(client, *self._where, given_up)
        self._renewed_at = None

    def _cluster(self) -> ApiClient:
        if self._client is None:
            self._client = connect(
                context=self.settings.context,
                kubeconfig=self.settings.kubeconfig,
                timeout=self.settings.request_timeout,
            )
        return self._client
