"""Everything a governed step needs, opened once from the settings: records, policy, cluster.

The CLI (and later the web server) builds one ``Workspace`` per invocation; the use cases take
it as their first argument. The clock and sleep are here so tests and the sandbox's time scale
drive them, never a module global.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kubemedic.config import Settings
from kubemedic.models.notification import Webhook
from kubemedic.models.policy import Policy
from kubemedic.models.recommendation_settings import PriceBook
from kubemedic.services.records import RecordStore

if TYPE_CHECKING:  # the client loads on first use: the records commands never reach the cluster
    from kubemedic.adapters.kubernetes.writer import ClusterWriter


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Workspace:
    """The records repository, the policy, the webhooks and a way to reach the cluster."""

    store: RecordStore
    policy: Policy
    webhooks: tuple[Webhook, ...] = ()
    context: str | None = None
    kubeconfig: Path | None = None
    request_timeout: float = 10.0
    allowed_signers: Path | None = None
    prices: PriceBook = field(default_factory=PriceBook)
    """What requests cost, for the savings a right-sizing realises."""
    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    _writer: ClusterWriter | None = field(default=None, repr=False)

    def cluster(self) -> ClusterWriter:
        """The cluster connection, opened on first use and kept for the invocation."""
        if self._writer is None:
            from kubemedic.adapters.kubernetes.writer import ClusterWriter

            self._writer = ClusterWriter.connect(
                context=self.context, kubeconfig=self.kubeconfig, timeout=self.request_timeout
            )
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def open_workspace(settings: Settings, store: RecordStore | None = None) -> Workspace:
    """A workspace from settings: records repository created on first use (a server passes the
    ``store`` it keeps open)."""
    store = store or RecordStore.open(settings.records_dir(), remote=settings.records_remote)
    return Workspace(
        store=store,
        policy=settings.governance_policy(),
        webhooks=settings.webhooks(),
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        request_timeout=settings.request_timeout,
        allowed_signers=settings.allowed_signers,
        prices=settings.price_book(),
    )
